//! Applying the migration's results to the Checklist pane: a new board (or a failed
//! observation, kept loud until the next good one), an apply's dry run (which opens the
//! confirm dialog), a change's outcome (followed by a fresh observation), a step's journal
//! rows and an export's result. Only state changes here; no I/O.
use super::confirm::StepConfirm;
use crate::migrate::StepPlan;
use crate::tui::state::{Overlay, State};
use crate::tui::tasks::{ChecklistMsg, MigrationChange, StepRequest};

impl State {
    pub(crate) fn on_checklist(&mut self, m: ChecklistMsg) {
        match m {
            ChecklistMsg::Observed(r) => {
                let c = &mut self.checklist;
                c.observing = false;
                match r {
                    Ok(board) => {
                        c.error = None;
                        c.error_at = None;
                        // Each warning once in the Log pane (the pane shows the first).
                        let known = c
                            .board
                            .as_ref()
                            .map(|b| b.warnings.clone())
                            .unwrap_or_default();
                        let new: Vec<String> = board
                            .warnings
                            .iter()
                            .filter(|w| !known.contains(w))
                            .cloned()
                            .collect();
                        c.set_board(*board);
                        c.read_at = Some(self.now);
                        for w in new {
                            self.log_note(format!("checklist: partial observation: {w}"));
                        }
                    }
                    Err(e) => {
                        self.log_note(format!("checklist: observation failed: {e}"));
                        let c = &mut self.checklist;
                        c.error = Some(e);
                        c.error_at = Some(self.now);
                    }
                }
                if std::mem::take(&mut self.checklist.again) {
                    self.checklist_observe();
                }
            }
            ChecklistMsg::Previewed(req, plan) => {
                self.checklist.busy = None;
                match plan {
                    Ok(p) => self.apply_dialog(req, p),
                    Err(e) => self
                        .set_status(true, format!("cannot plan {} at {}: {e}", req.step, req.ou)),
                }
            }
            ChecklistMsg::Done(change, r) => {
                self.checklist.busy = None;
                let what = change.describe();
                match r {
                    Ok(done) => {
                        if let (MigrationChange::Step(req), Some(p)) = (&change, done.plan) {
                            self.checklist.plan = Some((req.ou.clone(), req.step, p));
                        }
                        let state = done
                            .state
                            .map(|s| format!(": now {}", s.as_str()))
                            .unwrap_or_default();
                        let sent = if done.sent { " (sent to Google)" } else { "" };
                        let tail = done.messages.last().cloned().unwrap_or_default();
                        let text = format!("{what}{sent}{state}. {tail}");
                        self.log_note(format!("checklist: {text}"));
                        self.set_status(false, text);
                    }
                    Err(e) => {
                        let text = format!("{what} failed: {e}");
                        self.log_note(format!("checklist: {text}"));
                        self.set_status(true, text.replace('\n', " "));
                    }
                }
                self.checklist_observe();
                if let Some((ou, step)) = self.checklist.detail.clone() {
                    self.push_task(crate::tui::tasks::Task::Checklist(
                        crate::tui::tasks::ChecklistTask::Journal { ou, step },
                    ));
                }
            }
            ChecklistMsg::Journal { ou, step, rows } => {
                if self.checklist.detail.as_ref() == Some(&(ou.clone(), step)) {
                    self.checklist.journal = Some(super::state::StepJournal { ou, step, rows });
                }
            }
            ChecklistMsg::Exported {
                path,
                count,
                result,
            } => match result {
                Ok(()) => self.set_status(
                    false,
                    format!("exported {count} users left behind to {}", path.display()),
                ),
                Err(e) => {
                    self.set_status(true, format!("export to {} failed: {e}", path.display()))
                }
            },
        }
        self.mark_dirty();
    }

    /// An apply's dry run: the dialog when there is something to send, else why not.
    fn apply_dialog(&mut self, req: StepRequest, plan: StepPlan) {
        let (ou, step) = (req.ou.clone(), req.step);
        let (count, noun) = match &plan {
            StepPlan::NotApplicable { why } => {
                return self.set_status(true, format!("{step} at {ou}: not applicable: {why}"))
            }
            StepPlan::Policy { noop: true, .. } => {
                return self.set_status(
                    false,
                    format!("{step} at {ou}: already in place; nothing to send (v verifies)"),
                )
            }
            StepPlan::Manual { console_path, .. } => {
                return self.set_status(
                    true,
                    format!("{step} has no API: do it in the Admin console ({console_path}), then t to attest"),
                )
            }
            StepPlan::Users { left_behind } => {
                return self.set_status(
                    true,
                    format!("{step} is done by users ({} left at {ou}): u lists them", left_behind.len()),
                )
            }
            StepPlan::Block { change } if change.devices.is_empty() => {
                return self.set_status(
                    false,
                    format!("sweep at {ou}: no Google Sync device still syncing; nothing to block"),
                )
            }
            StepPlan::Policy { change, .. } => (change.reach.users, "users"),
            StepPlan::Block { change } => (change.devices.len(), "devices"),
        };
        if self.overlay != Overlay::None {
            // Another dialog is open: never replace what the admin is reading.
            return self.set_status(
                true,
                format!("plan for {step} at {ou} ready; close the dialog and press a again"),
            );
        }
        let readonly = self.profile.readonly;
        let typed = if readonly {
            None
        } else {
            self.typed_for(count)
        };
        let title = if readonly {
            format!("dry run (read-only): apply {step} at {ou}")
        } else {
            format!("apply {step} at {ou}")
        };
        self.overlay = Overlay::ConfirmStep(Box::new(StepConfirm {
            change: MigrationChange::Step(req),
            title,
            plan: Some(plan),
            lines: Vec::new(),
            count,
            noun,
            typed,
            reason: None,
            readonly,
        }));
    }
}
