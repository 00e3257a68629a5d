//! The Inventory pane's state: the device list and everything derived from it (the
//! resource-ID index, per-OU counts, the funnel, the OU tree, the filtered view), the
//! filters, and the listing in progress. It changes only through its own methods, which
//! take what they need from the shell (the clock, the terminal size) as arguments.
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use ratatui::layout::Rect;

use super::tree::OuTree;
use super::view::DeviceView;
use crate::change::{ChangeKind, TargetOutcome};
use crate::google::Streamed;
use crate::model::{Device, DeviceFilter, DeviceType, Inventory, OuCounts};
use crate::tui::keymap::Context;
use crate::tui::layout;
use crate::tui::msg::LoadProgress;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Tree,
    Table,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loading {
    pub active: bool,
    pub progress: LoadProgress,
    pub started: Option<DateTime<Utc>>,
    pub spinner: usize,
    /// What is on screen came from the cache, not yet refreshed.
    pub from_cache: bool,
    /// The table held nothing complete when the listing started (empty, or a failed
    /// listing's part): until it ends, it shows only this listing's pages.
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

/// The device-type toggle (`t`): Google Sync first, because that is the job.
pub const TYPE_CYCLE: [Option<DeviceType>; 4] = [
    Some(DeviceType::GoogleSync),
    None,
    Some(DeviceType::IosSync),
    Some(DeviceType::Android),
];

pub struct InventoryPane {
    pub focus: Focus,
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
    /// Pages that arrived since the last tick (and whether they are part of the answer,
    /// not the preview); a tick merges them into the inventory in place.
    pub streamed: Vec<(Vec<Device>, bool)>,
    pub(crate) streamed_dirty: bool,
    /// Per device (parallel to `inventory.devices`): the running listing's answer has
    /// delivered it. At the end of the listing the others are gone from Google.
    pub(crate) seen: Vec<bool>,
    /// Change outcomes received since the last draw, applied together (one refilter).
    pub(crate) outcomes: Vec<(ChangeKind, TargetOutcome)>,
}

impl Default for InventoryPane {
    fn default() -> Self {
        InventoryPane {
            focus: Focus::Table,
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
            seen: Vec::new(),
            outcomes: Vec::new(),
        }
    }
}

impl InventoryPane {
    /// The key contexts while the pane is shown, most specific first.
    pub fn contexts(&self) -> Vec<Context> {
        match (self.detail, self.focus) {
            (Some(_), _) => vec![Context::Detail, Context::Global],
            (None, Focus::Tree) => vec![Context::Tree, Context::Inventory, Context::Global],
            (None, Focus::Table) => vec![Context::Table, Context::Inventory, Context::Global],
        }
    }

    /// Starts a listing unless one runs (false: nothing to start). Its pages replace the
    /// devices on screen in place as they arrive; only its end removes devices.
    pub fn start_listing(&mut self, now: DateTime<Utc>) -> bool {
        if self.loading.active && self.loading.started.is_some() {
            return false;
        }
        self.loading = Loading {
            active: true,
            started: Some(now),
            from_cache: self.loading.from_cache,
            partial: self.loading.partial,
            // Nothing but this listing's pages will be on screen until it ends.
            stream: self.inventory.devices.is_empty() || self.loading.partial,
            ..Default::default()
        };
        self.streamed.clear();
        self.seen = vec![false; self.inventory.devices.len()];
        true
    }

    /// The devices of the current view, exactly as shown (for `:export`).
    pub fn shown_devices(&self) -> Vec<Device> {
        self.view
            .rows
            .iter()
            .map(|i| self.inventory.devices[*i as usize].clone())
            .collect()
    }

    /// Advances the spinner and merges streamed pages; false when nothing is loading.
    pub fn on_tick(&mut self, now: &mut DateTime<Utc>, size: Rect) -> bool {
        if !self.loading.active {
            return false;
        }
        self.loading.spinner = self.loading.spinner.wrapping_add(1);
        if std::mem::take(&mut self.streamed_dirty) {
            self.merge_streamed(now, size);
        }
        true
    }

    /// Merges the pages that arrived since the last tick in place, by resource ID: a device
    /// on screen is replaced where it is, a new one appended. Nothing is removed and no
    /// device moves, so every index (rows, selection, cursor, detail) stays valid, and
    /// there is never a second copy of the devices on screen.
    pub(crate) fn merge_streamed(&mut self, now: &mut DateTime<Utc>, size: Rect) {
        let pages = std::mem::take(&mut self.streamed);
        let from = self.inventory.devices.len();
        self.seen.resize(from, false);
        // Most devices come back unchanged: then nothing derived needs rebuilding.
        let mut changed = false;
        for (page, answer) in pages {
            for d in page {
                match self.index.get(&d.resource_id) {
                    Some(&i) => {
                        self.seen[i as usize] |= answer;
                        if self.inventory.devices[i as usize] != d {
                            self.view.replace(i, &d);
                            self.inventory.devices[i as usize] = d;
                            changed = true;
                        }
                    }
                    None => {
                        let i = self.inventory.devices.len() as u32;
                        self.index.insert(d.resource_id.clone(), i);
                        self.inventory.devices.push(d);
                        self.seen.push(answer);
                    }
                }
            }
        }
        if !changed && self.inventory.devices.len() == from {
            return;
        }
        self.view.extend(&self.inventory.devices[from..]);
        self.counts = self.inventory.counts_by_ou();
        self.funnel = funnel(&self.inventory.devices, *now);
        self.tree.rebuild(&self.counts);
        self.refilter(size);
    }

    /// A cached inventory, shown only while nothing else is.
    pub fn cache_loaded(&mut self, inv: Inventory, now: &mut DateTime<Utc>, size: Rect) {
        if self.inventory.devices.is_empty() {
            self.loading.from_cache = true;
            self.loading.stream = false;
            self.install(inv, now, size);
        }
    }

    /// A page of the listing: `answer` false for the index-only preview.
    pub fn devices_page(&mut self, page: Vec<Device>, answer: bool) {
        self.streamed.push((page, answer));
        self.streamed_dirty = true;
    }

    fn finish_loading(&mut self) {
        self.loading.active = false;
        self.loading.from_cache = false;
        self.loading.partial = false;
        self.loading.error = None;
        self.streamed = Vec::new();
        self.streamed_dirty = false;
    }

    /// A complete inventory (the feed's listing, another process's): replaces the table.
    pub fn loaded(&mut self, inv: Inventory, now: &mut DateTime<Utc>, size: Rect) {
        self.finish_loading();
        let mut inv = inv;
        inv.fetched_at = inv.fetched_at.or(Some(*now));
        self.install(inv, now, size);
    }

    /// The end of a listing whose devices came as pages (merged in place): owners listed
    /// after their devices get their OU, and devices its answer did not deliver (deleted
    /// at Google since the last listing) are removed. Returns how many were removed.
    pub fn listed(&mut self, end: Streamed, now: &mut DateTime<Utc>, size: Rect) -> usize {
        if std::mem::take(&mut self.streamed_dirty) {
            self.merge_streamed(now, size);
        }
        self.finish_loading();
        let kept = self.remember();
        for (id, ou) in end.late_joins {
            if let Some(&i) = self.index.get(&id) {
                self.inventory.devices[i as usize].org_unit_path = Some(ou);
            }
        }
        let mut devices = std::mem::take(&mut self.inventory.devices);
        let before = devices.len();
        let mut seen = std::mem::take(&mut self.seen).into_iter();
        devices.retain(|_| seen.next().unwrap_or(false));
        let gone = before - devices.len();
        let mut inv = end.inventory;
        inv.devices = devices;
        inv.users = Vec::new();
        inv.fetched_at = inv.fetched_at.or(Some(*now));
        self.replace_inventory(inv, kept, now, size);
        gone
    }

    /// The listing failed: every device on screen stays (replaced in place where the
    /// listing got to it), and the error says how many were not listed again.
    pub fn load_failed(&mut self, e: String, now: &mut DateTime<Utc>, size: Rect) {
        self.loading.active = false;
        // Pages that arrived since the last tick: show all there is (the header
        // says it is incomplete).
        self.loading.partial |= self.loading.stream;
        if std::mem::take(&mut self.streamed_dirty) {
            self.merge_streamed(now, size);
        }
        let total = self.inventory.devices.len();
        self.seen.resize(total, false);
        let stale = self.seen.iter().filter(|s| !**s).count();
        self.loading.error = Some(if !self.loading.stream && stale > 0 {
            format!("{e}; {stale} of {total} devices not listed again, shown as previously listed")
        } else {
            e
        });
    }

    /// Replaces the inventory and rebuilds every derived index. The selection, the cursor
    /// and the open detail follow their devices by resource ID: O(selected), not O(n²).
    /// `now` is re-based on the new listing's server clock.
    pub fn install(&mut self, inv: Inventory, now: &mut DateTime<Utc>, size: Rect) {
        let kept = self.remember();
        self.replace_inventory(inv, kept, now, size);
    }

    /// The resource IDs of the selection, the cursor's device and the open detail.
    fn remember(&self) -> Remembered {
        let id_of = |i: u32| {
            self.inventory
                .devices
                .get(i as usize)
                .map(|d| d.resource_id.clone())
        };
        Remembered {
            selected: self
                .view
                .selected
                .iter()
                .filter_map(|i| id_of(*i))
                .collect(),
            current: self.view.current().and_then(id_of),
            detail: self.detail.and_then(id_of),
        }
    }

    fn replace_inventory(
        &mut self,
        inv: Inventory,
        kept: Remembered,
        now: &mut DateTime<Utc>,
        size: Rect,
    ) {
        // Re-base "now" on the new listing's server clock before counting the active ones.
        let local_now = *now - self.inventory.server_offset;
        *now = inv.server_now(local_now);
        // The old inventory and what is derived from it go before the new indexes are
        // built: at 100k devices each is tens of MB.
        self.inventory = inv;
        self.index = HashMap::new();
        self.seen = vec![false; self.inventory.devices.len()];
        let sort = (self.view.sort, self.view.reverse);
        self.view = DeviceView::new(&self.inventory.devices);
        (self.view.sort, self.view.reverse) = sort;
        self.counts = self.inventory.counts_by_ou();
        self.funnel = funnel(&self.inventory.devices, *now);
        self.index = self
            .inventory
            .devices
            .iter()
            .enumerate()
            .map(|(i, d)| (d.resource_id.clone(), i as u32))
            .collect();
        self.tree.rebuild(&self.counts);
        let index = &self.index;
        self.view.selected = kept
            .selected
            .iter()
            .filter_map(|id| index.get(id).copied())
            .collect();
        self.detail = kept.detail.and_then(|id| index.get(&id).copied());
        let cur = kept.current.and_then(|id| index.get(&id).copied());
        self.refilter(size);
        if let Some(c) = cur {
            if let Some(p) = self.view.rows.iter().position(|r| *r == c) {
                self.view.list.cursor = p;
            }
        }
        self.view.scroll_into_view(layout::table_rows(size));
    }

    pub fn refilter(&mut self, size: Rect) {
        self.view.refilter(&self.inventory.devices, &self.filter);
        self.view.scroll_into_view(layout::table_rows(size));
    }

    /// Applies a `/` filter text; a parse error is shown inline and the last good filter stays.
    pub fn set_filter_text(&mut self, text: &str, size: Rect) {
        self.filter_text = text.to_string();
        match crate::model::Query::parse_local(text) {
            Ok(q) => {
                self.filter_error = None;
                self.filter.query = (!q.is_empty()).then_some(q);
                self.refilter(size);
            }
            Err(e) => self.filter_error = Some(e.to_string()),
        }
    }
}

/// What follows its device across a reload: resource IDs, never row indices.
struct Remembered {
    selected: Vec<String>,
    current: Option<String>,
    detail: Option<String>,
}

pub(crate) fn funnel(devices: &[Device], now: DateTime<Utc>) -> Funnel {
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
