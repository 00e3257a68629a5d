//! The selected OU's steps: each with its state (mark, colour and spelling), the newest
//! evidence, and the next thing to do. Enter opens the step's detail.
use chrono::{DateTime, Utc};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::state::Side;
use super::state_style;
use crate::migrate::board::{OuProgress, Stage};
use crate::migration::{StepKind, StepRecord, StepState};
use crate::tui::state::State;
use crate::tui::widgets::text::fit;

pub fn render(s: &State, f: &mut Frame, area: Rect) {
    let p = &s.palette;
    let c = &s.checklist;
    let Some(o) = c.current_ou() else { return };
    let focused = c.side == Side::Right;
    let stage = match o.stage {
        Some(Stage::Pilot) => " · pilot".to_string(),
        Some(Stage::Wave(n)) => format!(" · wave {n}"),
        None if !o.in_migration => " · not in the plan".to_string(),
        None => String::new(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if focused { p.border_focus } else { p.border })
        .title(Span::styled(format!(" {}{stage} ", o.ou), p.title));
    let w = area.width.saturating_sub(2) as usize;
    let mut lines = vec![Line::from(Span::styled(
        fit(
            &format!(
                "{} path, {:?} mgmt{} · IMAP {}",
                o.declaration.path.as_str(),
                o.declaration.management,
                if o.declaration.emm { ", EMM" } else { "" },
                o.imap
            ),
            w,
        ),
        p.dim,
    ))];
    let cur = c.current_step();
    let now = c.board.as_ref().map(|b| b.now);
    // Narrow panes put the next action on the evidence line.
    let wide = w >= 35 + 22;
    for r in &o.steps {
        let (mark, style) = state_style(p, r.state);
        let here = Some(r.step) == cur;
        let name_style = match (here, focused) {
            (true, true) => p.cursor,
            (true, false) => p.selected,
            _ => p.base,
        };
        let next = next_action(o, r, now);
        let mut first = vec![
            Span::styled(format!("{mark} {:<13}", r.step.as_str()), name_style),
            Span::styled(format!(" {:<19}", r.state.as_str()), style),
        ];
        if wide {
            first.push(Span::styled(format!(" {}", fit(&next, w - 36)), p.key));
        }
        lines.push(Line::from(first));
        let evidence = r
            .evidence
            .last()
            .map(|e| {
                format!(
                    "{} {} {}",
                    e.observed_at.format("%m-%d %H:%M"),
                    if e.supports { "+" } else { "-" },
                    e.summary
                )
            })
            .or_else(|| r.reason.clone())
            .or_else(|| r.skip.as_ref().map(|k| format!("skipped: {}", k.reason)))
            .unwrap_or_else(|| "no evidence yet".into());
        let mut second = vec![Span::raw("    ")];
        let mut used = 4;
        if !wide {
            let n = format!("→ {next} · ");
            used += n.chars().count();
            second.push(Span::styled(n, p.key));
        }
        second.push(Span::styled(fit(&evidence, w.saturating_sub(used)), p.dim));
        lines.push(Line::from(second));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        fit(
            &format!(
                "Google Sync still syncing: {}   users left behind: {}",
                o.syncing, o.left_behind
            ),
            w,
        ),
        if o.syncing + o.left_behind > 0 {
            p.sync
        } else {
            p.dim
        },
    )));
    f.render_widget(Paragraph::new(lines).block(block).style(p.base), area);
}

fn hm(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "?".into())
}

/// What the admin does next for this step, with the key that does it.
pub fn next_action(o: &OuProgress, r: &StepRecord, now: Option<DateTime<Utc>>) -> String {
    let console = r.step.kind() == StepKind::Console;
    match r.state {
        StepState::Verified => "done".into(),
        StepState::NotApplicable => "does not apply".into(),
        StepState::Skipped => "skipped".into(),
        StepState::Attested => format!("wait for evidence until {} (v)", hm(r.effective_by)),
        StepState::PendingPropagation => {
            let late = now.zip(r.effective_by).is_some_and(|(n, e)| n > e);
            if late {
                "propagation window passed (v)".into()
            } else {
                format!("propagates until {} (v)", hm(r.effective_by))
            }
        }
        StepState::Failed => "R retry, then a".into(),
        StepState::Flagged => "evidence contradicts: R / t".into(),
        StepState::NeedsManual if r.step.kind() == StepKind::Users => {
            format!("{} left to move (u)", o.left_behind)
        }
        StepState::NeedsManual | StepState::NotStarted | StepState::Planned if console => {
            "in the console, then t".into()
        }
        StepState::NeedsManual if r.step.kind() == StepKind::PolicyApi => {
            "in the console, then t".into()
        }
        StepState::NotStarted | StepState::Planned | StepState::NeedsManual => {
            match r.step.kind() {
                StepKind::Users => format!("{} left to move (u)", o.left_behind),
                StepKind::DeviceActions => "a blocks devices still syncing".into(),
                _ if r.state == StepState::Planned => "a apply (planned)".into(),
                _ => "p plan, a apply".into(),
            }
        }
    }
}
