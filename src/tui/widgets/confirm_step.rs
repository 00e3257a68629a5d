//! The confirmation dialog for a migration change, drawn like the device one: what will
//! happen (for an apply, the engine's dry-run diff: before → after, the call, the OUs it
//! reaches, users and devices affected), the typed count or reason it needs, and the keys.
//! It draws the dialog's value only, never the live board.
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::text::fit;
use crate::tui::layout::centered;
use crate::tui::panes::checklist::confirm::StepConfirm;
use crate::tui::state::State;

pub fn render(s: &State, c: &StepConfirm, f: &mut Frame, area: Rect) {
    let p = &s.palette;
    let w = area.width.saturating_sub(4).min(104);
    let inner = w.saturating_sub(2) as usize;
    let mut tail = Vec::new();
    if let Some(k) = c.kind_label() {
        tail.push(Line::from(vec![
            Span::styled("Kind: ", p.key),
            Span::styled(k, p.title),
            Span::styled("  (Tab: next kind)", p.dim),
        ]));
    }
    if let Some(r) = &c.reason {
        let label = if r.required {
            "Reason (required): "
        } else {
            "Note (optional): "
        };
        tail.push(Line::from(vec![
            Span::styled(label, p.key),
            Span::styled(format!("{}_", r.input.text), p.title),
        ]));
    }
    if let Some(t) = &c.typed {
        tail.push(Line::from(vec![
            Span::styled(format!("Type {} to confirm: ", c.count), p.key),
            Span::styled(format!("{t}_"), p.title),
        ]));
    }
    tail.push(Line::from(if c.readonly {
        vec![
            Span::styled("read-only: nothing is applied   ", p.warn),
            Span::styled("Esc", p.key),
            Span::raw(" close"),
        ]
    } else {
        vec![
            Span::styled("Enter", p.key),
            Span::raw(" confirm (journaled)   "),
            Span::styled("Esc", p.key),
            Span::raw(" cancel"),
        ]
    }));
    let body: Vec<String> = match &c.plan {
        Some(plan) => crate::tui::panes::checklist::plan_lines(plan),
        None => c.lines.clone(),
    };
    // One terminal line per fact, cut to the width: the keys and the typed input always
    // stay on screen, however long the plan is.
    let room = (area.height as usize)
        .saturating_sub(2 + 3 + tail.len())
        .max(1);
    let mut lines = vec![
        Line::from(Span::styled(
            fit(&c.title, inner),
            if c.readonly { p.warn } else { p.title },
        )),
        Line::default(),
    ];
    let cut = body.len() > room;
    let keep = if cut { room - 1 } else { body.len() };
    lines.extend(
        body.iter()
            .take(keep)
            .map(|l| Line::from(Span::styled(fit(l, inner), p.base))),
    );
    if cut {
        lines.push(Line::from(Span::styled(
            format!(
                "… {} more line(s): Esc, then p shows the whole plan in the step detail",
                body.len() - keep
            ),
            p.dim,
        )));
    }
    lines.push(Line::default());
    lines.extend(tail);
    let h = (lines.len() as u16 + 2).min(area.height);
    let rect = centered(area, w, h);
    f.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(p.border_focus)
        .title(" Confirm migration change ");
    f.render_widget(Paragraph::new(lines).block(block).style(p.base), rect);
}
