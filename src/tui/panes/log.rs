//! The Log pane: every API call offsync made (method, path, status, duration, tries,
//! bytes), every change with its equivalent GAM command and outcome (the journal's history
//! first, then this session's), and notes. Newest last; it follows the newest entry unless
//! the admin scrolled up. The pane owns its state ([`LogPane`]): the entries, bounded in
//! memory, and one [`ScrollList`].
use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use crate::tui::keymap::Context;
use crate::tui::msg::ApiCall;
use crate::tui::scroll::ScrollList;
use crate::tui::state::State;
use crate::tui::widgets::text::{fit, thousands};

/// The pane keeps at most this many entries in memory (the journal keeps everything).
pub const LOG_CAP: usize = 10_000;

#[derive(Debug, Clone, PartialEq)]
pub enum LogEntry {
    Call(ApiCall),
    Change {
        at: DateTime<Utc>,
        gam: String,
        outcome: Option<Result<(), String>>,
    },
    Note {
        at: DateTime<Utc>,
        text: String,
    },
}

#[derive(Debug, Clone)]
pub struct LogPane {
    pub entries: VecDeque<LogEntry>,
    /// The cursor is the newest line shown while scrolled.
    pub list: ScrollList,
    /// Stay on the newest entry as entries arrive.
    pub follow: bool,
}

impl Default for LogPane {
    fn default() -> Self {
        LogPane {
            entries: VecDeque::new(),
            list: ScrollList::default(),
            follow: true,
        }
    }
}

impl LogPane {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The key contexts while the pane is shown, most specific first.
    pub fn contexts(&self) -> Vec<Context> {
        vec![Context::Log, Context::Global]
    }

    /// Appends, dropping the oldest entry beyond [`LOG_CAP`]; a scrolled view stays on the
    /// same entry.
    pub fn push(&mut self, e: LogEntry) {
        self.entries.push_back(e);
        if self.entries.len() > LOG_CAP {
            self.entries.pop_front();
            self.list.cursor = self.list.cursor.saturating_sub(1);
        }
    }

    /// Older entries (the journal's history, oldest first) go before everything logged in
    /// this session, as far as the cap allows.
    pub fn prepend(&mut self, older: Vec<LogEntry>) {
        for e in older.into_iter().rev() {
            if self.entries.len() >= LOG_CAP {
                break;
            }
            self.entries.push_front(e);
            self.list.cursor += 1;
        }
    }

    /// Scrolls by `delta` lines; reaching the newest entry follows again. The cursor is
    /// the bottom line of the view: it never goes above the last line of the first page,
    /// so `g` shows a full page of the oldest entries and `j` from there scrolls at once.
    pub fn move_by(&mut self, delta: isize, height: usize) {
        let last = self.len().saturating_sub(1);
        if self.follow {
            self.list.cursor = last;
        }
        let top_page = height.saturating_sub(1).min(last);
        let next = (self.list.cursor as isize + delta).clamp(top_page as isize, last as isize);
        self.list.cursor = next as usize;
        self.follow = self.list.cursor >= last;
    }

    /// The entries to draw at `height`: the newest ones while following, else the page
    /// that ends at the cursor (a full page near the top anyway).
    pub fn window(&self, height: usize) -> std::ops::Range<usize> {
        let len = self.len();
        let last = if self.follow {
            len.saturating_sub(1)
        } else {
            self.list.cursor.min(len.saturating_sub(1))
        };
        let start = (last + 1).saturating_sub(height);
        start..(start + height).min(len)
    }
}

pub fn render(s: &State, f: &mut Frame, area: Rect) {
    let p = &s.palette;
    let log = &s.log;
    let h = area.height.saturating_sub(2) as usize;
    let w = area.width.saturating_sub(2) as usize;
    let follow = if log.follow {
        " following "
    } else {
        " scrolled (G follows) "
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(p.border)
        .title(Span::styled(
            format!(" Log: {} entries ", thousands(log.len())),
            p.title,
        ))
        .title_bottom(Span::styled(follow, p.dim));
    let shown = log.window(h);
    let lines: Vec<Line> = if log.is_empty() {
        vec![Line::from(Span::styled(
            " No API calls yet. Every call and every change will be listed here.",
            p.dim,
        ))]
    } else {
        log.entries.range(shown).map(|e| line(s, e, w)).collect()
    };
    f.render_widget(Paragraph::new(lines).block(block).style(p.base), area);
}

fn line<'a>(s: &State, e: &'a LogEntry, w: usize) -> Line<'a> {
    let p = &s.palette;
    match e {
        LogEntry::Call(c) => {
            let status = c.status.map_or("---".to_string(), |st| st.to_string());
            let style = match c.status {
                Some(200..=299) => p.ok,
                Some(_) | None => p.error,
            };
            let retries = if c.tries > 1 {
                format!(" ×{}", c.tries)
            } else {
                String::new()
            };
            let head = format!(" {} {:<6} ", c.at.format("%H:%M:%S"), c.method);
            let tail = format!(
                " {status} {:>5}ms {}B{retries}",
                c.duration.as_millis(),
                thousands(c.bytes as usize)
            );
            let path_w = w.saturating_sub(head.chars().count() + tail.chars().count());
            Line::from(vec![
                Span::styled(head, p.dim),
                Span::styled(format!("{:<path_w$}", fit(&c.path, path_w)), p.base),
                Span::styled(tail, style),
            ])
        }
        LogEntry::Change { at, gam, outcome } => {
            // The outcome goes before the command: a long GAM line is what gets cut, not it.
            let (mark, style, why) = match outcome {
                None => ("sent  ", p.warn, String::new()),
                Some(Ok(())) => ("ok    ", p.ok, String::new()),
                Some(Err(e)) => ("FAILED", p.error, format!("  {e}")),
            };
            Line::from(vec![
                Span::styled(format!(" {} change ", at.format("%H:%M:%S")), p.dim),
                Span::styled(mark, style),
                Span::styled(format!(" {gam}"), p.key),
                Span::styled(why, p.error),
            ])
        }
        LogEntry::Note { at, text } => Line::from(vec![
            Span::styled(format!(" {} note   ", at.format("%H:%M:%S")), p.dim),
            Span::styled(text.clone(), p.warn),
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(i: usize) -> LogEntry {
        LogEntry::Note {
            at: DateTime::<Utc>::default(),
            text: i.to_string(),
        }
    }

    #[test]
    fn follows_until_scrolled_and_stays_bounded() {
        let mut log = LogPane::default();
        (0..30).for_each(|i| log.push(note(i)));
        assert_eq!(log.window(10), 20..30);
        log.move_by(-5, 10);
        assert!(!log.follow);
        assert_eq!(log.window(10), 15..25);
        log.push(note(30));
        assert_eq!(log.window(10), 15..25, "a scrolled view does not move");
        log.prepend(vec![note(100), note(101)]);
        assert_eq!(
            log.window(10),
            17..27,
            "history before it keeps the same entries"
        );
        log.move_by(1_000, 10);
        assert!(log.follow);
        (0..LOG_CAP).for_each(|i| log.push(note(i)));
        assert_eq!(log.len(), LOG_CAP);
    }
}
