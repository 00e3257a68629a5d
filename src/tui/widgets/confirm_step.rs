//! The confirmation dialog for a migration change, drawn like the device one: what will
//! happen (for an apply, the engine's dry-run diff: before → after, the call, the OUs it
//! reaches, users and devices affected), the typed count or reason it needs, and the keys.
//! It draws the dialog's value only, never the live board.
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use crate::tui::layout::centered;
use crate::tui::panes::checklist::confirm::StepConfirm;
use crate::tui::state::State;

pub fn render(s: &State, c: &StepConfirm, f: &mut Frame, area: Rect) {
    let p = &s.palette;
    let w = area.width.saturating_sub(4).min(104);
    let mut lines = vec![
        Line::from(Span::styled(
            c.title.clone(),
            if c.readonly { p.warn } else { p.title },
        )),
        Line::default(),
    ];
    let body: Vec<String> = match &c.plan {
        Some(plan) => crate::tui::panes::checklist::plan_lines(plan),
        None => c.lines.clone(),
    };
    lines.extend(
        body.into_iter()
            .map(|l| Line::from(Span::styled(l, p.base))),
    );
    lines.push(Line::default());
    if let Some(k) = c.kind_label() {
        lines.push(Line::from(vec![
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
        lines.push(Line::from(vec![
            Span::styled(label, p.key),
            Span::styled(format!("{}_", r.input.text), p.title),
        ]));
    }
    if let Some(t) = &c.typed {
        lines.push(Line::from(vec![
            Span::styled(format!("Type {} to confirm: ", c.count), p.key),
            Span::styled(format!("{t}_"), p.title),
        ]));
    }
    let keys = if c.readonly {
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
    };
    lines.push(Line::from(keys));
    let h = (lines.len() as u16 + 4).min(area.height);
    let rect = centered(area, w, h);
    f.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(p.border_focus)
        .title(" Confirm migration change ");
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .style(p.base),
        rect,
    );
}
