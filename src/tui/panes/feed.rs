//! The compliance feed. It belongs to a later release; until then the pane says so
//! plainly rather than showing invented events.
use ratatui::layout::Rect;
use ratatui::Frame;

use super::placeholder;
use crate::tui::state::State;

pub fn render(s: &State, f: &mut Frame, area: Rect) {
    placeholder(
        s,
        f,
        area,
        " Feed ",
        &[
            "The feed pane and its burndown chart arrive in a later release.",
            "",
            "The feed already runs from the command line: `offsync feed --follow`",
            "polls Google and prints events as they happen (devices leaving Google",
            "Sync, new native accounts, Android compliance, setting drift).",
            "",
            "Here: press r to refresh the inventory; the Log pane (4) shows every call.",
        ],
    );
}
