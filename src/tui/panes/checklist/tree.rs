//! The OU tree of the Checklist pane: every OU with its progress, children included
//! (steps verified of applicable at the OU itself, Google Sync devices still syncing,
//! users left behind), and the pilot (`P`) and waves (`W1`, `W2`, …) marked.
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::state::Side;
use crate::migrate::board::Stage;
use crate::tui::scroll::ScrollList;
use crate::tui::state::State;
use crate::tui::widgets::text::{fit, short_count};

/// Columns of `right_part`.
const RIGHT: usize = 19;

fn right_part(stage: &str, done: &str, sync: &str, left: &str) -> String {
    format!(" {stage:>3} {done:>4} {sync:>4} {left:>4}")
}

pub fn render(s: &State, f: &mut Frame, area: Rect) {
    let p = &s.palette;
    let c = &s.checklist;
    let Some(b) = &c.board else { return };
    let focused = c.side == Side::Tree;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if focused { p.border_focus } else { p.border })
        .title(Span::styled(" OUs ", p.title));
    let w = area.width.saturating_sub(2) as usize;
    let h = area.height.saturating_sub(3) as usize;
    let name_w = w.saturating_sub(RIGHT);
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "{:<name_w$}{}",
            "OU",
            right_part("stg", "done", "sync", "left")
        ),
        p.header_row,
    ))];
    let cur = c.ou_pos();
    let list = ScrollList {
        cursor: cur,
        offset: c.tree.offset,
    };
    for (i, o) in b
        .ous
        .iter()
        .enumerate()
        .skip(list.window(b.ous.len(), h).start)
        .take(h)
    {
        let indent = "  ".repeat(o.depth.saturating_sub(1).min(6));
        let name = if o.ou == "/" {
            "/ (all)".to_string()
        } else {
            o.ou.rsplit('/').next().unwrap_or("").to_string()
        };
        let name = fit(&format!("{indent}{name}"), name_w);
        let stage = match o.stage {
            Some(Stage::Pilot) => "P".to_string(),
            Some(Stage::Wave(n)) => format!("W{n}"),
            None => String::new(),
        };
        let done = format!("{}/{}", o.verified, o.applicable);
        let right = right_part(
            &stage,
            &done,
            // Four columns each: "1,234" would be cut at 80 columns.
            &short_count(o.syncing),
            &short_count(o.left_behind),
        );
        let style = match (i == cur, focused) {
            (true, true) => p.cursor,
            (true, false) => p.selected,
            _ if o.in_migration => p.base,
            _ => p.dim,
        };
        let count_style = if i == cur {
            style
        } else if o.syncing > 0 || o.left_behind > 0 {
            p.sync
        } else {
            p.dim
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{name:<name_w$}"), style),
            Span::styled(right, count_style),
        ]));
    }
    f.render_widget(Paragraph::new(lines).block(block).style(p.base), area);
}
