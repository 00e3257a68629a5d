//! The confirmation dialog for a device change: the action, the exact count, a sample of
//! the devices, the GAM equivalent, and for delete of Google Sync devices the warning
//! that they come back at their next sync (with block offered instead).
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::text::{fit, thousands};
use crate::model::DeviceAction;
use crate::tui::layout::centered;
use crate::tui::state::{Confirm, State};

const SAMPLE: usize = 5;

pub fn render(s: &State, c: &Confirm, f: &mut Frame, area: Rect) {
    let p = &s.palette;
    let n = c.targets.len();
    let devices: Vec<_> = c
        .targets
        .iter()
        .filter_map(|i| s.inventory.devices.get(*i as usize))
        .collect();
    // Wide enough for a whole GAM command line where the terminal allows it.
    let w = area.width.saturating_sub(4).min(104);
    let inner = w.saturating_sub(4) as usize;
    let verb = c.action.label();
    let style = if c.action.is_destructive() {
        p.error
    } else {
        p.title
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{verb} "), style),
            Span::styled(
                format!("{} device{}", thousands(n), if n == 1 { "" } else { "s" }),
                p.title,
            ),
        ]),
        Line::default(),
    ];
    for d in devices.iter().take(SAMPLE) {
        let row = format!(
            "  {}  {}  {}  {}",
            d.owner().unwrap_or("(no owner)"),
            d.display_model(),
            d.device_type,
            d.status
        );
        lines.push(Line::from(Span::styled(fit(&row, inner), p.base)));
    }
    if n > SAMPLE {
        lines.push(Line::from(Span::styled(
            format!("  … and {} more", n - SAMPLE),
            p.dim,
        )));
    }
    if let Some(d) = devices.first() {
        // GAM takes one device per command; the journal records one per device.
        let each = if n > 1 {
            format!(" (one per device, {n} commands)")
        } else {
            String::new()
        };
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            fit(
                &format!("GAM: {}{each}", c.action.gam_command(&d.resource_id)),
                inner,
            ),
            p.dim,
        )));
    }
    let sync = devices.iter().filter(|d| d.is_google_sync()).count();
    if c.action == DeviceAction::Delete && sync > 0 {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            format!("{sync} of these are Google Sync devices: a deleted Google Sync device comes back at its next sync. Block stops it."),
            p.warn,
        )));
    }
    if c.action.is_destructive() && c.action != DeviceAction::Delete {
        lines.push(Line::from(Span::styled(
            "This removes data from the devices and cannot be undone.",
            p.warn,
        )));
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
    if c.action == DeviceAction::Delete {
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
