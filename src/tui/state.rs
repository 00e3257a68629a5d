//! The whole UI state. It changes only through [`State::on_input`] (keys, mouse, resize;
//! see `handle.rs`) and `on_msg` (background results, see `update.rs`); both mark it dirty and
//! queue [`Task`]s instead of doing I/O. Drawing reads it and never mutates it.
//!
//! [`State`] is the shell: the keymap, the palette, the profile, the clock, the terminal
//! size, which pane is shown, the overlay, the text input, the status line, the exit and
//! the queued tasks. Each pane keeps its own state in its own struct, held here as one
//! field ([`InventoryPane`] as `inv`, [`LogPane`] as `log`); see `panes/mod.rs`.
use std::sync::Arc;

use chrono::{DateTime, Utc};
use ratatui::layout::Rect;

use super::command::ExportKind;
use super::input::LineInput;
use super::keymap::{Context, Keymap};
use super::tasks::Task;
use super::theme::Palette;
use crate::change::Plan;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Inventory,
    Checklist,
    Feed,
    Log,
    Android,
}

pub const PANES: [Pane; 5] = [
    Pane::Inventory,
    Pane::Checklist,
    Pane::Feed,
    Pane::Log,
    Pane::Android,
];

impl Pane {
    pub fn title(self) -> &'static str {
        match self {
            Pane::Inventory => "Inventory",
            Pane::Checklist => "Checklist",
            Pane::Feed => "Feed",
            Pane::Log => "Log",
            Pane::Android => "Android",
        }
    }
}

/// What the profile is, for the header and the read-only guard.
#[derive(Debug, Clone, Default)]
pub struct ProfileInfo {
    pub name: String,
    pub customer_id: String,
    pub domains: Vec<String>,
    pub readonly: bool,
    /// The admin changes are made as (the delegated subject), for plans and the journal.
    pub actor: String,
    /// Other profiles in the config, for `:profile` completion.
    pub others: Vec<String>,
}

/// A planned change waiting for the admin's confirmation. The plan was computed once,
/// when the dialog opened; a reload underneath cannot change what it will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub plan: Arc<Plan>,
    /// Above `confirm_typed_above` targets the admin types the count.
    pub typed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help {
        scroll: usize,
    },
    Confirm(Confirm),
    /// A migration change (step, wave, user marks) waiting for confirmation.
    ConfirmStep(Box<StepConfirm>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputMode {
    None,
    /// The input, and the filter text to restore on Esc.
    Filter(LineInput, String),
    Command(LineInput),
}

pub use super::panes::android::AndroidPane;
pub use super::panes::checklist::confirm::StepConfirm;
pub use super::panes::checklist::state::ChecklistPane;
pub use super::panes::feed::{FeedFilter, FeedPane, FeedStatus};
pub use super::panes::inventory::state::{Focus, Funnel, InventoryPane, Loading, TYPE_CYCLE};
pub use super::panes::log::{LogEntry, LogPane, LOG_CAP};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    Quit,
    SwitchProfile(String),
}

pub struct State {
    pub keymap: Arc<Keymap>,
    pub palette: Palette,
    pub profile: ProfileInfo,
    pub confirm_typed_above: usize,
    pub mouse: bool,
    pub now: DateTime<Utc>,
    pub size: Rect,
    pub pane: Pane,
    pub overlay: Overlay,
    pub input: InputMode,
    /// The panes' own states.
    pub inv: InventoryPane,
    pub log: LogPane,
    /// The Android pane's own state.
    pub android: AndroidPane,
    pub checklist: ChecklistPane,
    /// The Feed pane's own state, and how the feed's loop is doing.
    pub feed: FeedPane,
    pub status: Option<(bool, String)>,
    pub exit: Option<Exit>,
    /// `offsync demo`: how many times faster the simulator's clock runs than this machine's,
    /// so the header can show the simulated time rather than a refresh time.
    pub sim_clock_scale: Option<f64>,
    tasks: Vec<Task>,
    pub(super) dirty: bool,
}

impl State {
    pub fn new(
        keymap: Arc<Keymap>,
        palette: Palette,
        profile: ProfileInfo,
        now: DateTime<Utc>,
    ) -> State {
        State {
            keymap,
            palette,
            profile,
            confirm_typed_above: 10,
            mouse: false,
            now,
            size: Rect::default(),
            pane: Pane::Inventory,
            overlay: Overlay::None,
            input: InputMode::None,
            inv: InventoryPane::default(),
            log: LogPane::default(),
            android: AndroidPane::default(),
            checklist: ChecklistPane::default(),
            feed: FeedPane::default(),
            status: None,
            exit: None,
            sim_clock_scale: None,
            tasks: Vec::new(),
            dirty: true,
        }
    }

    /// Queues the first load (from the cache if there is one, then from Google), the
    /// journal history for the Log pane, and the reconciliation of interrupted batches.
    pub fn start(&mut self) {
        self.tasks.push(Task::History);
        self.tasks.push(Task::Reconcile);
        if self.feed_lists() {
            // The cache at once; the feed's first Directory poll is the listing.
            self.inv.start_listing(self.now);
            self.tasks.push(Task::ShowCache);
            self.tasks.push(Task::Feed);
        } else {
            if self.feed.live {
                self.tasks.push(Task::Feed);
            }
            self.refresh();
        }
    }

    /// Whether the feed's Directory polls refresh the table (else `r` lists on its own).
    pub fn feed_lists(&self) -> bool {
        self.feed.live && self.feed.directory_interval.is_some()
    }

    /// Refreshes the table: through the feed's Directory poll when it runs (another
    /// process's poll when that one holds the lease), else with a listing of its own.
    pub fn refresh(&mut self) {
        if !self.feed_lists() {
            return self.relist();
        }
        if let Some(crate::feed::watch::Role::Reading { holder }) = &self.feed.status.role {
            let why =
                format!("{holder} polls this profile; the table follows its Directory listings");
            return self.set_status(false, why);
        }
        if self.inv.start_listing(self.now) {
            self.tasks
                .push(Task::PollNow(crate::model::Source::Directory));
            self.dirty = true;
        }
    }

    /// Starts a listing of this process's own unless one runs.
    pub(super) fn relist(&mut self) {
        if self.inv.start_listing(self.now) {
            self.tasks.push(Task::LoadInventory);
            self.dirty = true;
        }
    }

    pub fn take_tasks(&mut self) -> Vec<Task> {
        std::mem::take(&mut self.tasks)
    }

    /// Applies what arrived since the last frame, then says whether to draw.
    pub fn take_dirty(&mut self) -> bool {
        self.apply_outcomes();
        std::mem::replace(&mut self.dirty, false)
    }

    pub(super) fn push_task(&mut self, t: Task) {
        self.tasks.push(t);
    }

    pub(super) fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// True while something animates; the loop ticks only then, so an idle UI is silent.
    pub fn animating(&self) -> bool {
        self.inv.loading.active
    }

    /// Updates the clock used for ages and rates from this machine's `local_now`, corrected to
    /// the server's clock (device times are the server's). Does not mark dirty on its own.
    pub fn set_now(&mut self, local_now: DateTime<Utc>) {
        self.now = self.inv.inventory.server_now(local_now);
    }

    /// The keymap contexts that apply now, most specific first.
    pub fn contexts(&self) -> Vec<Context> {
        match &self.overlay {
            Overlay::Confirm(_) | Overlay::ConfirmStep(_) => vec![Context::Confirm],
            Overlay::Help { .. } => vec![Context::Help],
            Overlay::None => self.pane_contexts(),
        }
    }

    /// The contexts of the pane under any overlay (what `?` documents).
    pub fn pane_contexts(&self) -> Vec<Context> {
        match self.pane {
            Pane::Inventory => self.inv.contexts(),
            Pane::Log => self.log.contexts(),
            Pane::Android => self.android.contexts(),
            Pane::Checklist => self.checklist.contexts(),
            Pane::Feed => self.feed.contexts(),
        }
    }

    /// Device ID + export pending on the current view, exactly as shown.
    pub fn export_task(&self, format: ExportKind, path: std::path::PathBuf) -> Task {
        let devices = self.inv.shown_devices();
        Task::Export {
            format,
            path,
            devices,
        }
    }
}
