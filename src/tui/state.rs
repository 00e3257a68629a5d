//! The whole UI state. It changes only through [`State::on_input`] (keys, mouse, resize;
//! see `handle.rs`) and `on_msg` (background results, see `update.rs`); both mark it dirty and
//! queue [`Task`]s instead of doing I/O. Drawing reads it and never mutates it.
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use ratatui::layout::Rect;

use super::command::ExportKind;
use super::input::LineInput;
use super::keymap::{Context, Keymap};
use super::msg::LoadProgress;
use super::tasks::Task;
use super::theme::Palette;
use super::tree::OuTree;
use super::view::DeviceView;
use crate::change::{ChangeKind, Plan, TargetOutcome};
use crate::model::{Device, DeviceFilter, DeviceType, Inventory, OuCounts};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Inventory,
    Checklist,
    Feed,
    Log,
}

pub const PANES: [Pane; 4] = [Pane::Inventory, Pane::Checklist, Pane::Feed, Pane::Log];

impl Pane {
    pub fn title(self) -> &'static str {
        match self {
            Pane::Inventory => "Inventory",
            Pane::Checklist => "Checklist",
            Pane::Feed => "Feed",
            Pane::Log => "Log",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Tree,
    Table,
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
    Help { scroll: usize },
    Confirm(Confirm),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputMode {
    None,
    /// The input, and the filter text to restore on Esc.
    Filter(LineInput, String),
    Command(LineInput),
}

pub use super::panes::log::{LogEntry, LogPane, LOG_CAP};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loading {
    pub active: bool,
    pub progress: LoadProgress,
    pub started: Option<DateTime<Utc>>,
    pub spinner: usize,
    /// What is on screen came from the cache, not yet refreshed.
    pub from_cache: bool,
    /// Stream pages into the table as they arrive (only when nothing better is on screen).
    pub stream: bool,
    pub error: Option<String>,
    /// What is on screen is part of a listing that failed (or nothing at all): not every
    /// device. Kept until a complete inventory arrives.
    pub partial: bool,
}

impl Loading {
    /// Whether the header must say that the table is not the whole inventory. A complete
    /// listing or cache shown after a failed refresh is stale, not incomplete.
    pub fn incomplete(&self) -> bool {
        self.partial && !self.active
    }
}

/// Google Sync devices active in the last 30 days / all Google Sync / all devices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Funnel {
    pub sync_active: usize,
    pub sync_total: usize,
    pub total: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    Quit,
    SwitchProfile(String),
}

/// The device-type toggle (`t`): Google Sync first, because that is the job.
pub const TYPE_CYCLE: [Option<DeviceType>; 4] = [
    Some(DeviceType::GoogleSync),
    None,
    Some(DeviceType::IosSync),
    Some(DeviceType::Android),
];

pub struct State {
    pub keymap: Arc<Keymap>,
    pub palette: Palette,
    pub profile: ProfileInfo,
    pub confirm_typed_above: usize,
    pub mouse: bool,
    pub now: DateTime<Utc>,
    pub size: Rect,
    pub pane: Pane,
    pub focus: Focus,
    pub overlay: Overlay,
    pub input: InputMode,
    /// Device detail open for this device index.
    pub detail: Option<u32>,
    pub inventory: Inventory,
    /// Resource ID → index into `inventory.devices`: selections, the cursor and change
    /// outcomes find their device in O(1) after a reload.
    pub index: HashMap<String, u32>,
    pub counts: BTreeMap<String, OuCounts>,
    pub funnel: Funnel,
    pub view: DeviceView,
    pub tree: OuTree,
    pub filter: DeviceFilter,
    pub filter_text: String,
    pub filter_error: Option<String>,
    pub loading: Loading,
    /// Devices streamed during a load with no cache that arrived since the last tick;
    /// a tick moves them into the inventory (the first tick of a listing replaces it).
    pub streamed: Vec<Device>,
    pub(super) streamed_dirty: bool,
    /// This listing's first pages are on screen: later pages are appended.
    pub(super) streamed_shown: bool,
    /// The Log pane's own state.
    pub log: LogPane,
    /// Change outcomes received since the last draw, applied together (one refilter).
    pub(super) outcomes: Vec<(ChangeKind, TargetOutcome)>,
    pub status: Option<(bool, String)>,
    pub exit: Option<Exit>,
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
            focus: Focus::Table,
            overlay: Overlay::None,
            input: InputMode::None,
            detail: None,
            inventory: Inventory::default(),
            index: HashMap::new(),
            counts: BTreeMap::new(),
            funnel: Funnel::default(),
            view: DeviceView::default(),
            tree: OuTree::default(),
            filter: DeviceFilter {
                device_type: TYPE_CYCLE[0].clone(),
                include_children: true,
                ..Default::default()
            },
            filter_text: String::new(),
            filter_error: None,
            loading: Loading::default(),
            streamed: Vec::new(),
            streamed_dirty: false,
            streamed_shown: false,
            log: LogPane::default(),
            outcomes: Vec::new(),
            status: None,
            exit: None,
            tasks: Vec::new(),
            dirty: true,
        }
    }

    /// Queues the first load (from the cache if there is one, then from Google), the
    /// journal history for the Log pane, and the reconciliation of interrupted batches.
    pub fn start(&mut self) {
        self.tasks.push(Task::History);
        self.tasks.push(Task::Reconcile);
        self.refresh();
    }

    /// Starts a listing unless one runs; the table streams pages only when empty.
    pub fn refresh(&mut self) {
        if self.loading.active && self.loading.started.is_some() {
            return;
        }
        self.loading = Loading {
            active: true,
            started: Some(self.now),
            from_cache: self.loading.from_cache,
            partial: self.loading.partial,
            // A partial table is replaced by the new listing's pages as they arrive.
            stream: self.inventory.devices.is_empty() || self.loading.partial,
            ..Default::default()
        };
        self.streamed.clear();
        self.streamed_shown = false;
        self.tasks.push(Task::LoadInventory);
        self.dirty = true;
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
        self.loading.active
    }

    /// Updates the clock used for ages and rates from this machine's `local_now`, corrected to
    /// the server's clock (device times are the server's). Does not mark dirty on its own.
    pub fn set_now(&mut self, local_now: DateTime<Utc>) {
        self.now = self.inventory.server_now(local_now);
    }

    /// The keymap contexts that apply now, most specific first.
    pub fn contexts(&self) -> Vec<Context> {
        match &self.overlay {
            Overlay::Confirm(_) => vec![Context::Confirm],
            Overlay::Help { .. } => vec![Context::Help],
            Overlay::None => self.pane_contexts(),
        }
    }

    /// The contexts of the pane under any overlay (what `?` documents).
    pub fn pane_contexts(&self) -> Vec<Context> {
        match self.pane {
            Pane::Inventory if self.detail.is_some() => vec![Context::Detail, Context::Global],
            Pane::Inventory => match self.focus {
                Focus::Tree => vec![Context::Tree, Context::Inventory, Context::Global],
                Focus::Table => vec![Context::Table, Context::Inventory, Context::Global],
            },
            Pane::Log => self.log.contexts(),
            _ => vec![Context::Global],
        }
    }

    /// Device ID + export pending on the current view, exactly as shown.
    pub fn export_task(&self, format: ExportKind, path: std::path::PathBuf) -> Task {
        let devices = self
            .view
            .rows
            .iter()
            .map(|i| self.inventory.devices[*i as usize].clone())
            .collect();
        Task::Export {
            format,
            path,
            devices,
        }
    }
}
