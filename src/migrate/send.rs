//! Sending a step's change: claim the step, journal the change as a batch of the change
//! engine (the claim names the batch), send it, record the outcome, release the claim; then
//! read back. Policy writes, the sweep's blocks and undo all go through the same engine.
use super::facts;
use super::observe::Observed;
use super::ops::{StepOutcome, StepPlan};
use super::{MigrateError, Migrator, Result};
use crate::migration::plan::{self, BlockChange, IMAP_SETTING};
use crate::migration::{PolicyChange, StepId, StepKind, StepRecord, TransitionError};
use std::sync::{Arc, Mutex};

use crate::change::{ChangeError, Engine, Planner, StepContext};
use crate::model::DeviceAction;

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
            messages: obs
                .warnings
                .iter()
                .map(|w| format!("warning: {w}"))
                .collect(),
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
            // Nothing synced after the cut-off (or sync-off has none yet): no batch to send,
            // and the step's state is the verification's, not an apply's.
            StepPlan::Block { change } if change.devices.is_empty() => {
                out.messages.push(format!(
                    "no unblocked Google Sync device of {ou} synced after the cut-off: nothing to block"
                ));
                return Ok(out);
            }
            _ if !yes => {
                if let Some(p) = out.plan.as_mut() {
                    self.add_user_imap(&obs, p).await;
                }
                out.messages.push("dry run: add --yes to send this".into());
                return Ok(out);
            }
            _ if self.readonly => return Err(MigrateError::Google(crate::google::Error::ReadOnly { what: format!("apply {step} at {ou}") })),
            StepPlan::Policy { request, .. } => {
                out.record = self.send_policy_step(&obs, *request, reason, &mut out.messages).await?;
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

    /// The change engine over this migration's database.
    pub(super) fn engine(&self) -> Result<Engine> {
        Ok(Engine::new(
            Ok(self.clients.clone()),
            Some(Arc::new(Mutex::new(self.store()?))),
        ))
    }

    pub(super) fn planner(&self) -> Planner {
        Planner {
            profile: self.profile.clone(),
            customer_id: self.clients.profile.customer_id.clone(),
            actor: self.actor.clone(),
        }
    }

    /// The engine's plan of one policy write, with the migration facts it journals.
    pub(super) fn policy_plan(
        &self,
        change: &PolicyChange,
        at: chrono::DateTime<chrono::Utc>,
    ) -> crate::change::Plan {
        let context = StepContext {
            step: change.step.as_str().to_string(),
            reason: None,
            read_lag_secs: self.settings.propagation_window.num_seconds(),
            undo: false,
        };
        self.planner().cloud_identity_policy(change, context, at)
    }

    /// Claim → journal (batch, named by the claim) → send → outcome → release, for one
    /// policy write planned as `plan`.
    async fn send_policy_step(
        &self,
        obs: &Observed,
        mut plan: crate::change::Plan,
        reason: Option<&str>,
        msgs: &mut Vec<String>,
    ) -> Result<StepRecord> {
        let target = plan
            .targets
            .first()
            .cloned()
            .ok_or_else(|| MigrateError::Refused("the plan has no policy write".into()))?;
        let (ou, now) = (target.org_unit.clone().unwrap_or_default(), obs.now);
        let step = plan
            .step
            .as_ref()
            .and_then(|c| StepId::parse(&c.step))
            .ok_or_else(|| MigrateError::Refused("the plan names no migration step".into()))?;
        if let Some(c) = plan.step.as_mut() {
            c.reason = reason.map(String::from);
        }
        let (mut store, mut rec) = self.plan_and_claim(&ou, step, now)?;
        let explicit_before = obs.imap.0.get(&ou).map(|s| s.value.clone());
        let engine = self.engine()?;
        let batch = match engine.journal(&plan).await {
            Ok(b) => b,
            Err(e) => {
                // Nothing was journaled or sent (read-only, journal error): give the step back.
                store.migration().release(&rec, &self.claimant, now)?;
                return Err(e.into());
            }
        };
        if let Some(b) = batch {
            store
                .migration()
                .set_claim_batch(&ou, step, &self.claimant, b)?;
        }
        let report = match engine.send_all(batch, &plan, |_| {}).await {
            Ok(r) => r,
            Err(e) => {
                // Refused before any request: close the batch so nothing resends it.
                if let Some(b) = batch {
                    let _ = engine.abandon(b).await;
                }
                store.migration().release(&rec, &self.claimant, now)?;
                return Err(e.into());
            }
        };
        let batch_text = batch
            .map(|b| format!("change batch {b}"))
            .unwrap_or_else(|| "not journaled".into());
        match (report.operations.first(), report.failed.first()) {
            (Some((_, applied)), _) => {
                rec.applied(
                    now,
                    self.settings.propagation_window,
                    applied.created.clone(),
                    explicit_before,
                )?;
                msgs.push(format!("sent ({}); {batch_text}", applied.operation));
            }
            (None, Some((_, failure))) => {
                let why = failure.to_string();
                if matches!(&**failure, ChangeError::Google(e) if crate::change::policy::is_not_mutable(e))
                {
                    rec.needs_manual(now, format!("Google does not accept this setting through the API ({why}); set it in the Admin console: {}, then `offsync step {ou} {step} attest`", step.console_path()));
                    msgs.push(format!(
                        "Google refused the API write ({batch_text}): this is now a guided console step"
                    ));
                } else {
                    rec.apply_failed(now, why.clone());
                    msgs.push(format!(
                        "failed (attempt {} of {}; {batch_text}): {why}",
                        rec.attempts, self.settings.max_attempts
                    ));
                }
            }
            (None, None) => {
                return Err(MigrateError::Refused(format!(
                    "the change engine sent nothing for {ou} {step} ({batch_text}); nothing was recorded as applied"
                )))
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
        let plan = self.planner().devices(DeviceAction::Block, devices, now);
        let engine = self.engine()?;
        let report = match engine.journal(&plan).await {
            Ok(b) => {
                if let Some(b) = b {
                    store
                        .migration()
                        .set_claim_batch(ou, step, &self.claimant, b)?;
                }
                engine.send_all(b, &plan, |_| {}).await
            }
            Err(e) => Err(e),
        };
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
        facts::journal_fact(
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
        let mut request = self.policy_plan(&change, obs.now);
        if let Some(c) = request.step.as_mut() {
            c.undo = true;
        }
        let mut out = StepOutcome {
            record: rec,
            plan: Some(StepPlan::Policy {
                change: Box::new(change.clone()),
                request: Box::new(request.clone()),
                noop: false,
                notes: vec!["undo".into()],
                user_imap: None,
            }),
            messages: obs
                .warnings
                .iter()
                .map(|w| format!("warning: {w}"))
                .collect(),
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
            .send_policy_step(&obs, request, reason.or(Some("undo")), &mut out.messages)
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
