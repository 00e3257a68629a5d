//! One file per pane. Each is `render(&State, &mut Frame, Rect)`: it reads the state
//! and draws; it never changes the state and never waits on anything.
pub mod checklist;
pub mod feed;
pub mod help;
pub mod inventory;
pub mod log;

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::state::State;

/// A pane that is not built yet: a bordered box with plain words about what will come.
fn placeholder(s: &State, f: &mut Frame, area: Rect, title: &str, text: &[&str]) {
    let p = &s.palette;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(p.border)
        .title(Span::styled(title, p.title));
    let lines: Vec<Line> = text
        .iter()
        .enumerate()
        .map(|(i, t)| {
            Line::from(Span::styled(
                format!(" {t}"),
                if i == 0 { p.title } else { p.base },
            ))
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
