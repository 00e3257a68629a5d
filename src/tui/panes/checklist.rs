//! The per-OU migration checklist. It belongs to a later release; until then the pane
//! says so plainly rather than showing invented steps.
use ratatui::layout::Rect;
use ratatui::Frame;

use super::placeholder;
use crate::tui::state::State;

pub fn render(s: &State, f: &mut Frame, area: Rect) {
    placeholder(
        s,
        f,
        area,
        " Checklist ",
        &[
            "The per-OU checklist arrives in a later release.",
            "",
            "It will track, for each OU: IMAP, iOS account push, users re-adding",
            "their accounts, and turning Google Sync off, with dry-run diffs.",
            "",
            "Today: use the Inventory pane (1) to find and block Google Sync devices.",
        ],
    );
}
