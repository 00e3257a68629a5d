//! Applying background results to the state: cache and fresh inventories, streamed
//! pages, API calls for the Log pane, action outcomes and export results. Like input
//! handling, it only changes the state and marks it dirty; it never does I/O.
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::msg::Msg;
use super::state::{Funnel, LogEntry, State};
use super::view::DeviceView;
use crate::model::{Device, Inventory};

impl State {
    /// Advances the spinner and merges streamed pages; called on each tick.
    pub fn on_tick(&mut self) {
        if !self.loading.active {
            return;
        }
        self.loading.spinner = self.loading.spinner.wrapping_add(1);
        if std::mem::take(&mut self.streamed_dirty) {
            self.merge_streamed();
        }
        self.dirty = true;
    }

    /// Moves the pages that arrived since the last tick into the inventory: the first
    /// ones of a listing replace what is shown, later ones are appended (no copy of what
    /// is already on screen, and every device index stays valid).
    fn merge_streamed(&mut self) {
        let pages = std::mem::take(&mut self.streamed);
        if !std::mem::replace(&mut self.streamed_shown, true) {
            self.install(Inventory {
                devices: pages,
                ..Default::default()
            });
            return;
        }
        let from = self.inventory.devices.len() as u32;
        self.index.extend(
            pages
                .iter()
                .enumerate()
                .map(|(i, d)| (d.resource_id.clone(), from + i as u32)),
        );
        self.view.extend(&pages);
        self.inventory.devices.extend(pages);
        self.counts = self.inventory.counts_by_ou();
        self.funnel = funnel(&self.inventory.devices, self.now);
        self.tree.rebuild(&self.counts);
        self.refilter();
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
                self.loading.partial = false;
                self.loading.error = None;
                self.streamed = Vec::new();
                self.streamed_dirty = false;
                self.streamed_shown = false;
                let mut inv = *inv;
                inv.fetched_at = inv.fetched_at.or(Some(self.now));
                self.install(inv);
            }
            Msg::LoadFailed(e) => {
                self.loading.active = false;
                // Pages that arrived since the last tick: show all there is (the header
                // says it is incomplete).
                self.loading.partial |= self.loading.stream;
                if std::mem::take(&mut self.streamed_dirty) {
                    self.merge_streamed();
                }
                self.streamed_shown = false;
                self.log_note(format!("listing failed: {e}"));
                self.loading.error = Some(e);
            }
            Msg::ApiCall(c) => self.push_log(LogEntry::Call(c)),
            Msg::ChangeDone(kind, outcome) => self.outcomes.push((kind, outcome)),
            Msg::BatchDone(kind, r) => self.batch_done(kind, r),
            Msg::Recovered(r) => self.recovered(r),
            Msg::Resumed(id, r) => self.resumed(id, r),
            Msg::Abandoned(id, r) => match r {
                Ok(()) => self.set_status(
                    false,
                    format!("batch {id} abandoned; nothing more will be sent for it"),
                ),
                Err(e) => self.set_status(true, format!("cannot abandon batch {id}: {e}")),
            },
            Msg::History(entries) => self.history(entries),
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

    /// Replaces the inventory and rebuilds every derived index. The selection, the cursor
    /// and the open detail follow their devices by resource ID: O(selected), not O(n²).
    pub fn install(&mut self, inv: Inventory) {
        let id_of = |i: u32| {
            self.inventory
                .devices
                .get(i as usize)
                .map(|d| d.resource_id.clone())
        };
        let selected: Vec<String> = self
            .view
            .selected
            .iter()
            .filter_map(|i| id_of(*i))
            .collect();
        let current = self.view.current().and_then(id_of);
        let detail = self.detail.and_then(id_of);
        // Re-base "now" on the new listing's server clock before counting the active ones.
        let local_now = self.now - self.inventory.server_offset;
        self.now = inv.server_now(local_now);
        // The old inventory and what is derived from it go before the new indexes are
        // built: at 100k devices each is tens of MB.
        self.inventory = inv;
        self.index = HashMap::new();
        let sort = (self.view.sort, self.view.reverse);
        self.view = DeviceView::new(&self.inventory.devices);
        (self.view.sort, self.view.reverse) = sort;
        self.counts = self.inventory.counts_by_ou();
        self.funnel = funnel(&self.inventory.devices, self.now);
        self.index = self
            .inventory
            .devices
            .iter()
            .enumerate()
            .map(|(i, d)| (d.resource_id.clone(), i as u32))
            .collect();
        self.tree.rebuild(&self.counts);
        let index = &self.index;
        self.view.selected = selected
            .iter()
            .filter_map(|id| index.get(id).copied())
            .collect();
        self.detail = detail.and_then(|id| index.get(&id).copied());
        let cur = current.and_then(|id| index.get(&id).copied());
        self.refilter();
        if let Some(c) = cur {
            if let Some(p) = self.view.rows.iter().position(|r| *r == c) {
                self.view.list.cursor = p;
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
        self.push_log(LogEntry::Note { at: self.now, text });
    }

    pub fn push_log(&mut self, e: LogEntry) {
        self.log.push(e);
    }
}

pub(super) fn funnel(devices: &[Device], now: DateTime<Utc>) -> Funnel {
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
