//! Drawing the Android pane: the enterprise, the policy table and the selected policy's
//! devices by upgrade state, with the edit form or the dry-run confirmation over them
//! (`dialogs.rs`). Reads only.
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::dialogs::{confirm_dialog, form_dialog};
use super::{AndroidData, AndroidPane, Mode};
use crate::migration::android::{policy_line, DeviceRow, Estimate, Group, UpgradeState};
use crate::tui::state::State;
use crate::tui::theme::Palette;
use crate::tui::widgets::text::{fit, thousands};

pub fn render(s: &State, f: &mut Frame, area: Rect) {
    let p = &s.palette;
    let a = &s.android;
    let mut title = vec![Span::styled(" Android ", p.title)];
    if let Some(d) = &a.data {
        let v = &d.view;
        title.push(Span::styled(
            format!(
                "· {} devices · {} policies · read {} ",
                thousands(v.devices.len()),
                v.policies.len(),
                v.now.format("%m-%d %H:%M UTC")
            ),
            p.dim,
        ));
    }
    if a.loading {
        title.push(Span::styled("· reading the enterprise… ", p.warn));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(p.border)
        .title(Line::from(title));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.width < 2 || inner.height == 0 {
        return;
    }
    let w = inner.width as usize;
    let h = inner.height as usize;
    let lines = match (&a.not_configured, &a.data) {
        (Some(hint), _) => not_configured(p, hint, w),
        (None, None) => {
            let mut l = vec![Line::from(Span::styled(
                if a.loading {
                    " Reading the enterprise, its policies and devices…"
                } else {
                    " Not read yet: r reads the enterprise."
                },
                p.dim,
            ))];
            if let Some(e) = &a.error {
                l.extend(wrapped(
                    &format!("Reading failed: {e} (r retries)"),
                    w,
                    1,
                    p.error,
                ));
            }
            l
        }
        (None, Some(d)) => body(a, d, p, w, h),
    };
    f.render_widget(Paragraph::new(lines).style(p.base), inner);
    match &a.mode {
        Mode::Browse => {}
        // Dialogs may use the whole screen, like the device confirmation.
        Mode::Edit(form) => form_dialog(s, form, false, f, f.area()),
        Mode::Checking(form) => form_dialog(s, form, true, f, f.area()),
        Mode::Confirm(c) => confirm_dialog(s, c, f, f.area()),
    }
}

fn not_configured(p: &Palette, hint: &str, w: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for (i, l) in hint.lines().enumerate() {
        let l = l.trim_start().trim_start_matches("hint: ");
        let style = if i == 0 { p.warn } else { p.base };
        out.extend(wrapped(l, w, 1, style));
    }
    out.push(Line::default());
    out.extend(wrapped(
        "Google restricts the Android Management API to EMM providers: offsync reads and changes \
         the customer's existing enterprise, it never creates one. `offsync check` verifies the \
         scope once the enterprise is set.",
        w,
        1,
        p.dim,
    ));
    out
}

/// The enterprise, the policies (a window around the cursor) and the selected policy's
/// devices (scrolled by `a.scroll`), in `h` lines.
fn body(a: &AndroidPane, d: &AndroidData, p: &Palette, w: usize, h: usize) -> Vec<Line<'static>> {
    let v = &d.view;
    let mut head = Vec::new();
    let short = v.enterprise.name.rsplit('/').next().unwrap_or_default();
    let name = v
        .enterprise
        .enterprise_display_name
        .clone()
        .map_or(short.to_string(), |n| format!("{n} ({short})"));
    let managed = v.enterprise.is_managed_google_domain();
    let kind = match v.enterprise.enterprise_type.as_deref() {
        Some("MANAGED_GOOGLE_DOMAIN") => "managed Google domain",
        Some("MANAGED_GOOGLE_PLAY_ACCOUNTS_ENTERPRISE") => {
            "managed Google Play accounts enterprise"
        }
        Some(other) => other,
        None => "type not reported",
    };
    head.extend(wrapped(
        &format!("Enterprise {name} · {kind}"),
        w,
        1,
        if managed { p.base } else { p.warn },
    ));
    if !managed {
        head.extend(wrapped(
            "No account can be upgraded until the enterprise is bound to the managed Google \
             domain. First: enterprises.generateEnterpriseUpgradeUrl (`offsync android \
             upgrade-url`), then follow the link as a super admin.",
            w,
            1,
            p.warn,
        ));
    }
    if let Some(why) = &v.devices_incomplete {
        head.extend(wrapped(
            &format!(
                "INCOMPLETE: the device listing failed after {} devices ({why}); counts cover only those. r reads again.",
                v.devices.len()
            ),
            w,
            1,
            p.error,
        ));
    }
    if let Some(e) = &a.error {
        head.extend(wrapped(
            &format!("The last read failed: {e}; this is the read before it (r retries)."),
            w,
            1,
            p.error,
        ));
    }
    if !d.first_seen_kept {
        head.extend(wrapped(
            "No database: first sightings of non-compliance are not kept, so ages are unknown.",
            w,
            1,
            p.warn,
        ));
    }
    head.push(Line::from(Span::styled(
        fit(&format!(" Credential: {}", v.credential), w),
        p.dim,
    )));
    // The policy table: a window around the cursor, about a quarter of the pane.
    let n = v.policies.len();
    let rows_h = n.min((h / 4).max(3));
    let cursor = a.cursor().unwrap_or(0);
    let offset = cursor.saturating_sub(rows_h.saturating_sub(1));
    let mut table = vec![Line::from(Span::styled(
        fit(
            &format!(
                "   {:<22} {:>7} {:>11} {:>8}  {}",
                "Policy", "Devices", "Need action", "Upgraded", "Account"
            ),
            w,
        ),
        p.header_row,
    ))];
    for (i, pol) in v.policies.iter().enumerate().skip(offset).take(rows_h) {
        let c = d.counts.get(&pol.name).copied().unwrap_or_default();
        let cfg = pol.work_account_setup_config.clone().unwrap_or_default();
        let account = match (&cfg.required_account_email, pol.requires_google_account()) {
            (Some(e), _) => format!("required {e}"),
            (None, true) => "any enterprise account".into(),
            (None, false) => "not required".into(),
        };
        let mark = if i == cursor { " ▶ " } else { "   " };
        let text = format!(
            "{mark}{:<22} {:>7} {:>11} {:>8}  {account}",
            fit(pol.id(), 22),
            c.devices,
            c.attention,
            c.upgraded
        );
        let style = if i == cursor {
            p.cursor
        } else if c.attention > 0 {
            p.warn
        } else {
            p.base
        };
        table.push(Line::from(Span::styled(fit(&text, w), style)));
    }
    if n == 0 {
        table.push(Line::from(Span::styled(
            " The enterprise has no policies (policies.list returned none).",
            p.warn,
        )));
    }
    let detail = detail(a, d, p, w);
    let room = h.saturating_sub(head.len() + table.len());
    let start = a.scroll.min(detail.len().saturating_sub(room));
    let mut out = head;
    out.extend(table);
    out.extend(detail.into_iter().skip(start).take(room));
    out
}

/// The selected policy's fields and its devices by upgrade state.
fn detail(a: &AndroidPane, d: &AndroidData, p: &Palette, w: usize) -> Vec<Line<'static>> {
    let Some(pol) = a.selected_policy() else {
        return Vec::new();
    };
    let c = d.counts.get(&pol.name).copied().unwrap_or_default();
    let mut out = vec![Line::default()];
    out.extend(wrapped(&policy_line(pol, c.devices), w, 1, p.title));
    let groups: Vec<(&Group, Vec<&DeviceRow>)> = d
        .status
        .groups
        .iter()
        .map(|g| {
            let rows = g
                .devices
                .iter()
                .filter(|r| r.policy.as_deref() == Some(pol.name.as_str()))
                .collect::<Vec<_>>();
            (g, rows)
        })
        .filter(|(_, rows)| !rows.is_empty())
        .collect();
    if groups.is_empty() {
        out.push(Line::from(Span::styled(
            " No device uses this policy.",
            p.dim,
        )));
    }
    let wide = w >= 110;
    let mut counted = false;
    for (g, rows) in groups {
        let style = if super::needs_attention(g.state) {
            p.warn
        } else if g.state == UpgradeState::Upgraded {
            p.ok
        } else {
            p.base
        };
        let mut reasons: Vec<String> = rows.iter().filter_map(|r| reason(r)).collect();
        reasons.sort();
        reasons.dedup();
        out.push(Line::from(Span::styled(
            fit(&format!(" ■ {} · {}", g.label, rows.len()), w),
            style,
        )));
        if !reasons.is_empty() {
            out.extend(wrapped(
                &format!("reason: {}", reasons.join(", ")),
                w,
                3,
                style,
            ));
        }
        out.extend(wrapped(&format!("why: {}", g.explanation), w, 3, p.dim));
        out.extend(wrapped(&format!("fix: {}", g.fix), w, 3, p.dim));
        if let Some(here) = pane_fix(g.state) {
            out.extend(wrapped(&format!("here: {here}"), w, 3, p.key));
        }
        for r in rows {
            counted |= r.non_compliant_at_least_days.is_some();
            out.push(Line::from(Span::styled(
                fit(&device_line(r, wide), w),
                p.base,
            )));
        }
    }
    if counted {
        out.push(Line::default());
        out.extend(wrapped(
            "\"at least\": offsync counts from when it first saw a device non-compliant (the API \
             gives no start time), so the days left before block and wipe are estimates: at most.",
            w,
            1,
            p.dim,
        ));
    }
    out
}

fn reason(r: &DeviceRow) -> Option<String> {
    match (&r.reason, &r.specific_reason) {
        (Some(a), Some(b)) => Some(format!("{a}/{b}")),
        (Some(a), None) => Some(a.clone()),
        (None, Some(b)) => Some(b.clone()),
        (None, None) => None,
    }
}

/// What the admin can do about a state without leaving the pane.
fn pane_fix(s: UpgradeState) -> Option<&'static str> {
    match s {
        UpgradeState::RequiredAccountNotInEnterprise => {
            Some("e, then correct or clear requiredAccountEmail, Enter for the dry run")
        }
        UpgradeState::NotRequested => Some("e, then Space on authenticationType"),
        UpgradeState::AwaitingUser => {
            Some("e sets the enforcement rule (block, then wipe after N days)")
        }
        _ => None,
    }
}

fn device_line(r: &DeviceRow, wide: bool) -> String {
    let id = r.name.rsplit('/').next().unwrap_or(&r.name);
    let user = r
        .user_name
        .as_deref()
        .map_or("-", |u| u.rsplit('/').next().unwrap_or(u));
    let model = r.model.as_deref().unwrap_or("-");
    let age = r.non_compliant_at_least_days.map_or(String::new(), |n| {
        if wide {
            format!("non-compliant at least {n} d")
        } else {
            format!("at least {n} d")
        }
    });
    let in_ = if wide { "in " } else { "" };
    let est = |what: &str, e: Option<Estimate>| match e {
        None => String::new(),
        Some(Estimate::Due) => format!("  {what} due"),
        Some(Estimate::InAtMost(n)) => format!("  {what} {in_}≤{n} d"),
    };
    let (block, wipe) = (est("block", r.block), est("wipe", r.wipe));
    if wide {
        format!("   {id:<17} user {user:<22} {model:<16} {age}{block}{wipe}")
    } else {
        format!("   {id:<17} {model:<12} {age}{block}{wipe}")
    }
}

/// `text` word-wrapped to `w` columns, every line indented by `indent` spaces.
pub(super) fn wrapped(text: &str, w: usize, indent: usize, style: Style) -> Vec<Line<'static>> {
    let room = w.saturating_sub(indent).max(10);
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let (len, wl) = (line.chars().count(), word.chars().count());
        if wl <= room {
            if len > 0 && len + 1 + wl > room {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
            continue;
        }
        // Longer than any line (JSON, a URL): carry on where the line is, break anywhere.
        if len > 0 {
            if len + 2 < room {
                line.push(' ');
            } else {
                out.push(std::mem::take(&mut line));
            }
        }
        for c in word.chars() {
            if line.chars().count() >= room {
                out.push(std::mem::take(&mut line));
            }
            line.push(c);
        }
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    let pad = " ".repeat(indent);
    out.into_iter()
        .map(|l| Line::from(Span::styled(fit(&format!("{pad}{l}"), w), style)))
        .collect()
}
