//! Reusable drawing pieces: header, footer, dialogs and text formats.
//! Like the panes, every function here takes `&State` (or plain values) and a `Frame`,
//! and never changes anything.
pub mod confirm;
pub mod confirm_step;
pub mod footer;
pub mod header;
pub mod text;
