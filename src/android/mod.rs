//! The Android account upgrade, headless: what `offsync android …` (and later the dashboard)
//! calls. [`load`] reads the enterprise, its policies and devices (saying loudly when a listing
//! is partial) and keeps the first-seen non-compliance in the store; [`facts`] gathers what
//! pre-validation needs from the Directory. A validated patch is sent by the change engine
//! (`change::ChangeKind::AndroidPolicy`: plan → journal → request → outcome → recovery).
//! It must not import `tui` or `cli`.
pub mod load;

pub use load::{facts, load, status, AndroidView};
