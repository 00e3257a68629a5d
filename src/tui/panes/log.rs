//! The Log pane: every API call offsync made (method, path, status, duration, tries,
//! bytes) and every change with its equivalent GAM command and outcome. Newest last;
//! it follows the newest entry unless the admin scrolled up.
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use crate::tui::state::{LogEntry, State};
use crate::tui::widgets::text::{fit, thousands};

pub fn render(s: &State, f: &mut Frame, area: Rect) {
    let p = &s.palette;
    let h = area.height.saturating_sub(2) as usize;
    let w = area.width.saturating_sub(2) as usize;
    let follow = if s.log_cursor.is_none() {
        " following "
    } else {
        " scrolled (G follows) "
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(p.border)
        .title(Span::styled(
            format!(" Log: {} entries ", thousands(s.log.len())),
            p.title,
        ))
        .title_bottom(Span::styled(follow, p.dim));
    // The cursor is the bottom line of the view; near the top a full page is shown anyway.
    let last = s.log_cursor.unwrap_or(s.log.len().saturating_sub(1));
    let start = (last + 1).saturating_sub(h);
    let end = (start + h).min(s.log.len());
    let lines: Vec<Line> = if s.log.is_empty() {
        vec![Line::from(Span::styled(
            " No API calls yet. Every call and every change will be listed here.",
            p.dim,
        ))]
    } else {
        s.log.range(start..end).map(|e| line(s, e, w)).collect()
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
