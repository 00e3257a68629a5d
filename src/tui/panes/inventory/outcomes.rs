//! Change outcomes on the inventory's rows: status changes in place via the resource-ID
//! index, deleted devices hidden at once, then one refilter for the whole batch.
use std::collections::HashSet;

use chrono::{DateTime, Utc};
use ratatui::layout::Rect;

use super::state::InventoryPane;
use super::view::Column;
use crate::change::{device, ChangeKind, TargetOutcome};
use crate::model::OuPath;

impl InventoryPane {
    /// Applies the successful device changes among `outcomes` to the rows they name.
    pub fn apply_outcomes(
        &mut self,
        outcomes: &[(ChangeKind, TargetOutcome)],
        now: DateTime<Utc>,
        size: Rect,
    ) {
        let (mut changed, mut deleted) = (false, HashSet::new());
        for (kind, o) in outcomes {
            // Only device actions change rows of the inventory table.
            let (Ok(()), ChangeKind::Device(action)) = (&o.result, kind) else {
                continue;
            };
            let Some(&i) = self.index.get(&o.resource_id) else {
                continue;
            };
            match device::status_after(*action) {
                Some(st) => {
                    self.inventory.devices[i as usize].status = st;
                    changed = true;
                }
                None => {
                    deleted.insert(i);
                }
            }
        }
        if changed {
            self.view.forget_order(Column::Status);
        }
        if !deleted.is_empty() {
            self.remove_devices(&deleted, now);
        }
        if changed || !deleted.is_empty() {
            self.refilter(size);
        }
    }

    /// Deleted devices leave the view and the counts at once; the next listing drops them
    /// from the inventory (indices stay valid until then, so nothing else moves).
    fn remove_devices(&mut self, gone: &HashSet<u32>, now: DateTime<Utc>) {
        let cutoff = now - chrono::Duration::days(30);
        for &i in gone {
            if !self.view.hide(i) {
                continue;
            }
            let d = &self.inventory.devices[i as usize];
            let sync = d.is_google_sync();
            let path = d.org_unit_path.clone().unwrap_or_else(|| "/".into());
            for anc in OuPath::ancestors_and_self(&path) {
                if let Some(c) = self.counts.get_mut(&anc) {
                    c.total = c.total.saturating_sub(1);
                    c.google_sync = c.google_sync.saturating_sub(usize::from(sync));
                }
            }
            self.funnel.total = self.funnel.total.saturating_sub(1);
            if sync {
                self.funnel.sync_total = self.funnel.sync_total.saturating_sub(1);
                if d.last_sync.is_some_and(|t| t >= cutoff) {
                    self.funnel.sync_active = self.funnel.sync_active.saturating_sub(1);
                }
            }
            self.view.selected.remove(&i);
            if self.detail == Some(i) {
                self.detail = None;
            }
        }
        self.tree.rebuild(&self.counts);
    }
}
