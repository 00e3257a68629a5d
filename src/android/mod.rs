//! The Android account upgrade, headless: what `offsync android …` (and later the dashboard)
//! calls. [`load`] reads the enterprise, its policies and devices (saying loudly when a listing
//! is partial) and keeps the first-seen non-compliance in the store; [`facts`] gathers what
//! pre-validation needs from the Directory; [`apply`] sends a planned policy patch through the
//! journal (planned → request → outcome) and [`reconcile`] settles one a crash interrupted.
//!
//! [`apply`] is deliberately one small module: the shared change engine (plan value →
//! confirm → journal → execute → outcome → recovery) is to take it over as one more kind of
//! change. It must not import `tui` or `cli`.
pub mod apply;
pub mod load;

pub use apply::{apply, reconcile, ApplyError, Reconciled};
pub use load::{facts, load, status, AndroidView};
