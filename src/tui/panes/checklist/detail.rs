//! One step at one OU in full: what and why, the Admin console path (manual steps), the
//! exact request (automatic steps), the evidence with the server's timestamps, the newest
//! plan shown, and the journal rows of the step. Scrolls with Ctrl-d / Ctrl-u.
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::state_style;
use super::steps::next_action;
use crate::migrate::StepPlan;
use crate::migration::StepKind;
use crate::tui::state::State;

const TS: &str = "%Y-%m-%d %H:%M:%S";

pub fn render(s: &State, f: &mut Frame, area: Rect) {
    let p = &s.palette;
    let c = &s.checklist;
    let (Some(b), Some((ou, step))) = (&c.board, &c.detail) else {
        return;
    };
    let Some(o) = b.ou(ou) else { return };
    let Some(r) = o.steps.iter().find(|r| r.step == *step) else {
        return;
    };
    let head = |t: &str| Line::from(Span::styled(t.to_string(), p.title));
    let text = |t: String| Line::from(Span::styled(t, p.base));
    let dim = |t: String| Line::from(Span::styled(t, p.dim));
    let (mark, style) = state_style(p, r.state);
    let mut lines = vec![
        Line::from(vec![
            Span::styled("State: ", p.title),
            Span::styled(format!("{mark} {}", r.state.as_str()), style),
            Span::styled(
                r.updated_at
                    .map(|t| format!("  since {} (server)", t.format(TS)))
                    .unwrap_or_default(),
                p.dim,
            ),
            Span::styled(
                if r.attempts > 0 {
                    format!("  attempts {}", r.attempts)
                } else {
                    String::new()
                },
                p.warn,
            ),
        ]),
        Line::from(vec![
            Span::styled("Next: ", p.title),
            Span::styled(next_action(o, r, Some(b.now)), p.key),
        ]),
    ];
    if let Some(why) = &r.reason {
        lines.push(Line::from(Span::styled(format!("Reason: {why}"), p.warn)));
    }
    if let Some(k) = &r.skip {
        lines.push(text(format!("Skipped ({:?}): {}", k.kind, k.reason)));
    }
    lines.push(Line::default());
    lines.push(head("What and why"));
    lines.push(text(format!("  {}", step.title())));
    lines.push(text(format!("  {}", step.why())));
    lines.push(dim(format!(
        "  Verified when offsync {}",
        step.how_verified()
    )));
    lines.push(Line::default());
    let request = o.requests.iter().find(|(s, _)| s == step);
    match (step.kind(), request) {
        (StepKind::PolicyApi, Some((_, diff))) => {
            lines.push(head(
                "Request (Cloud Identity Policy API, as it would be sent now)",
            ));
            lines.extend(diff.iter().map(|l| text(format!("  {l}"))));
            lines.push(dim(format!(
                "  If Google refuses the write, do it in the Admin console: {}",
                step.console_path()
            )));
        }
        (StepKind::DeviceActions, _) => {
            lines.push(head("Request (Directory API, one per device)"));
            let req = crate::change::device::request(
                &s.profile.customer_id,
                crate::model::DeviceAction::Block,
                "{resourceId}",
            );
            let body = req.body.map(|b| format!(" {b}")).unwrap_or_default();
            lines.push(text(format!("  {} {}{body}", req.method, req.path)));
            lines.push(dim(format!(
                "  Devices still syncing here: {} (a shows them with owners)",
                o.syncing
            )));
        }
        (StepKind::Users, _) => {
            lines.push(head("Users"));
            lines.push(text(format!(
                "  {} users left behind at {} (u lists them with instructions)",
                o.left_behind, o.ou
            )));
        }
        _ => {
            lines.push(head("Admin console (no API)"));
            lines.push(text(format!("  {}", step.console_path())));
        }
    }
    if let Some((_, _, plan)) = c.plan.as_ref().filter(|(po, ps, _)| po == ou && ps == step) {
        lines.push(Line::default());
        lines.push(head("Newest plan (p)"));
        lines.extend(plan_lines(plan).into_iter().map(|l| text(format!("  {l}"))));
    }
    lines.push(Line::default());
    lines.push(head("Evidence (server time)"));
    if r.evidence.is_empty() {
        lines.push(dim("  none yet".into()));
    }
    for e in &r.evidence {
        let kind = serde_json::to_value(e.kind)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(format!("  {} ", e.observed_at.format(TS)), p.dim),
            Span::styled(
                if e.supports { "supports " } else { "against  " },
                if e.supports { p.ok } else { p.warn },
            ),
            Span::styled(format!("{kind}: {}", e.summary), p.base),
        ]));
        if !e.refs.is_empty() {
            lines.push(dim(format!("      {}", e.refs.join(", "))));
        }
    }
    lines.push(Line::default());
    lines.push(head("Journal"));
    match &c.journal {
        None => lines.push(dim("  reading…".into())),
        Some(j) => match &j.rows {
            Err(e) => lines.push(Line::from(Span::styled(
                format!("  JOURNAL UNREADABLE: {e}"),
                p.error,
            ))),
            Ok(rows) if rows.is_empty() => {
                lines.push(dim("  nothing recorded for this step yet".into()))
            }
            Ok(rows) => {
                for j in rows {
                    let extra = [
                        j.reason.as_ref().map(|r| format!("reason: {r}")),
                        j.after.as_ref().map(|a| format!("after: {a}")),
                        j.operation.as_ref().map(|o| format!("op: {o}")),
                        j.error.as_ref().map(|e| format!("error: {e}")),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("  ");
                    lines.push(Line::from(vec![
                        Span::styled(format!("  #{} {} ", j.journal_id, j.at.format(TS)), p.dim),
                        Span::styled(format!("{} ", j.action), p.base),
                        Span::styled(
                            j.outcome.clone(),
                            match j.outcome.as_str() {
                                "succeeded" => p.ok,
                                "failed" => p.error,
                                _ => p.warn,
                            },
                        ),
                        Span::styled(format!("  {} {extra}", j.actor), p.dim),
                    ]));
                }
            }
        },
    }
    // Scrolled no further than the last lines (g/G and pages never show a blank box).
    let last = lines
        .len()
        .saturating_sub(area.height.saturating_sub(2) as usize / 2) as u16;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(p.border_focus)
        .title(Span::styled(format!(" {} · {} ", o.ou, step), p.title))
        .title_bottom(Span::styled(" Esc back  j/k step  ^d/^u scroll ", p.dim));
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .style(p.base)
            .wrap(Wrap { trim: false })
            .scroll((c.detail_scroll.min(last), 0)),
        area,
    );
}

/// A step plan as lines: the dry-run diff for a policy write, the devices for a block.
pub fn plan_lines(plan: &StepPlan) -> Vec<String> {
    match plan {
        StepPlan::Policy {
            change,
            request,
            noop,
            notes,
            user_imap,
        } => {
            let mut v = change.diff_lines();
            if *noop {
                v.push("(already in place: nothing to send)".into());
            } else if let Some(t) = request.targets.first() {
                // The exact request the change engine journals and sends.
                v.push(format!("  request: {}", t.request.line()));
                if let Some(body) = &t.request.body {
                    v.push(format!("  body:    {body}"));
                }
            }
            v.extend(notes.iter().map(|n| format!("note: {n}")));
            v.extend(user_imap.iter().flat_map(|u| u.lines()));
            v
        }
        StepPlan::Block { change } => {
            let mut v = vec![format!(
                "block {} Google Sync devices still syncing in {}:",
                change.devices.len(),
                change.ou
            )];
            v.extend(change.devices.iter().take(5).map(|(id, owner)| {
                format!("  {id}  {owner}  (gam update mobile {id} action block)")
            }));
            if change.devices.len() > 5 {
                v.push(format!("  … and {} more", change.devices.len() - 5));
            }
            v
        }
        StepPlan::Manual {
            console_path,
            how_verified,
        } => vec![
            format!("manual step in the Admin console: {console_path}"),
            format!("offsync verifies it: {how_verified}"),
        ],
        StepPlan::Users { left_behind } => {
            vec![format!("{} users still to move", left_behind.len())]
        }
        StepPlan::NotApplicable { why } => vec![format!("not applicable: {why}")],
    }
}
