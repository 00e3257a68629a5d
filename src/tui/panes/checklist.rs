//! The per-OU migration checklist. The pane belongs to a later release; the migration itself
//! already runs headless, so until then the pane says so plainly and names the commands.
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
            "The checklist pane arrives in a later release.",
            "",
            "The migration already runs from the command line, per OU and pilot first:",
            "  offsync status              every OU's steps, evidence, waves, guards",
            "  offsync step /OU imap plan  then apply, attest, verify, retry, skip",
            "  offsync wave list|add|start and offsync users --left-behind",
            "",
            "Here: the Inventory pane (1) finds and blocks Google Sync devices.",
        ],
    );
}
