//! Applying change results to the state: per-target outcomes (batched per drain of the
//! message queue, so a 5,000-device batch costs one refilter per frame, not one per
//! device), whole-batch reports, crash recovery and journal history for the Log pane.
use std::collections::HashSet;

use super::state::{LogEntry, State};
use super::view::Column;
use crate::change::{device, BatchStatus, ChangeKind, Failure, Report};
use crate::model::OuPath;
use crate::store::{JournalEntry, Outcome};

impl State {
    /// Applies every outcome received since the last frame: status changes in place via
    /// the resource-ID index, deletions hidden at once, then one refilter.
    pub fn apply_outcomes(&mut self) {
        if self.outcomes.is_empty() {
            return;
        }
        let outcomes = std::mem::take(&mut self.outcomes);
        let (mut changed, mut deleted) = (false, HashSet::new());
        let (mut ok, mut failed) = (0usize, None);
        for (kind, o) in outcomes {
            let outcome = match &o.result {
                Ok(()) => Ok(()),
                Err(e) => Err(e.to_string()),
            };
            self.push_log(LogEntry::Change {
                at: self.now,
                gam: o.gam.clone(),
                outcome: Some(outcome),
            });
            match o.result {
                Err(e) => failed = Some((o.resource_id, e)),
                Ok(()) => {
                    ok += 1;
                    // Only device actions change rows of the inventory table.
                    let ChangeKind::Device(action) = kind else {
                        continue;
                    };
                    let Some(&i) = self.index.get(&o.resource_id) else {
                        continue;
                    };
                    match device::status_after(action) {
                        Some(st) => {
                            self.inventory.devices[i as usize].status = st;
                            changed = true;
                        }
                        None => {
                            deleted.insert(i);
                        }
                    }
                }
            }
        }
        if changed {
            self.view.forget_order(Column::Status);
        }
        if !deleted.is_empty() {
            self.remove_devices(&deleted);
        }
        if changed || !deleted.is_empty() {
            self.refilter();
        }
        match failed {
            Some((id, e)) => self.set_status(true, format!("{id}: {e}")),
            None => self.set_status(
                false,
                format!("{ok} change(s) applied; see the Log pane (4)"),
            ),
        }
    }

    /// Deleted devices leave the view and the counts at once; the next listing drops them
    /// from the inventory (indices stay valid until then, so nothing else moves).
    fn remove_devices(&mut self, gone: &HashSet<u32>) {
        let cutoff = self.now - chrono::Duration::days(30);
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

    pub(super) fn batch_done(&mut self, kind: ChangeKind, r: Result<Report, Failure>) {
        self.apply_outcomes();
        match r {
            Ok(rep) => {
                let batch = rep
                    .batch_id
                    .map(|b| format!(" (batch {b})"))
                    .unwrap_or_default();
                let text = format!(
                    "{}: {} applied, {} failed{batch}",
                    kind.label(),
                    rep.applied,
                    rep.failed.len()
                );
                self.log_note(text.clone());
                self.set_status(!rep.failed.is_empty(), text);
            }
            Err(e) => {
                let text = format!("{}: nothing sent: {e}", kind.label());
                self.log_note(text.clone());
                self.set_status(true, text);
            }
        }
    }

    /// Shows every interrupted batch and how to resume or abandon it; never resumes.
    pub(super) fn recovered(&mut self, r: Result<Vec<BatchStatus>, Failure>) {
        match r {
            Ok(open) if open.is_empty() => {}
            Ok(open) => {
                for b in &open {
                    let id = b.batch.id;
                    self.log_note(format!(
                        "interrupted {}; `:resume {id}` sends the {} not applied, `:abandon {id}` closes it",
                        b.describe(),
                        b.resumable
                    ));
                    for (rid, why) in b.unknown.iter().take(20) {
                        self.log_note(format!("  batch {id}: {rid} unknown: {why}"));
                    }
                }
                let ids: Vec<String> = open.iter().map(|b| b.batch.id.to_string()).collect();
                self.set_status(
                    true,
                    format!(
                        "interrupted batch(es) {}: see the Log pane (4); :resume N or :abandon N",
                        ids.join(", ")
                    ),
                );
            }
            Err(e) => self.set_status(true, format!("cannot check interrupted batches: {e}")),
        }
    }

    pub(super) fn resumed(&mut self, id: i64, r: Result<Report, Failure>) {
        self.apply_outcomes();
        match r {
            Ok(rep) => {
                let text = format!(
                    "batch {id} resumed: {} sent, {} applied, {} failed",
                    rep.sent,
                    rep.applied,
                    rep.failed.len()
                );
                self.log_note(text.clone());
                self.set_status(!rep.failed.is_empty(), text);
            }
            Err(e) => self.set_status(true, format!("cannot resume batch {id}: {e}")),
        }
    }

    /// Journal history goes before anything logged since start (it is older).
    pub(super) fn history(&mut self, entries: Vec<JournalEntry>) {
        let older = entries
            .into_iter()
            .map(|e| LogEntry::Change {
                at: e.at,
                gam: e.gam_command,
                outcome: match e.outcome {
                    Outcome::Planned => None,
                    Outcome::Succeeded => Some(Ok(())),
                    Outcome::Failed(why) => Some(Err(why)),
                },
            })
            .collect();
        self.log.prepend(older);
    }
}
