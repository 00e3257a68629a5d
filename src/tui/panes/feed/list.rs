//! Drawing the Feed pane: the event list (newest first) and, when there is room or the
//! admin asked for it, the burndown below it.
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::burndown;
use crate::model::{Event, Severity};
use crate::tui::state::State;
use crate::tui::theme::Palette;
use crate::tui::widgets::text::thousands;

/// Below this many rows the pane shows the list or the chart (`c`), not both.
pub const BOTH_FROM_HEIGHT: u16 = 30;

/// The list's and the chart's areas (either may be empty).
pub fn split(s: &State, area: Rect) -> (Rect, Rect) {
    let none = Rect { height: 0, ..area };
    if s.feed.chart_only {
        return (none, area);
    }
    if area.height < BOTH_FROM_HEIGHT {
        return (area, none);
    }
    let chart_h = area.height * 2 / 5;
    let list = Rect {
        height: area.height - chart_h,
        ..area
    };
    let chart = Rect {
        y: area.y + list.height,
        height: chart_h,
        ..area
    };
    (list, chart)
}

/// Rows of events the list shows (inside its border).
pub fn list_rows(s: &State, area: Rect) -> usize {
    split(s, area).0.height.saturating_sub(2) as usize
}

pub fn render(s: &State, f: &mut Frame, area: Rect) {
    let (list, chart) = split(s, area);
    if list.height > 0 {
        render_list(s, f, list);
    }
    if chart.height > 0 {
        burndown::render(s, f, chart);
    }
}

/// Severity as a word (readable without colour) and its colour.
pub fn severity(p: &Palette, sev: Severity) -> (&'static str, Style) {
    match sev {
        Severity::Info => ("info", p.dim),
        Severity::Notice => ("notice", p.ok),
        Severity::Warning => ("WARNING", p.warn),
        Severity::Alert => ("ALERT", p.error),
    }
}

fn render_list(s: &State, f: &mut Frame, area: Rect) {
    let p = &s.palette;
    let feed = &s.feed;
    let h = area.height.saturating_sub(2) as usize;
    let mut title = format!(" Feed: {} events ", thousands(feed.rows.len()));
    if !feed.filter.is_empty() {
        title.push_str(&format!("({}) ", feed.filter.describe()));
    }
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(p.border)
        .title(Span::styled(title, p.title));
    if feed.paused {
        block = block.title(Span::styled(
            format!(" PAUSED: {} new (p resumes) ", thousands(feed.held.len())),
            p.readonly,
        ));
    }
    let shown = feed.list.window(feed.rows.len(), h);
    let lines: Vec<Line> = if feed.rows.is_empty() {
        empty(s)
            .into_iter()
            .map(|t| Line::from(Span::styled(format!(" {t}"), p.dim)))
            .collect()
    } else {
        feed.rows[shown.clone()]
            .iter()
            .enumerate()
            .map(|(n, i)| {
                let e = &feed.events[*i as usize].event;
                line(s, e, shown.start + n == feed.list.cursor)
            })
            .collect()
    };
    f.render_widget(Paragraph::new(lines).block(block).style(p.base), area);
}

fn empty(s: &State) -> Vec<String> {
    let feed = &s.feed;
    if !feed.events.is_empty() {
        return vec!["No event matches the filters (Esc clears them).".into()];
    }
    if let Some(why) = &feed.status.stopped {
        return vec![
            format!("The feed is not running: {why}"),
            "`offsync feed --follow` polls and records events from the command line.".into(),
        ];
    }
    if !feed.live {
        return vec![
            "The feed is not running (no database for this profile).".into(),
            "`offsync feed --follow` polls and records events from the command line.".into(),
        ];
    }
    vec![
        "No events yet. The first poll of each source records a baseline; the".into(),
        "changes after it (devices leaving Google Sync, new native accounts,".into(),
        "Android compliance, setting drift, console changes) appear here,".into(),
        "newest first.".into(),
    ]
}

fn line<'a>(s: &State, e: &'a Event, cursor: bool) -> Line<'a> {
    let p = &s.palette;
    let (word, style) = severity(p, e.severity);
    let when = if e.at.date_naive() == s.now.date_naive() {
        e.at.format("%H:%M:%S").to_string()
    } else {
        e.at.format("%m-%d %H:%M").to_string()
    };
    let mut spans = vec![
        Span::styled(format!(" {when} "), p.dim),
        Span::styled(format!("{word:<7} "), style),
        Span::styled(format!("{:<9} ", e.source.as_str()), p.dim),
        Span::styled(e.kind.as_str().to_string(), p.key),
    ];
    if let Some(ou) = &e.ou {
        spans.push(Span::styled(format!("  {ou}"), p.base));
    }
    if let Some(who) = e.user.as_deref().or(e.device.as_deref()) {
        spans.push(Span::styled(format!("  {who}"), p.base));
    }
    if !e.detail.is_empty() {
        spans.push(Span::styled(format!("  {}", e.detail), p.dim));
    }
    let line = Line::from(spans);
    if cursor {
        line.style(p.cursor)
    } else {
        line
    }
}
