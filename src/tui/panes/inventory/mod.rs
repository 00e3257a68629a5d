//! The Inventory pane: the OU tree with device counts (total / Google Sync, children
//! included) on the left, the device table (or one device's detail) on the right.
//!
//! The pane owns its state ([`state::InventoryPane`], held as `State.inv`), its keys and
//! clicks (`action.rs`), the change outcomes on its rows (`outcomes.rs`), the data behind
//! the table ([`view`]) and the tree ([`tree`]), and its drawing (here, `table.rs`,
//! `detail.rs`).
pub mod action;
pub mod detail;
mod outcomes;
pub mod state;
pub mod table;
pub mod tree;
pub mod view;

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use crate::tui::layout::split_main;
use crate::tui::state::{Focus, State};
use crate::tui::widgets::text::{fit, thousands};

pub fn render(s: &State, f: &mut Frame, area: Rect) {
    let (tree, right) = split_main(area);
    render_tree(s, f, tree);
    match s.inv.detail {
        Some(i) => detail::render(s, i, f, right),
        None => table::render(s, f, right),
    }
}

fn render_tree(s: &State, f: &mut Frame, area: Rect) {
    let p = &s.palette;
    let focused = s.inv.focus == Focus::Tree && s.inv.detail.is_none();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if focused { p.border_focus } else { p.border })
        .title(Span::styled(" OUs  all / sync ", p.title));
    let h = area.height.saturating_sub(2) as usize;
    let w = area.width.saturating_sub(2) as usize;
    let t = &s.inv.tree;
    let shown = t.list.window(t.visible.len(), h);
    let lines: Vec<Line> = t
        .visible
        .iter()
        .enumerate()
        .skip(shown.start)
        .take(shown.len())
        .map(|(n, i)| {
            let node = &t.nodes[*i];
            let marker = match (node.has_children, t.is_collapsed(&node.path)) {
                (false, _) => "  ",
                (true, true) => "▸ ",
                (true, false) => "▾ ",
            };
            let counts = format!(
                " {} {}",
                thousands(node.counts.total),
                thousands(node.counts.google_sync)
            );
            let indent = "  ".repeat(node.depth.saturating_sub(1).min(6));
            let name_w = w.saturating_sub(indent.len() + 2 + counts.chars().count());
            let name = fit(&node.name, name_w);
            let pad =
                w.saturating_sub(indent.len() + 2 + name.chars().count() + counts.chars().count());
            let scoped = s.inv.filter.ou.as_deref().unwrap_or("/") == node.path;
            let style = match (n == t.list.cursor, focused, scoped) {
                (true, true, _) => p.cursor,
                (_, _, true) => p.selected,
                _ => p.base,
            };
            Line::from(vec![
                Span::styled(format!("{indent}{marker}{name}{}", " ".repeat(pad)), style),
                Span::styled(
                    counts,
                    if node.counts.google_sync > 0 {
                        p.sync
                    } else {
                        p.dim
                    },
                ),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines).block(block).style(p.base), area);
}
