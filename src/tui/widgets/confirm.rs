//! The confirmation dialog for a planned change: the action, the exact count, a sample of
//! the targets with their state before, the targets left out as no-ops, the GAM equivalent
//! and the plan's warnings (for delete of Google Sync devices: they come back at their next
//! sync, with block offered instead). It draws the plan only, never the live table.
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::text::{fit, thousands};
use crate::change::ChangeKind;
use crate::model::DeviceAction;
use crate::tui::layout::centered;
use crate::tui::state::{Confirm, State};

const SAMPLE: usize = 5;

pub fn render(s: &State, c: &Confirm, f: &mut Frame, area: Rect) {
    let p = &s.palette;
    let plan = &c.plan;
    let n = plan.len();
    // Wide enough for a whole GAM command line where the terminal allows it.
    let w = area.width.saturating_sub(4).min(104);
    let inner = w.saturating_sub(4) as usize;
    let verb = plan.change.label();
    let style = if plan.change.is_destructive() {
        p.error
    } else {
        p.title
    };
    let noun = plan.change.noun(n);
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{verb} "), style),
            Span::styled(format!("{} {noun}", thousands(n)), p.title),
        ]),
        Line::default(),
    ];
    for t in plan.targets.iter().take(SAMPLE) {
        let row = format!(
            "  {}  {}  {}",
            t.owner.as_deref().unwrap_or("(no owner)"),
            t.about,
            t.before
        );
        lines.push(Line::from(Span::styled(fit(&row, inner), p.base)));
    }
    if n > SAMPLE {
        lines.push(Line::from(Span::styled(
            format!("  … and {} more", n - SAMPLE),
            p.dim,
        )));
    }
    if !plan.skipped.is_empty() {
        let k = plan.skipped.len();
        lines.push(Line::from(Span::styled(
            format!("  {} left out: {}", thousands(k), plan.skipped[0].why),
            p.dim,
        )));
    }
    if let Some(t) = plan.targets.first() {
        // GAM takes one target per command; the journal records one per target.
        let each = if n > 1 {
            format!(" (one per {}, {n} commands)", plan.change.noun(1))
        } else {
            String::new()
        };
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            fit(&format!("GAM: {}{each}", t.gam), inner),
            p.dim,
        )));
    }
    let is_delete = plan.change == ChangeKind::Device(DeviceAction::Delete);
    for (i, warning) in plan.warnings.iter().enumerate() {
        if i == 0 && is_delete {
            lines.push(Line::default());
        }
        lines.push(Line::from(Span::styled(warning.clone(), p.warn)));
    }
    lines.push(Line::default());
    if let Some(t) = &c.typed {
        lines.push(Line::from(vec![
            Span::styled(format!("Type {n} to confirm: "), p.key),
            Span::styled(format!("{t}_"), p.title),
        ]));
    }
    let mut keys = vec![
        Span::styled("Enter", p.key),
        Span::raw(" confirm   "),
        Span::styled("Esc", p.key),
        Span::raw(" cancel"),
    ];
    if is_delete {
        keys.extend([
            Span::raw("   "),
            Span::styled("b", p.key),
            Span::raw(" block instead"),
        ]);
    }
    lines.push(Line::from(keys));
    let h = (lines.len() as u16 + 4).min(area.height);
    let rect = centered(area, w, h);
    f.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(p.border_focus)
        .title(" Confirm change ");
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .style(p.base),
        rect,
    );
}
