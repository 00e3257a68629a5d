//! Applying change results to the state: per-target outcomes (batched per drain of the
//! message queue, so a 5,000-device batch costs one refilter per frame, not one per
//! device; the rows change in `panes/inventory/outcomes.rs`), whole-batch reports, crash
//! recovery and journal history for the Log pane.
use super::state::{LogEntry, State};
use crate::change::{BatchStatus, ChangeKind, Failure, Report};
use crate::store::{JournalEntry, Outcome};

impl State {
    /// Applies every outcome received since the last frame: each goes to the Log pane,
    /// the inventory's rows change together, and the status line sums them up.
    pub fn apply_outcomes(&mut self) {
        if self.inv.outcomes.is_empty() {
            return;
        }
        let outcomes = std::mem::take(&mut self.inv.outcomes);
        let (mut ok, mut failed) = (0usize, None);
        for (_, o) in &outcomes {
            let outcome = match &o.result {
                Ok(()) => Ok(()),
                Err(e) => Err(e.to_string()),
            };
            self.push_log(LogEntry::Change {
                at: self.now,
                gam: o.gam.clone(),
                outcome: Some(outcome.clone()),
            });
            match outcome {
                Err(e) => failed = Some((o.resource_id.clone(), e)),
                Ok(()) => ok += 1,
            }
        }
        self.inv.apply_outcomes(&outcomes, self.now, self.size);
        self.mark_dirty();
        match failed {
            Some((id, e)) => self.set_status(true, format!("{id}: {e}")),
            None => self.set_status(
                false,
                format!("{ok} change(s) applied; see the Log pane (4)"),
            ),
        }
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
