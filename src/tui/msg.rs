//! Messages from background tasks to the UI. Workers never touch [`super::state::State`];
//! they send one of these over the channel and the loop applies it with `on_msg`.
use std::path::PathBuf;

use crate::change::{BatchStatus, ChangeKind, Failure, Report, TargetOutcome};
use crate::feed::watch::Update;
use crate::model::{Device, Inventory};
use crate::store::JournalEntry;

#[derive(Debug)]
pub enum Msg {
    /// The cached inventory, shown at once while a refresh runs.
    CacheLoaded(Box<Inventory>),
    /// Listing progress: pages and devices fetched so far.
    LoadProgress(LoadProgress),
    /// One page of devices as it arrives (owners' OUs already joined when known): part of
    /// the listing's answer. Devices already shown are replaced in place.
    DevicesPage(Vec<Device>),
    /// A page of the fast index-only view, shown (in place) before the confirmed listing
    /// catches up; not part of the answer.
    PreviewPage(Vec<Device>),
    /// The fresh, fully joined inventory.
    Loaded(Box<Inventory>),
    /// The end of a listing whose devices came only as pages: its OUs and clock, and the
    /// OUs of owners listed after their devices. Devices its pages did not deliver are gone.
    Listed(Box<crate::google::Streamed>),
    LoadFailed(String),
    /// One API call the google layer made.
    ApiCall(ApiCall),
    /// The outcome of one target of a confirmed plan (applied to the table per drain).
    ChangeDone(ChangeKind, TargetOutcome),
    /// A whole plan ran (or could not start: read-only, no journal, no credentials).
    BatchDone(ChangeKind, Result<Report, Failure>),
    /// Interrupted batches still open after reconciling them against Google.
    Recovered(Result<Vec<BatchStatus>, Failure>),
    Resumed(i64, Result<Report, Failure>),
    Abandoned(i64, Result<(), Failure>),
    /// The newest journal entries, oldest first, for the Log pane.
    History(Vec<JournalEntry>),
    Exported {
        path: PathBuf,
        count: usize,
        result: Result<(), String>,
    },
    /// A result for the Android pane.
    Android(super::panes::android::AndroidMsg),
    /// The Checklist pane's migration results.
    Checklist(super::tasks::ChecklistMsg),
    /// Something worth a line in the footer (e.g. a profile switch failed).
    Notice(String),
    /// What the feed's loop learned (events, who polls, polls, sources, the burndown).
    Feed(Update),
    /// The feed's loop cannot run or stopped: the data on screen is no longer refreshed.
    FeedStopped(String),
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LoadProgress {
    pub pages: usize,
    pub devices: usize,
    /// Known only when the source can tell (e.g. a previous listing's size).
    pub expected: Option<usize>,
    /// The fast view is complete; a plain listing is confirming it (search index lag).
    pub confirming: bool,
}

/// An API call as the Log pane shows it: the google layer's own record.
pub use crate::google::CallRecord as ApiCall;
