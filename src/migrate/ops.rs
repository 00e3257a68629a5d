//! `offsync step OU STEP ACTION`: plan, apply, attest, verify, retry, skip and undo one step
//! at one OU. Every action starts from a fresh observation (and recovery), so what is shown
//! and what is sent are computed from the same state.
use serde::Serialize;

use super::apply::{self, Sent, NO_GAM};
use super::observe::Observed;
use super::{MigrateError, Migrator, Result};
use crate::migration::funnel::UserRow;
use crate::migration::plan::{self, BlockChange, IMAP_SETTING};
use crate::migration::verify::sweep_targets;
use crate::migration::{
    Evidence, EvidenceKind, ImapValue, PolicyChange, RestrictionShape, Skip, SkipKind, StepId,
    StepKind, StepRecord, TransitionError, IOS_CLIENT_ID,
};
use crate::store::{ChangeRow, Outcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepAction {
    Plan,
    Apply,
    Attest,
    Verify,
    Retry,
    Skip,
    Undo,
}

impl StepAction {
    pub fn parse(s: &str) -> Option<StepAction> {
        Some(match s {
            "plan" => StepAction::Plan,
            "apply" => StepAction::Apply,
            "attest" => StepAction::Attest,
            "verify" => StepAction::Verify,
            "retry" => StepAction::Retry,
            "skip" => StepAction::Skip,
            "undo" => StepAction::Undo,
            _ => return None,
        })
    }
}

/// What a step would do: shown by `plan`, and by `apply` without `--yes`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepPlan {
    Policy {
        change: PolicyChange,
        /// The OU already has the target value (explicitly or inherited): nothing to send.
        noop: bool,
        notes: Vec<String>,
    },
    Block { change: BlockChange },
    Manual { console_path: String, how_verified: String },
    Users { left_behind: Vec<UserRow> },
    NotApplicable { why: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct StepOutcome {
    pub record: StepRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<StepPlan>,
    /// What happened, in order, for the admin.
    pub messages: Vec<String>,
    /// True when something was sent to Google.
    pub sent: bool,
}

/// The value a policy step writes.
fn target(m: &Migrator, step: StepId) -> serde_json::Value {
    let s = &m.settings;
    let restrict = s.imap_restrict_to_ios.then_some(IOS_CLIENT_ID);
    ImapValue::encode(step == StepId::Imap, restrict, s.imap_restriction_shape)
}

impl Migrator {
    pub async fn plan_for(&self, obs: &Observed, ou: &str, step: StepId) -> Result<StepPlan> {
        let decl = obs.decl(ou);
        if !decl.applies(step) {
            return Ok(StepPlan::NotApplicable {
                why: if decl.path.steps().contains(&step) {
                    "iOS automatic push needs advanced mobile management; declare it with `offsync declare OU --management advanced`".into()
                } else {
                    format!("{ou} follows the {} path, which has no {step} step", decl.path.as_str())
                },
            });
        }
        Ok(match step.kind() {
            StepKind::PolicyApi => {
                let ou_id = obs.tree.id_of(ou).ok_or_else(|| MigrateError::NoSuchOu(ou.into()))?;
                let after = target(self, step);
                let change = plan::policy_change(step, ou, ou_id, IMAP_SETTING, &obs.imap, obs.tree.paths(), after.clone(), &obs.inventory.users, &obs.inventory.devices);
                let noop = change.before.value().is_some_and(|v| ImapValue::decode(v) == ImapValue::decode(&after));
                let mut notes = Vec::new();
                if let Some(v) = change.before.value() {
                    if noop {
                        notes.push(format!("already in place ({}): nothing to send", change.before.describe()));
                    } else if !matches!(change.before, crate::migration::Effective::Explicit { .. }) {
                        notes.push(format!("{ou} inherits {v} ({}); offsync creates an explicit policy at {ou}", change.before.describe()));
                    }
                }
                if step == StepId::Imap && self.settings.imap_restrict_to_ios {
                    if self.settings.imap_restriction_shape == RestrictionShape::None {
                        notes.push(format!("the client restriction has no API field (imap_restriction_shape = none): after apply, set \"Restrict which mail clients users can use\" to {IOS_CLIENT_ID} in the console"));
                    }
                    notes.extend(self.other_imap_clients(obs, &change.reach.ous).await);
                }
                StepPlan::Policy { change, noop, notes }
            }
            StepKind::DeviceActions => {
                let (imap, trust) = (obs.imap.effective(ou), obs.trust.effective(ou));
                let view = obs.view(ou, &imap, &trust);
                StepPlan::Block { change: plan::block_change(ou, &sweep_targets(&view)) }
            }
            StepKind::Console => StepPlan::Manual {
                console_path: step.console_path().into(),
                how_verified: step.how_verified().into(),
            },
            StepKind::Users => StepPlan::Users {
                left_behind: obs
                    .funnel
                    .iter()
                    .filter(|u| crate::model::OuPath::is_within(&u.ou, ou) && u.funnel.is_left_behind() && !u.acknowledged)
                    .cloned()
                    .collect(),
            },
        })
    }

    /// Runs one action on one step. `apply`/`undo` without `yes` only return the plan.
    pub async fn step(&self, ou: &str, step: StepId, action: StepAction, reason: Option<&str>, skip_kind: SkipKind, yes: bool) -> Result<StepOutcome> {
        let obs = self.observe_ready().await?;
        if !obs.has_ou(ou) {
            return Err(MigrateError::NoSuchOu(ou.into()));
        }
        let now = obs.now;
        let window = self.settings.propagation_window;
        let mut out = StepOutcome { record: obs.record(ou, step), plan: None, messages: Vec::new(), sent: false };
        let mut store = self.store()?;
        match action {
            StepAction::Plan => {
                let p = self.plan_for(&obs, ou, step).await?;
                if matches!(step.kind(), StepKind::PolicyApi | StepKind::DeviceActions) && !matches!(p, StepPlan::Policy { noop: true, .. } | StepPlan::NotApplicable { .. }) {
                    let (rec, ()) = store.migration().update_step(ou, step, now, |r| r.plan(now))?;
                    out.record = rec;
                    apply::journal_fact(&mut store, self, now, "migration.plan", ou, step.as_str(), reason)?;
                }
                out.plan = Some(p);
            }
            StepAction::Apply => return self.apply(obs, ou, step, reason, yes).await,
            StepAction::Undo => return self.undo(obs, ou, step, reason, yes).await,
            StepAction::Attest => {
                let manual = step.kind() == StepKind::Console || (step.kind() == StepKind::PolicyApi && out.record.state == crate::migration::StepState::NeedsManual);
                if !manual {
                    return Err(MigrateError::Refused(format!("{step} is not a console step; offsync {} and verifies it (`offsync step {ou} {step} verify`)", if step == StepId::ReAdd { "tracks users for it" } else { "applies it through the API" })));
                }
                let who = &self.actor;
                let e = Evidence::new(EvidenceKind::Attestation, now, true, format!("{who} attests: {} done at {ou}{}", step.console_path(), reason.map(|r| format!(" ({r})")).unwrap_or_default()));
                let (rec, ()) = store.migration().update_step(ou, step, now, |r| r.attest(now, window, e))?;
                apply::journal_fact(&mut store, self, now, "migration.attest", ou, step.as_str(), reason)?;
                out.messages.push(format!("attested; offsync verifies it: {}", step.how_verified()));
                out.record = rec;
            }
            StepAction::Verify => out.messages.push(format!("verified from fresh data: {}", step.how_verified())),
            StepAction::Retry => {
                let (rec, ()) = store.migration().update_step(ou, step, now, |r| r.retry(now))?;
                apply::journal_fact(&mut store, self, now, "migration.retry", ou, step.as_str(), reason)?;
                out.record = rec;
                out.messages.push("planned again; `apply --yes` sends it".into());
            }
            StepAction::Skip => {
                let skip = Skip { kind: skip_kind, reason: reason.unwrap_or_default().to_string() };
                let (rec, ()) = store.migration().update_step(ou, step, now, |r| r.skip(now, skip))?;
                apply::journal_fact(&mut store, self, now, "migration.skip", ou, step.as_str(), reason)?;
                out.record = rec;
            }
        }
        Ok(out)
    }

    async fn apply(&self, obs: Observed, ou: &str, step: StepId, reason: Option<&str>, yes: bool) -> Result<StepOutcome> {
        let plan = self.plan_for(&obs, ou, step).await?;
        let now = obs.now;
        let mut out = StepOutcome { record: obs.record(ou, step), plan: Some(plan.clone()), messages: Vec::new(), sent: false };
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
        out.messages.push(format!("read back at {}: {}", now.to_rfc3339(), out.record.state.as_str()));
        Ok(out)
    }

    /// Claim → journal → send → outcome → release, for one policy change.
    async fn send_policy_step(&self, obs: &Observed, change: &PolicyChange, reason: Option<&str>, msgs: &mut Vec<String>) -> Result<StepRecord> {
        let (ou, step, now) = (change.ou.as_str(), change.step, obs.now);
        let mut store = self.store()?;
        store.migration().update_step(ou, step, now, |r| match r.state {
            crate::migration::StepState::Planned | crate::migration::StepState::Failed => Ok(()),
            _ => r.plan(now),
        })?;
        let mut rec = store.migration().claim(ou, step, &self.claimant, None, self.settings.max_attempts, now)?;
        let explicit_before = obs.imap.0.get(ou).map(|s| s.value.clone());
        let action = match change.method {
            crate::migration::PolicyMethod::Create { .. } => "policy.create",
            crate::migration::PolicyMethod::Patch { .. } => "policy.patch",
            crate::migration::PolicyMethod::Delete { .. } => "policy.delete",
        };
        let id = apply::journal_planned(&mut store, self, now, action, &format!("{ou} {step}"), &apply::request_line(change), NO_GAM, ChangeRow {
            journal_id: 0,
            ou: ou.into(),
            step: step.as_str().into(),
            before: explicit_before.as_ref().map(|v| v.to_string()),
            after: change.after.as_ref().map(|v| v.to_string()),
            reason: reason.map(String::from),
            operation: None,
        }, false)?;
        store.migration().set_claim_entry(ou, step, &self.claimant, id)?;
        let sent = match apply::send_policy(self, change).await {
            Ok(s) => s,
            Err(e) => {
                // Nothing was sent (read-only refusal): give the step back untouched.
                store.journal().set_outcome(id, &Outcome::Failed(e.to_string()))?;
                store.migration().release(&rec, &self.claimant, now)?;
                return Err(e);
            }
        };
        match sent {
            Sent::Accepted { operation, created } => {
                store.journal().set_outcome(id, &Outcome::Succeeded)?;
                store.migration().set_operation(id, &operation)?;
                rec.applied(now, self.settings.propagation_window, created, explicit_before)?;
                msgs.push(format!("sent ({operation}); journal entry {id}"));
            }
            Sent::NotMutable(why) => {
                store.journal().set_outcome(id, &Outcome::Failed(why.clone()))?;
                rec.needs_manual(now, format!("Google does not accept this setting through the API ({why}); set it in the Admin console: {}, then `offsync step {ou} {step} attest`", step.console_path()));
                msgs.push("Google refused the API write: this is now a guided console step".into());
            }
            Sent::Failed(why) => {
                store.journal().set_outcome(id, &Outcome::Failed(why.clone()))?;
                rec.apply_failed(now, why.clone());
                msgs.push(format!("failed (attempt {} of {}): {why}", rec.attempts, self.settings.max_attempts));
            }
        }
        store.migration().release(&rec, &self.claimant, now)?;
        Ok(rec)
    }

    async fn send_sweep(&self, obs: &Observed, change: &BlockChange, msgs: &mut Vec<String>) -> Result<StepRecord> {
        let (ou, step, now) = (change.ou.as_str(), StepId::Sweep, obs.now);
        let mut store = self.store()?;
        store.migration().update_step(ou, step, now, |r| match r.state {
            crate::migration::StepState::Planned | crate::migration::StepState::Failed => Ok(()),
            _ => r.plan(now),
        })?;
        let mut rec = store.migration().claim(ou, step, &self.claimant, None, self.settings.max_attempts, now)?;
        let mut failures = Vec::new();
        for (rid, owner) in &change.devices {
            let request = format!("POST admin/directory/v1/customer/{}/devices/mobile/{rid}/action", self.clients.profile.customer_id);
            let id = apply::journal_planned(&mut store, self, now, "block", rid, &request, &format!("gam update mobile {rid} action block"), ChangeRow {
                journal_id: 0, ou: ou.into(), step: step.as_str().into(), before: None, after: Some("BLOCKED".into()), reason: Some(format!("final sweep: Google Sync device of {owner} still syncing")), operation: None,
            }, false)?;
            store.migration().set_claim_entry(ou, step, &self.claimant, id)?;
            match apply::send_block(self, rid).await? {
                None => store.journal().set_outcome(id, &Outcome::Succeeded)?,
                Some(why) => {
                    store.journal().set_outcome(id, &Outcome::Failed(why.clone()))?;
                    failures.push(format!("{rid}: {why}"));
                }
            }
        }
        if failures.is_empty() {
            rec.applied(now, self.settings.propagation_window, None, None)?;
            msgs.push(format!("blocked {} Google Sync devices", change.devices.len()));
        } else {
            rec.apply_failed(now, failures.join("; "));
            msgs.push(format!("{} of {} blocks failed", failures.len(), change.devices.len()));
        }
        store.migration().release(&rec, &self.claimant, now)?;
        Ok(rec)
    }

    async fn undo(&self, obs: Observed, ou: &str, step: StepId, reason: Option<&str>, yes: bool) -> Result<StepOutcome> {
        let rec = obs.record(ou, step);
        if step.kind() != StepKind::PolicyApi {
            return Err(MigrateError::Refused(format!("{step} cannot be undone through the API")));
        }
        let change = plan::undo_change(step, ou, IMAP_SETTING, &obs.imap, rec.created_policy.as_deref(), rec.previous_value.as_ref(), obs.tree.paths(), &obs.inventory.users, &obs.inventory.devices)
            .ok_or_else(|| MigrateError::Refused(format!("offsync made no change to {step} at {ou} that it can undo (no policy it created, no value it replaced)")))?;
        let mut out = StepOutcome { record: rec, plan: Some(StepPlan::Policy { change: change.clone(), noop: false, notes: vec!["undo".into()] }), messages: Vec::new(), sent: false };
        if !yes {
            out.messages.push("dry run: add --yes to undo".into());
            return Ok(out);
        }
        let now = obs.now;
        let mut store = self.store()?;
        // Undo re-plans the step: it is sent once through the same claim as an apply.
        store.migration().update_step(ou, step, now, |r| {
            *r = StepRecord { created_policy: r.created_policy.clone(), ..StepRecord::new(ou, step) };
            r.plan(now)
        })?;
        drop(store);
        let sent = self.send_policy_step(&obs, &change, reason.or(Some("undo")), &mut out.messages).await?;
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
