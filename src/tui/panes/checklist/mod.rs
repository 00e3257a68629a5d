//! The Checklist pane: where the admin runs the migration, pilot to waves, keyboard only.
//! Three views over one observation (a [`crate::migrate::board::Board`]): the OU tree with
//! each OU's progress beside the selected OU's steps (Enter opens a step's detail), the
//! waves with their guards, and the users left behind. The pane owns its state
//! ([`state::ChecklistPane`]: the board, the view and every selection, held by ID, with
//! the cursor logic); the shell routes its actions and cursor keys here (`pane_action`,
//! `move_by`). Its action handlers (`keys.rs`, `dialogs.rs`) and message handlers
//! (`update.rs`) are shell methods, because nearly every one queues a task or opens the
//! confirmation; the other files draw.
pub mod confirm;
mod detail;
mod dialogs;
mod keys;
pub mod state;
mod steps;
mod tree;
mod update;
mod users;
mod waves;

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::migration::StepState;
use crate::tui::state::State;
use crate::tui::theme::Palette;
pub use detail::plan_lines;
use state::View;

/// The two lines above the pane's body: when the evidence was read, and what is wrong.
pub const STATUS_LINES: u16 = 2;

/// The tree takes two fifths of the width (at most 44 columns), the rest is the view.
pub fn split(body: Rect) -> (Rect, Rect) {
    let tree_w = (body.width * 2 / 5).min(44);
    (
        Rect {
            width: tree_w,
            ..body
        },
        Rect {
            x: body.x + tree_w,
            width: body.width.saturating_sub(tree_w),
            ..body
        },
    )
}

pub fn render(s: &State, f: &mut Frame, area: Rect) {
    let top = Rect {
        height: STATUS_LINES.min(area.height),
        ..area
    };
    let body = Rect {
        y: area.y + top.height,
        height: area.height.saturating_sub(top.height),
        ..area
    };
    status(s, f, top);
    let c = &s.checklist;
    if c.board.is_none() {
        return empty(s, f, body);
    }
    if c.detail.is_some() {
        return detail::render(s, f, body);
    }
    match c.view {
        View::Steps => {
            let (l, r) = split(body);
            tree::render(s, f, l);
            steps::render(s, f, r);
        }
        View::Users => {
            let (l, r) = split(body);
            tree::render(s, f, l);
            users::render(s, f, r);
        }
        View::Waves => waves::render(s, f, body),
    }
}

/// Line 1: the views, when the evidence was read (server time) and what is in flight.
/// Line 2: loud when the observation failed or is partial.
fn status(s: &State, f: &mut Frame, area: Rect) {
    let p = &s.palette;
    let c = &s.checklist;
    let tab = |v: View, label: &'static str| {
        Span::styled(label, if c.view == v { p.tab_active } else { p.dim })
    };
    let mut first = vec![
        Span::raw(" "),
        tab(View::Steps, "c steps"),
        Span::raw(" "),
        tab(View::Waves, "w waves"),
        Span::raw(" "),
        tab(View::Users, "u users"),
        Span::raw("  "),
    ];
    match &c.board {
        Some(b) => first.push(Span::styled(
            format!(
                "evidence read {} (server)",
                b.now.format("%Y-%m-%d %H:%M:%S")
            ),
            p.base,
        )),
        None => first.push(Span::styled("no evidence read yet", p.warn)),
    }
    if c.observing {
        first.push(Span::styled("  reading…", p.warn));
    }
    if let Some(b) = &c.busy {
        first.push(Span::styled(format!("  {b}"), p.warn));
    }
    let second = if let Some(e) = &c.error {
        let at = c
            .error_at
            .map(|t| format!(" at {}", t.format("%H:%M:%S")))
            .unwrap_or_default();
        let shown = if c.board.is_some() {
            "; showing the previous reading"
        } else {
            ""
        };
        Line::from(Span::styled(
            format!(
                " OBSERVATION FAILED{at} (r retries{shown}): {}",
                one_line(e)
            ),
            p.error,
        ))
    } else if let Some(b) = c.board.as_ref().filter(|b| !b.warnings.is_empty()) {
        Line::from(Span::styled(
            format!(
                " PARTIAL: {} warning(s), all in the Log pane (4): {}",
                b.warnings.len(),
                one_line(&b.warnings[0])
            ),
            p.error,
        ))
    } else if let Some(b) = c.board.as_ref().filter(|b| !b.in_flight.is_empty()) {
        Line::from(Span::styled(
            format!(" in flight: {}", b.in_flight.join("; ")),
            p.warn,
        ))
    } else {
        Line::default()
    };
    f.render_widget(Paragraph::new(vec![Line::from(first), second]), area);
}

fn empty(s: &State, f: &mut Frame, area: Rect) {
    let p = &s.palette;
    let c = &s.checklist;
    let text = if c.observing {
        "Reading the migration: devices, OUs, policies, step states…"
    } else if c.error.is_some() {
        "Nothing could be read (see above). r tries again."
    } else {
        "Nothing read yet: r reads the migration."
    };
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(format!(" {text}"), p.warn))).block(
            ratatui::widgets::Block::default()
                .borders(ratatui::widgets::Borders::ALL)
                .border_style(p.border)
                .title(Span::styled(" Checklist ", p.title)),
        ),
        area,
    );
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A state's mark, spelling and colour: spelled out so it reads without colour.
pub fn state_style(p: &Palette, st: StepState) -> (&'static str, ratatui::style::Style) {
    match st {
        StepState::Verified => ("✓", p.ok),
        StepState::PendingPropagation | StepState::Planned | StepState::Attested => ("…", p.warn),
        StepState::Failed => ("✗", p.error),
        StepState::Flagged => ("!", p.error),
        StepState::NeedsManual => ("?", p.key),
        StepState::NotStarted => ("·", p.base),
        StepState::NotApplicable | StepState::Skipped => ("-", p.dim),
    }
}
