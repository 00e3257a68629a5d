//! The device table: only the visible slice of the filtered rows is turned into cells,
//! so drawing costs the same at 100 and at 100,000 devices. Columns are dropped by
//! priority when the terminal is narrow (owner, type, status and last sync stay).
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Cell, Row, Table};
use ratatui::Frame;

use super::view::Column;
use crate::model::Device;
use crate::tui::state::{Focus, State};
use crate::tui::widgets::text::{ago, fit, thousands};

/// Columns in display order: (column, minimum width, extra width it can use, priority
/// with which it is kept when space runs out; lower = kept longer).
const LAYOUT: [(Column, u16, u16, u8); 7] = [
    (Column::Owner, 14, 26, 0),
    (Column::Model, 11, 6, 4),
    (Column::Os, 10, 4, 6),
    (Column::Type, 11, 0, 1),
    (Column::Status, 9, 4, 2),
    (Column::LastSync, 8, 1, 3),
    (Column::Ou, 12, 20, 5),
];

/// Keeps the columns whose minimum widths fit (dropping by priority), then hands the
/// spare width out in display order up to each column's extra.
fn columns(width: u16) -> Vec<(Column, u16)> {
    let mut keep: Vec<(Column, u16, u16, u8)> = LAYOUT.to_vec();
    let need = |k: &[(Column, u16, u16, u8)]| k.iter().map(|c| c.1 + 1).sum::<u16>() + 2;
    while need(&keep) > width && keep.len() > 1 {
        let drop = keep
            .iter()
            .enumerate()
            .max_by_key(|(_, c)| c.3)
            .map(|(i, _)| i)
            .unwrap_or(0);
        keep.remove(drop);
    }
    let mut spare = width.saturating_sub(need(&keep));
    keep.into_iter()
        .map(|(c, min, extra, _)| {
            let add = extra.min(spare);
            spare -= add;
            (c, min + add)
        })
        .collect()
}

fn cell(d: &Device, col: Column, s: &State) -> String {
    match col {
        Column::Owner => d.owner().unwrap_or("(no owner)").to_string(),
        Column::Model => d.display_model().to_string(),
        Column::Os => d.os.as_deref().unwrap_or_default().to_string(),
        Column::Type => d.device_type.to_string(),
        Column::Status => d.status.to_string(),
        Column::LastSync => ago(d.last_sync, s.now),
        Column::Ou => d.org_unit_path.as_deref().unwrap_or("?").to_string(),
    }
}

pub fn render(s: &State, f: &mut Frame, area: Rect) {
    let p = &s.palette;
    let v = &s.inv.view;
    let focused = s.inv.focus == Focus::Table;
    let mut title = format!(
        " Devices {} of {} ",
        thousands(v.rows.len()),
        thousands(s.inv.inventory.devices.len())
    );
    title.push_str(&format!(
        "· {} ",
        s.inv
            .filter
            .device_type
            .as_ref()
            .map_or("all types".to_string(), |t| t.to_string())
    ));
    if let Some(st) = &s.inv.filter.status {
        title.push_str(&format!("· {st} "));
    }
    if let Some(ou) = &s.inv.filter.ou {
        title.push_str(&format!("· {ou} "));
    }
    if let Some(c) = v.sort {
        title.push_str(&format!(
            "· sort {} {} ",
            c.title(),
            if v.reverse { "▼" } else { "▲" }
        ));
    }
    if !v.selected.is_empty() {
        title.push_str(&format!("· {} selected ", thousands(v.selected.len())));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if focused { p.border_focus } else { p.border })
        .title(Span::styled(title, p.title));
    let inner_w = area.width.saturating_sub(2);
    let cols = columns(inner_w.saturating_sub(2));
    let height = area.height.saturating_sub(3) as usize;
    let start = v.list.offset.min(v.rows.len());
    let end = (start + height).min(v.rows.len());
    let rows = v.rows[start..end].iter().enumerate().map(|(n, idx)| {
        let d = &s.inv.inventory.devices[*idx as usize];
        let mark = if v.selected.contains(idx) { "●" } else { " " };
        let mut cells = vec![Cell::from(mark)];
        cells.extend(cols.iter().map(|(c, w)| {
            let text = fit(&cell(d, *c, s), *w as usize);
            if *c == Column::Type && d.is_google_sync() {
                Cell::from(Span::styled(text, p.sync))
            } else {
                Cell::from(text)
            }
        }));
        let mut style = p.base;
        if v.selected.contains(idx) {
            style = p.selected;
        }
        if start + n == v.list.cursor && focused {
            style = style.patch(p.cursor);
        }
        Row::new(cells).style(style)
    });
    let mut widths = vec![Constraint::Length(1)];
    let last = cols.len().saturating_sub(1);
    widths.extend(cols.iter().enumerate().map(|(i, (_, w))| {
        if i == last {
            Constraint::Min(*w)
        } else {
            Constraint::Length(*w)
        }
    }));
    let header = Row::new(
        std::iter::once(Cell::from(" ")).chain(cols.iter().map(|(c, _)| {
            let arrow = match v.sort {
                Some(sc) if sc == *c => {
                    if v.reverse {
                        "▼"
                    } else {
                        "▲"
                    }
                }
                _ => "",
            };
            Cell::from(format!("{}{arrow}", c.title()))
        })),
    )
    .style(p.header_row);
    let mut table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .column_spacing(1);
    if v.rows.is_empty() {
        table = table.footer(Row::new([Cell::from(""), Cell::from(empty_reason(s))]).style(p.dim));
    }
    f.render_widget(table, area);
}

fn empty_reason(s: &State) -> &'static str {
    if s.inv.inventory.devices.is_empty() {
        if s.inv.loading.active {
            "loading devices…"
        } else {
            "no devices in this tenant"
        }
    } else {
        "no device matches the filters (t cycles the type, Esc clears /)"
    }
}
