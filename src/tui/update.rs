//! Applying background results to the state: cache and fresh inventories, streamed
//! pages, API calls for the Log pane, action outcomes and export results. Like input
//! handling, it only changes the state and marks it dirty; it never does I/O.
use chrono::{DateTime, Utc};

use super::msg::Msg;
use super::state::{Funnel, LogEntry, State};
use super::view::DeviceView;
use crate::model::{Device, DeviceAction, Inventory};

impl State {
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
        // Re-base "now" on the new listing's server clock before counting the active ones.
        let local_now = self.now - self.inventory.server_offset;
        self.now = inv.server_now(local_now);
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
