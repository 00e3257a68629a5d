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
            "The compliance feed arrives in a later release.",
            "",
            "It will poll Google and show changes as events: devices leaving",
            "Google Sync, new native accounts, Android compliance reasons.",
            "",
            "Today: press r to refresh the inventory; the Log pane (4) shows every call.",
        ],
    );
}
