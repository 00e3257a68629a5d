//! The Android pane's dialogs: the edit form of a policy and the dry-run confirmation with
//! the exact diff. They draw over the whole screen, like the device confirmation, and always
//! keep their keys line. Reads only.
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::render::wrapped;
use super::{Confirm, EditForm, Field, RuleMode, FIELDS};
use crate::tui::layout::centered;
use crate::tui::state::State;
use crate::tui::widgets::text::fit;

/// Drops lines before the last `tail` ones until `lines` fit `height` rows with a border,
/// so the keys (and the typed confirmation) at the bottom always show.
fn keep_tail(lines: &mut Vec<Line<'static>>, height: u16, tail: usize) {
    let room = height.saturating_sub(2) as usize;
    while lines.len() > room && lines.len() > tail {
        let at = lines.len() - tail - 1;
        lines.remove(at);
    }
}

/// A diff side: `mark` then the JSON, cut into lines of the room left (JSON has no spaces
/// worth breaking at).
fn marked(mark: &str, json: &str, w: usize, style: Style) -> Vec<Line<'static>> {
    let room = w.saturating_sub(5).max(10);
    let chars: Vec<char> = json.chars().collect();
    chars
        .chunks(room)
        .enumerate()
        .map(|(i, c)| {
            let head = if i == 0 {
                format!("   {mark} ")
            } else {
                "     ".into()
            };
            Line::from(Span::styled(
                format!("{head}{}", c.iter().collect::<String>()),
                style,
            ))
        })
        .collect()
}

pub fn form_dialog(s: &State, form: &EditForm, checking: bool, f: &mut Frame, area: Rect) {
    let p = &s.palette;
    let w = area.width.saturating_sub(2).min(84);
    let inner = w.saturating_sub(2) as usize;
    let id = form.policy.rsplit('/').next().unwrap_or(&form.policy);
    let mut lines = vec![
        Line::from(Span::styled(
            fit(
                &format!(" Policy {id}: workAccountSetupConfig and its enforcement rule"),
                inner,
            ),
            p.title,
        )),
        Line::default(),
    ];
    let mut cursor_at = None;
    for (i, field) in FIELDS.iter().enumerate() {
        let focused = i == form.focus;
        let value = match field {
            Field::Auth => if form.require {
                "GOOGLE_AUTHENTICATED"
            } else {
                "AUTHENTICATION_TYPE_NOT_ENFORCED"
            }
            .to_string(),
            Field::Email => form.email.text.clone(),
            Field::Rule => form.rule.label().to_string(),
            Field::BlockDays => form.block_days.text.clone(),
            Field::Scope => if form.scope_device {
                "device"
            } else {
                "work profile"
            }
            .to_string(),
            Field::WipeDays => form.wipe_days.text.clone(),
            Field::Frp => if form.preserve_frp { "yes" } else { "no" }.to_string(),
        };
        let rule_field = matches!(
            field,
            Field::BlockDays | Field::Scope | Field::WipeDays | Field::Frp
        );
        let style = if focused {
            p.cursor
        } else if rule_field && form.rule != RuleMode::Set {
            p.dim
        } else {
            p.base
        };
        let hint = match (focused, field.is_text()) {
            (true, false) => "  (Space toggles)",
            (true, true) if *field == Field::Email => "  (empty: any enterprise account)",
            _ => "",
        };
        let label = format!(" {} {:<22}", if focused { "▶" } else { " " }, field.label());
        if focused && field.is_text() {
            let input = match field {
                Field::Email => &form.email,
                Field::BlockDays => &form.block_days,
                _ => &form.wipe_days,
            };
            cursor_at = Some((lines.len(), label.chars().count() + input.cursor));
        }
        lines.push(Line::from(vec![
            Span::styled(label, style),
            Span::styled(value, style),
            Span::styled(hint, p.dim),
        ]));
        if *field == Field::Email {
            lines.push(Line::default());
        }
    }
    lines.push(Line::default());
    if checking {
        lines.push(Line::from(Span::styled(
            " Checking the policy and the Directory (dry run)…",
            p.warn,
        )));
    }
    for e in &form.errors {
        lines.extend(wrapped(e, inner, 1, p.error));
    }
    lines.push(Line::from(vec![
        Span::styled(" Enter", p.key),
        Span::raw(" dry run   "),
        Span::styled("Esc", p.key),
        Span::raw(" cancel   "),
        Span::styled("Tab", p.key),
        Span::raw(" next field   "),
        Span::styled("Space", p.key),
        Span::raw(" toggle"),
    ]));
    keep_tail(&mut lines, area.height, 1);
    let rect = dialog(s, f, area, w, lines, " Edit Android policy ");
    if let Some((row, col)) = cursor_at {
        let (x, y) = (rect.x + 1 + col as u16, rect.y + 1 + row as u16);
        if x < rect.x + rect.width.saturating_sub(1) && y < rect.y + rect.height.saturating_sub(1) {
            f.set_cursor_position(Position::new(x, y));
        }
    }
}

pub fn confirm_dialog(s: &State, c: &Confirm, f: &mut Frame, area: Rect) {
    let p = &s.palette;
    let w = area.width.saturating_sub(2).min(110);
    let inner = w.saturating_sub(2) as usize;
    let plan = &c.prepared.plan;
    let before = &c.prepared.before;
    let mut lines = vec![Line::from(Span::styled(
        fit(
            &format!(
                " Dry run: patch policy {} (v{})",
                before.id(),
                before.version.as_deref().unwrap_or("?")
            ),
            inner,
        ),
        p.title,
    ))];
    lines.push(Line::from(Span::styled(
        fit(&format!(" updateMask: {}", plan.patch.update_mask()), inner),
        p.base,
    )));
    if let Some(t) = c.change.targets.first() {
        lines.push(Line::from(Span::styled(
            fit(&format!(" {}", t.request.line()), inner),
            p.dim,
        )));
    }
    lines.push(Line::default());
    for d in &plan.diff {
        lines.push(Line::from(Span::styled(format!(" {}", d.field), p.key)));
        lines.extend(marked("-", &d.before, inner, p.error));
        lines.extend(marked("+", &d.after, inner, p.ok));
    }
    for warning in &plan.warnings {
        lines.extend(wrapped(&format!("! {warning}"), inner, 1, p.warn));
    }
    let devices = s
        .android
        .data
        .as_ref()
        .and_then(|d| d.counts.get(&plan.policy))
        .map_or(0, |c| c.devices);
    lines.extend(wrapped(
        &format!(
            "{devices} device(s) use this policy; each applies the change at its next policy sync. \
             The patch is journaled (the Log pane shows it)."
        ),
        inner,
        1,
        p.dim,
    ));
    lines.push(Line::default());
    if let (Some(want), Some(typed)) = (&plan.typed_confirmation, &c.typed) {
        lines.push(Line::from(vec![
            Span::styled(format!(" Type `{want}` to confirm: "), p.key),
            Span::styled(format!("{}_", typed.text), p.title),
        ]));
    }
    lines.push(Line::from(vec![
        Span::styled(" Enter", p.key),
        Span::raw(" send   "),
        Span::styled("Esc", p.key),
        Span::raw(" back to the form"),
    ]));
    keep_tail(&mut lines, area.height, 3);
    dialog(s, f, area, w, lines, " Confirm Android policy patch ");
}

/// Draws `lines` in a bordered box `w` wide, as tall as they need, centred in `area`;
/// returns where it went (the form places its cursor in it).
fn dialog(s: &State, f: &mut Frame, area: Rect, w: u16, lines: Vec<Line>, title: &str) -> Rect {
    let p = &s.palette;
    let h = (lines.len() as u16 + 2).min(area.height);
    let rect = centered(area, w, h);
    f.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(p.border_focus)
        .title(title.to_string());
    f.render_widget(Paragraph::new(lines).block(block).style(p.base), rect);
    rect
}
