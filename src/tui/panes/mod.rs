//! The panes. Each pane owns its state, its keys and its drawing; the shell ([`State`]:
//! keymap, palette, profile, clock, size, overlay, text input, status line, tasks) only
//! routes to the pane on screen. The Inventory pane
//! (`inventory/`) and the Log pane (`log.rs`) show the pattern. A pane plugs in with:
//!
//! 1. **State**: one struct (`FooPane`) with a `Default`, held in `State` as one field
//!    (`State.inv`, `State.log`). Nothing else in `State` belongs to the pane, and the
//!    pane never reaches into another pane's struct.
//! 2. **Keys**: `contexts(&self) -> Vec<Context>`, most specific first and ending in
//!    `Context::Global`, returned from `State::pane_contexts` for its `Pane`; its rows
//!    live under their own `[context]` in `assets/keymap.toml` (and so show in `?`).
//! 3. **Actions**: `on_action(&mut self, Action, Rect) -> bool` for the pane's own
//!    actions and `move_by(&mut self, delta, …)` for the shared cursor keys (j/k, pages,
//!    g/G, the mouse wheel); `handle.rs` routes both by `State.pane` (`pane_action`,
//!    `move_by`) after the global actions and overlays had their turn. Anything that
//!    needs the shell (a confirmation dialog, a task, the status line) stays in the
//!    shell, which asks the pane for what it needs (e.g. `InventoryPane::targets`).
//! 4. **Messages**: the pane's `Msg` variants are routed in `update.rs` to methods on the
//!    pane (`InventoryPane::loaded`, `LogPane::push`), passing the clock and size as
//!    arguments. Background work stays in `tasks.rs`.
//! 5. **Drawing**: `render(&State, &mut Frame, Rect)` in the pane's module, called from
//!    `draw.rs` for its `Pane`. It reads (its own field of) the state and never changes it
//!    or waits on anything. Lists use [`ScrollList`](super::scroll::ScrollList).
//!
//! So adding a pane touches `state.rs` (the field and the `Pane` variant), `handle.rs`,
//! `update.rs` and `draw.rs` at one match arm each, and no other pane.
pub mod android;
pub mod checklist;
pub mod feed;
pub mod help;
pub mod inventory;
pub mod log;
