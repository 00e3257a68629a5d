//! The Android account upgrade, headless: what `offsync android …` and the dashboard's Android
//! pane call. [`load`] reads the enterprise, its policies and devices (saying loudly when a listing
//! is partial) and keeps the first-seen non-compliance in the store; [`facts`] gathers what
//! pre-validation needs from the Directory; [`prepare`] turns an edit into a validated plan,
//! which the change engine sends (`change::ChangeKind::AndroidPolicy`: plan → journal →
//! request → outcome → recovery).
//! It must not import `tui` or `cli`.
pub mod load;
pub mod prepare;

pub use load::{facts, load, status, AndroidView};
pub use prepare::{actor, not_configured, prepare, PrepareError, Prepared};
