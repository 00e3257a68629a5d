//! Sending a step's change: claim the step, journal the change, call Google, record the
//! outcome, release the claim; then read back. Also the sweep's blocks and undo.
use super::apply::{self, Sent, NO_GAM};
use super::observe::Observed;
use super::ops::{StepOutcome, StepPlan};
use super::{MigrateError, Migrator, Result};
use crate::migration::plan::{self, BlockChange, IMAP_SETTING};
use crate::migration::{PolicyChange, StepId, StepKind, StepRecord, TransitionError};
use std::sync::{Arc, Mutex};

use crate::change::{Engine, Planner};
use crate::model::DeviceAction;
use crate::store::{ChangeRow, Outcome};

impl Migrator {
    pub(super) async fn apply(
        &self,
        obs: Observed,
        ou: &str,
        step: StepId,
        reason: Option<&str>,
        yes: bool,
    ) -> Result<StepOutcome> {
        let plan = self.plan_for(&obs, ou, step).await?;
        let now = obs.now;
        let mut out = StepOutcome {
            record: obs.record(ou, step),
            plan: Some(plan.clone()),
            messages: Vec::new(),
            sent: false,
        };
        match plan {
            StepPlan::NotApplicable { why } => return Err(MigrateError::Refused(why)),
            StepPlan::Manual { console_path, .. } => return Err(MigrateError::Refused(format!("{step} has no API: do it in the Admin console ({console_path}), then `offsync step {ou} {step} attest`"))),
            StepPlan::Users { .. } => return Err(MigrateError::Refused(format!("{step} is done by users: `offsync users --left-behind --ou {ou}` lists them with instructions"))),
            StepPlan::Policy { noop: true, .. } => {
                out.messages.push("already in place: nothing sent".into());
                return Ok(out);
            }
            _ if !yes => {
                out.messages.push("dry run: add --yes to send this".into());
                return Ok(out);
            }
            _ if self.readonly => return Err(MigrateError::Google(crate::google::Error::ReadOnly { what: format!("apply {step} at {ou}") })),
            StepPlan::Policy { change, .. } => {
                out.record = self.send_policy_step(&obs, &change, reason, &mut out.messages).await?;
                out.sent = true;
            }
            StepPlan::Block { change } => {
                out.record = self.send_sweep(&obs, &change, &mut out.messages).await?;
                out.sent = true;
            }
        }
        // Read back at once: Discovery has no method to poll the returned operation.
        let obs = self.observe_ready().await?;
        out.record = obs.record(ou, step);
        out.messages.push(format!(
            "read back at {}: {}",
            now.to_rfc3339(),
            out.record.state.as_str()
        ));
        Ok(out)
    }

    /// Claim → journal → send → outcome → release, for one policy change.
    async fn send_policy_step(
        &self,
        obs: &Observed,
        change: &PolicyChange,
        reason: Option<&str>,
        msgs: &mut Vec<String>,
    ) -> Result<StepRecord> {
        let (ou, step, now) = (change.ou.as_str(), change.step, obs.now);
        let (mut store, mut rec) = self.plan_and_claim(ou, step, now)?;
        let explicit_before = obs.imap.0.get(ou).map(|s| s.value.clone());
        let action = match change.method {
            crate::migration::PolicyMethod::Create { .. } => "policy.create",
            crate::migration::PolicyMethod::Patch { .. } => "policy.patch",
            crate::migration::PolicyMethod::Delete { .. } => "policy.delete",
        };
        let id = apply::journal_planned(
            &mut store,
            self,
            now,
            apply::Call {
                action,
                target: &format!("{ou} {step}"),
                request: &apply::request_line(change),
                gam: NO_GAM,
            },
            ChangeRow {
                journal_id: 0,
                ou: ou.into(),
                step: step.as_str().into(),
                before: explicit_before.as_ref().map(|v| v.to_string()),
                after: change.after.as_ref().map(|v| v.to_string()),
                reason: reason.map(String::from),
                operation: None,
            },
        )?;
        store
            .migration()
            .set_claim_entry(ou, step, &self.claimant, id)?;
        let sent = match apply::send_policy(self, change).await {
            Ok(s) => s,
            Err(e) => {
                // Nothing was sent (read-only refusal): give the step back untouched.
                store
                    .journal()
                    .set_outcome(id, &Outcome::Failed(e.to_string()))?;
                store.migration().release(&rec, &self.claimant, now)?;
                return Err(e);
            }
        };
        match sent {
            Sent::Accepted { operation, created } => {
                store.journal().set_outcome(id, &Outcome::Succeeded)?;
                store.migration().set_operation(id, &operation)?;
                rec.applied(
                    now,
                    self.settings.propagation_window,
                    created,
                    explicit_before,
                )?;
                msgs.push(format!("sent ({operation}); journal entry {id}"));
            }
            Sent::NotMutable(why) => {
                store
                    .journal()
                    .set_outcome(id, &Outcome::Failed(why.clone()))?;
                rec.needs_manual(now, format!("Google does not accept this setting through the API ({why}); set it in the Admin console: {}, then `offsync step {ou} {step} attest`", step.console_path()));
                msgs.push("Google refused the API write: this is now a guided console step".into());
            }
            Sent::Failed(why) => {
                store
                    .journal()
                    .set_outcome(id, &Outcome::Failed(why.clone()))?;
                rec.apply_failed(now, why.clone());
                msgs.push(format!(
                    "failed (attempt {} of {}): {why}",
                    rec.attempts, self.settings.max_attempts
                ));
            }
        }
        store.migration().release(&rec, &self.claimant, now)?;
        Ok(rec)
    }

    /// Marks the step planned (a failed or planned step stays as it is) and claims it, so no
    /// other process sends it meanwhile. The same first move for every step that sends.
    fn plan_and_claim(
        &self,
        ou: &str,
        step: StepId,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(crate::store::Store, StepRecord)> {
        let mut store = self.store()?;
        store
            .migration()
            .update_step(ou, step, now, |r| match r.state {
                crate::migration::StepState::Planned | crate::migration::StepState::Failed => {
                    Ok(())
                }
                _ => r.plan(now),
            })?;
        let rec = store.migration().claim(
            ou,
            step,
            &self.claimant,
            None,
            self.settings.max_attempts,
            now,
        )?;
        Ok((store, rec))
    }

    async fn send_sweep(
        &self,
        obs: &Observed,
        change: &BlockChange,
        msgs: &mut Vec<String>,
    ) -> Result<StepRecord> {
        let (ou, step, now) = (change.ou.as_str(), StepId::Sweep, obs.now);
        let (mut store, mut rec) = self.plan_and_claim(ou, step, now)?;
        // The blocks go through the shared change engine: one plan (targets by resource ID
        // with their before-state), journaled whole as a batch, sent, each outcome journaled,
        // and an interrupted batch reconciled by `offsync act --resume`.
        // One index, not a scan of the inventory per swept device (100k × thousands).
        let by_id: std::collections::HashMap<&str, &crate::model::Device> = obs
            .inventory
            .devices
            .iter()
            .map(|d| (d.resource_id.as_str(), d))
            .collect();
        let devices: Vec<&crate::model::Device> = change
            .devices
            .iter()
            .filter_map(|(rid, _)| by_id.get(rid.as_str()).copied())
            .collect();
        let planner = Planner {
            profile: self.profile.clone(),
            customer_id: self.clients.profile.customer_id.clone(),
            actor: self.actor.clone(),
        };
        let plan = planner.devices(DeviceAction::Block, devices, now);
        let engine = Engine::new(
            Ok(self.clients.clone()),
            Some(Arc::new(Mutex::new(self.store()?))),
        );
        let report = engine.execute(&plan, |_| {}).await;
        let report = match report {
            Ok(r) => r,
            Err(e) => {
                store.migration().release(&rec, &self.claimant, now)?;
                return Err(e.into());
            }
        };
        let batch = report
            .batch_id
            .map(|b| format!("change batch {b}"))
            .unwrap_or_default();
        apply::journal_fact(
            &mut store,
            self,
            now,
            "migration.sweep",
            ou,
            step.as_str(),
            Some(&batch),
        )?;
        let failures: Vec<String> = report
            .failed
            .iter()
            .map(|(rid, why)| format!("{rid}: {why}"))
            .collect();
        if failures.is_empty() {
            rec.applied(now, self.settings.propagation_window, None, None)?;
            msgs.push(format!(
                "blocked {} Google Sync devices ({batch})",
                report.applied
            ));
        } else {
            rec.apply_failed(now, failures.join("; "));
            msgs.push(format!(
                "{} of {} blocks failed",
                failures.len(),
                change.devices.len()
            ));
        }
        store.migration().release(&rec, &self.claimant, now)?;
        Ok(rec)
    }

    pub(super) async fn undo(
        &self,
        obs: Observed,
        ou: &str,
        step: StepId,
        reason: Option<&str>,
        yes: bool,
    ) -> Result<StepOutcome> {
        let rec = obs.record(ou, step);
        if step.kind() != StepKind::PolicyApi {
            return Err(MigrateError::Refused(format!(
                "{step} cannot be undone through the API"
            )));
        }
        let change = plan::undo_change(step, ou, IMAP_SETTING, &obs.imap, rec.created_policy.as_deref(), rec.previous_value.as_ref(), obs.tree.paths(), &obs.inventory.users, &obs.inventory.devices)
            .ok_or_else(|| MigrateError::Refused(format!("offsync made no change to {step} at {ou} that it can undo (no policy it created, no value it replaced)")))?;
        let mut out = StepOutcome {
            record: rec,
            plan: Some(StepPlan::Policy {
                change: Box::new(change.clone()),
                noop: false,
                notes: vec!["undo".into()],
            }),
            messages: Vec::new(),
            sent: false,
        };
        if !yes {
            out.messages.push("dry run: add --yes to undo".into());
            return Ok(out);
        }
        let now = obs.now;
        let mut store = self.store()?;
        // Undo re-plans the step: it is sent once through the same claim as an apply.
        store.migration().update_step(ou, step, now, |r| {
            *r = StepRecord {
                created_policy: r.created_policy.clone(),
                ..StepRecord::new(ou, step)
            };
            r.plan(now)
        })?;
        drop(store);
        let sent = self
            .send_policy_step(&obs, &change, reason.or(Some("undo")), &mut out.messages)
            .await?;
        let mut store = self.store()?;
        // Undone: the step starts over (a failed undo stays failed, with its reason).
        let (rec, ()) = store.migration().update_step(ou, step, now, |r| {
            if sent.state == crate::migration::StepState::PendingPropagation {
                *r = StepRecord::new(ou, step);
            }
            Ok::<(), TransitionError>(())
        })?;
        out.record = rec;
        out.sent = true;
        Ok(out)
    }
}
