//! The whole UI state. It changes only through [`State::on_input`] (keys, mouse, resize;
//! see `handle.rs`) and [`State::on_msg`] (background results); both mark it dirty and
//! queue [`Task`]s instead of doing I/O. Drawing reads it and never mutates it.
use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use ratatui::layout::Rect;

use super::command::ExportKind;
use super::input::LineInput;
use super::keymap::{Context, Keymap};
use super::msg::{ApiCall, LoadProgress, Msg};
use super::tasks::Task;
use super::theme::Palette;
use super::tree::OuTree;
use super::view::DeviceView;
use crate::model::{Device, DeviceAction, DeviceFilter, DeviceType, Inventory, OuCounts};

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
    /// Other profiles in the config, for `:profile` completion.
    pub others: Vec<String>,
}

/// A pending device change, waiting for the admin's confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub action: DeviceAction,
    pub targets: Vec<u32>,
    /// Above `confirm_typed_above` devices the admin types the count.
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

#[derive(Debug, Clone, PartialEq)]
pub enum LogEntry {
    Call(ApiCall),
    Change {
        at: DateTime<Utc>,
        gam: String,
        outcome: Option<Result<(), String>>,
    },
    Note {
        at: DateTime<Utc>,
        text: String,
    },
}

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
    pub counts: BTreeMap<String, OuCounts>,
    pub funnel: Funnel,
    pub view: DeviceView,
    pub tree: OuTree,
    pub filter: DeviceFilter,
    pub filter_text: String,
    pub filter_error: Option<String>,
    pub loading: Loading,
    /// Devices streamed during a load with no cache, merged into the view on ticks.
    pub streamed: Vec<Device>,
    streamed_dirty: bool,
    pub log: Vec<LogEntry>,
    /// Log scroll: `None` follows the newest entry.
    pub log_cursor: Option<usize>,
    pub status: Option<(bool, String)>,
    pub exit: Option<Exit>,
    tasks: Vec<Task>,
    dirty: bool,
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
            log: Vec::new(),
            log_cursor: None,
            status: None,
            exit: None,
            tasks: Vec::new(),
            dirty: true,
        }
    }

    /// Queues the first load: from the cache if there is one, then from Google.
    pub fn start(&mut self) {
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
            stream: self.inventory.devices.is_empty(),
            ..Default::default()
        };
        self.streamed.clear();
        self.tasks.push(Task::LoadInventory);
        self.dirty = true;
    }

    pub fn take_tasks(&mut self) -> Vec<Task> {
        std::mem::take(&mut self.tasks)
    }

    pub fn take_dirty(&mut self) -> bool {
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

    /// Updates the clock used for ages and rates. Does not mark dirty on its own.
    pub fn set_now(&mut self, now: DateTime<Utc>) {
        self.now = now;
    }

    /// Advances the spinner and merges streamed pages; called on each tick.
    pub fn on_tick(&mut self) {
        if !self.loading.active {
            return;
        }
        self.loading.spinner = self.loading.spinner.wrapping_add(1);
        if self.streamed_dirty {
            self.streamed_dirty = false;
            let devices = self.streamed.clone();
            self.install(Inventory {
                devices,
                ..Default::default()
            });
        }
        self.dirty = true;
    }

    pub fn on_msg(&mut self, msg: Msg) {
        self.dirty = true;
        match msg {
            Msg::CacheLoaded(inv) => {
                if self.inventory.devices.is_empty() {
                    self.loading.from_cache = true;
                    self.loading.stream = false;
                    self.install(*inv);
                }
            }
            Msg::LoadProgress(p) => self.loading.progress = p,
            Msg::DevicesPage(page) => {
                // With data on screen, a half-fetched listing would look like devices
                // vanished; stream pages in only when there is nothing better to show.
                if self.loading.stream {
                    self.streamed.extend(page);
                    self.streamed_dirty = true;
                }
            }
            Msg::Loaded(inv) => {
                self.loading.active = false;
                self.loading.from_cache = false;
                self.loading.error = None;
                self.streamed = Vec::new();
                self.streamed_dirty = false;
                let mut inv = *inv;
                inv.fetched_at = inv.fetched_at.or(Some(self.now));
                self.install(inv);
            }
            Msg::LoadFailed(e) => {
                self.loading.active = false;
                self.log_note(format!("listing failed: {e}"));
                self.loading.error = Some(e);
            }
            Msg::ApiCall(c) => self.log.push(LogEntry::Call(c)),
            Msg::ActionDone {
                action,
                resource_id,
                result,
            } => self.action_done(action, &resource_id, result),
            Msg::Exported {
                path,
                count,
                result,
            } => match result {
                Ok(()) => self.set_status(
                    false,
                    format!("exported {count} devices to {}", path.display()),
                ),
                Err(e) => {
                    self.set_status(true, format!("export to {} failed: {e}", path.display()))
                }
            },
            Msg::Notice(text) => self.set_status(true, text),
        }
    }

    /// Replaces the inventory and rebuilds every derived index.
    pub fn install(&mut self, inv: Inventory) {
        let selected: Vec<String> = self.view.selected_ids(&self.inventory.devices);
        let current = self
            .view
            .current()
            .and_then(|i| self.inventory.devices.get(i as usize))
            .map(|d| d.resource_id.clone());
        let detail = self
            .detail
            .and_then(|i| self.inventory.devices.get(i as usize))
            .map(|d| d.resource_id.clone());
        self.counts = inv.counts_by_ou();
        self.funnel = funnel(&inv.devices, self.now);
        let sort = (self.view.sort, self.view.reverse);
        self.view = DeviceView::new(&inv.devices);
        (self.view.sort, self.view.reverse) = sort;
        self.inventory = inv;
        self.tree.rebuild(&self.counts);
        let find = |id: &str| {
            self.inventory
                .devices
                .iter()
                .position(|d| d.resource_id == id)
                .map(|i| i as u32)
        };
        self.view.selected = selected.iter().filter_map(|id| find(id)).collect();
        self.detail = detail.and_then(|id| find(&id));
        let cur = current.and_then(|id| find(&id));
        self.refilter();
        if let Some(c) = cur {
            if let Some(p) = self.view.rows.iter().position(|r| *r == c) {
                self.view.cursor = p;
            }
        }
        self.view
            .scroll_into_view(super::layout::table_rows(self.size));
        self.dirty = true;
    }

    pub fn refilter(&mut self) {
        self.view.refilter(&self.inventory.devices, &self.filter);
        self.view
            .scroll_into_view(super::layout::table_rows(self.size));
        self.dirty = true;
    }

    pub fn set_status(&mut self, error: bool, text: String) {
        self.status = Some((error, text));
        self.dirty = true;
    }

    pub fn log_note(&mut self, text: String) {
        self.log.push(LogEntry::Note { at: self.now, text });
    }

    fn action_done(&mut self, action: DeviceAction, resource_id: &str, result: Result<(), String>) {
        let gam = action.gam_command(resource_id);
        if let Some(LogEntry::Change { outcome, .. }) = self
            .log
            .iter_mut()
            .rev()
            .find(|e| matches!(e, LogEntry::Change { gam: g, outcome: None, .. } if *g == gam))
        {
            *outcome = Some(result.clone());
        }
        match result {
            Ok(()) => {
                if let Some(i) = self
                    .inventory
                    .devices
                    .iter()
                    .position(|d| d.resource_id == resource_id)
                {
                    apply_outcome(&mut self.inventory.devices, i, action);
                    if action == DeviceAction::Delete {
                        let inv = std::mem::take(&mut self.inventory);
                        self.install(inv);
                    } else {
                        self.refilter();
                    }
                }
                self.set_status(false, format!("{}: {resource_id} done", action.label()));
            }
            Err(e) => self.set_status(
                true,
                format!("{} {resource_id} failed: {e}", action.label()),
            ),
        }
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
            Pane::Log => vec![Context::Log, Context::Global],
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

fn funnel(devices: &[Device], now: DateTime<Utc>) -> Funnel {
    let cutoff = now - chrono::Duration::days(30);
    let sync: Vec<&Device> = devices.iter().filter(|d| d.is_google_sync()).collect();
    Funnel {
        sync_active: sync
            .iter()
            .filter(|d| d.last_sync.is_some_and(|t| t >= cutoff))
            .count(),
        sync_total: sync.len(),
        total: devices.len(),
    }
}

/// What Google reports after a successful change (so the table shows it without a reload).
fn apply_outcome(devices: &mut Vec<Device>, i: usize, action: DeviceAction) {
    use crate::model::DeviceStatus as S;
    let status = match action {
        DeviceAction::Approve | DeviceAction::CancelRemoteWipeThenActivate => S::Approved,
        DeviceAction::Block | DeviceAction::CancelRemoteWipeThenBlock => S::Blocked,
        DeviceAction::AdminAccountWipe => S::AccountWiping,
        DeviceAction::AdminRemoteWipe => S::Wiping,
        DeviceAction::Delete => {
            devices.remove(i);
            return;
        }
    };
    devices[i].status = status;
}
