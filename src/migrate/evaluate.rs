//! Bringing stored step states up to date: first recover steps a crashed offsync left claimed
//! (through the change engine's reconcile), then run verification over every OU of the migration and store what it concluded.
use chrono::{DateTime, Utc};

use super::observe::{observe, Observed};
use super::{Migrator, Result};
use crate::change::{Plan, TargetState};
use crate::migration::audit;
use crate::migration::verify::{assess, VerifyConfig};
use crate::migration::{RestrictionShape, StepId, StepRecord, StepState, IOS_CLIENT_ID};
use crate::store::{Claim, Outcome};

impl Migrator {
    pub fn verify_config(&self) -> VerifyConfig {
        let s = &self.settings;
        VerifyConfig {
            window: s.propagation_window,
            quiet: s.quiet_window,
            restrict_to: (s.imap_restrict_to_ios
                && s.imap_restriction_shape != RestrictionShape::None)
                .then(|| IOS_CLIENT_ID.to_string()),
        }
    }

    /// Observes, recovers interrupted applies, and verifies every step of every migration OU.
    pub async fn observe_ready(&self) -> Result<Observed> {
        let mut obs = observe(self).await?;
        let notes = self.recover(&mut obs).await?;
        obs.warnings.extend(notes);
        self.evaluate(&mut obs)?;
        Ok(obs)
    }

    /// Verifies every applicable step of every migration OU and stores the result. Steps
    /// another process is applying right now are left alone.
    pub fn evaluate(&self, obs: &mut Observed) -> Result<()> {
        let cfg = self.verify_config();
        let mut store = self.store()?;
        let claimed: Vec<(String, StepId)> =
            obs.claims.iter().map(|c| (c.ou.clone(), c.step)).collect();
        for ou in obs.migration_ous() {
            if !obs.has_ou(&ou) {
                obs.warnings.push(format!(
                    "{ou} is in the migration plan but not in the directory (renamed or deleted?)"
                ));
                continue;
            }
            let decl = obs.decl(&ou);
            let imap = obs.imap.effective(&ou);
            let trust = obs.trust.effective(&ou);
            for &step in decl.path.steps() {
                if claimed.contains(&(ou.clone(), step)) {
                    continue;
                }
                let rec = obs.record(&ou, step);
                let mut a = {
                    let view = obs.view(&ou, &imap, &trust);
                    assess(step, &rec, &view, &cfg, obs.now)
                };
                // A documented console change in the audit log backs an attestation: shown,
                // never verifying. (An API write has its own journal entry.)
                let attested = matches!(rec.state, StepState::Attested | StepState::Flagged);
                if let Some(at) = rec.changed_at.filter(|_| attested) {
                    let since = at - cfg.window;
                    a.evidence
                        .extend(audit::evidence(step, &ou, &obs.audit, since));
                }
                let applies = decl.applies(step);
                let now = obs.now;
                let (rec, ()) = store.migration().update_step(&ou, step, now, |r| {
                    if applies {
                        r.conclude(now, a);
                    } else {
                        r.not_applicable(now, "iOS automatic push needs advanced mobile management (declare it with `offsync declare OU --management advanced`)");
                    }
                    Ok(())
                })?;
                obs.records.insert((ou.clone(), step), rec);
            }
        }
        Ok(())
    }

    /// Resolves claims left by an offsync that is gone, through the change engine: the
    /// claim names the batch its write was journaled as, and reconciling that batch reads
    /// the policy back. Applied: the step is applied, once. Provably not applied: the batch
    /// is closed (nothing resends it) and the step stays planned. Unknown (a policy read may
    /// lag a write): the claim stays, so nobody sends the step again, and the next
    /// observation reads again.
    async fn recover(&self, obs: &mut Observed) -> Result<Vec<String>> {
        let mut notes = Vec::new();
        let stale: Vec<Claim> = obs
            .claims
            .iter()
            .filter(|c| !holder_alive(&c.claimant, &self.claimant, c.since, obs.now))
            .cloned()
            .collect();
        let mut still_held = Vec::new();
        for c in stale {
            let mut rec = obs.record(&c.ou, c.step);
            let (ou, step) = (c.ou.as_str(), c.step);
            let release = match (c.batch, c.journal_entry) {
                (Some(batch), _) => {
                    self.recover_batch(&c, batch, &mut rec, obs.now, &mut notes)
                        .await?
                }
                (None, Some(id)) => {
                    // Written by an offsync from before change batches: its outcome is unknown.
                    let store = self.store()?;
                    store.journal().set_outcome(
                        id,
                        &Outcome::Failed(
                            "interrupted; outcome unknown, verification reads the policy again"
                                .into(),
                        ),
                    )?;
                    notes.push(format!(
                        "recovered {ou} {step}: interrupted (journal {id}); verification decides"
                    ));
                    true
                }
                (None, None) => {
                    notes.push(format!(
                        "recovered {ou} {step}: interrupted before anything was journaled or sent"
                    ));
                    true
                }
            };
            if release {
                self.store()?
                    .migration()
                    .recover(&rec, &c.claimant, obs.now)?;
                obs.records.insert((c.ou.clone(), c.step), rec);
            } else {
                still_held.push(c);
            }
        }
        obs.claims.retain(|c| {
            holder_alive(&c.claimant, &self.claimant, c.since, obs.now) || still_held.contains(c)
        });
        Ok(notes)
    }

    /// Reconciles the batch of a stale claim and updates `rec`; true when the claim can go.
    async fn recover_batch(
        &self,
        c: &Claim,
        batch: i64,
        rec: &mut StepRecord,
        now: DateTime<Utc>,
        notes: &mut Vec<String>,
    ) -> Result<bool> {
        let (ou, step) = (c.ou.as_str(), c.step);
        let engine = self.engine()?;
        let (status, states) = engine.reconcile_one(batch).await?;
        let plan: Option<Plan> = serde_json::from_str(&status.batch.plan).ok();
        if step == StepId::Sweep {
            notes.push(format!(
                "recovered {ou} sweep: interrupted; {} (`offsync act --resume {batch} --yes` sends the blocks not applied); verification reads the devices again",
                status.describe()
            ));
            return Ok(true);
        }
        let (Some(plan), Some(state)) = (plan, states.first()) else {
            notes.push(format!(
                "recovered {ou} {step}: change batch {batch} holds no policy write this offsync can read; verification decides"
            ));
            return Ok(true);
        };
        let target = &plan.targets[0];
        let since = c.since.unwrap_or(now);
        match state {
            TargetState::Applied if plan.step.as_ref().is_some_and(|c| c.undo) => {
                // An undo that landed: the step starts over, as after an uninterrupted undo.
                *rec = StepRecord::new(ou, step);
                notes.push(format!("recovered {ou} {step}: the interrupted undo (change batch {batch}) reads back as written: applied once; the step starts over"));
                Ok(true)
            }
            TargetState::Applied => {
                let created = match target.request.method.as_str() {
                    "POST" => crate::change::policy_send::current(&self.clients, target)
                        .await
                        .ok()
                        .flatten()
                        .map(|p| p.name),
                    _ => None,
                };
                let previous = serde_json::from_str::<serde_json::Value>(&target.before)
                    .ok()
                    .filter(|v| !v.is_null());
                if rec
                    .applied(since, self.settings.propagation_window, created, previous)
                    .is_err()
                {
                    notes.push(format!("recovered {ou} {step}: change batch {batch} was applied, but the step is {} now", rec.state.as_str()));
                }
                notes.push(format!("recovered {ou} {step}: the interrupted write (change batch {batch}) reads back as written: applied once"));
                Ok(true)
            }
            TargetState::Failed(why) => {
                rec.apply_failed(now, why.clone());
                notes.push(format!(
                    "recovered {ou} {step}: the write of change batch {batch} failed: {why}"
                ));
                Ok(true)
            }
            TargetState::NotSent | TargetState::NotApplied => {
                // Closed, so `act --resume` never sends it behind the step's back.
                if status.batch.closed.is_none() {
                    engine.abandon(batch).await?;
                }
                notes.push(format!("recovered {ou} {step}: the interrupted write (change batch {batch}) did not land; the step stays planned"));
                Ok(true)
            }
            TargetState::Interrupted | TargetState::Unknown(_) if status.batch.closed.is_some() => {
                notes.push(format!("recovered {ou} {step}: change batch {batch} was abandoned before its outcome was known; verification reads the policy again"));
                Ok(true)
            }
            TargetState::Interrupted | TargetState::Unknown(_) => {
                let why = match state {
                    TargetState::Unknown(w) => w.clone(),
                    _ => "not read back yet".into(),
                };
                notes.push(format!("{ou} {step}: the interrupted write (change batch {batch}) is unknown so far: {why}. The step stays claimed, so nothing is sent twice; offsync reads it again at the next status or verify"));
                Ok(false)
            }
        }
    }
}

/// A claim's holder is alive if it is this process, or a live process on this host; a holder
/// on another host is trusted for 15 minutes.
fn holder_alive(holder: &str, me: &str, since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    if holder == me {
        return true;
    }
    let (host, pid) = holder.rsplit_once(':').unwrap_or((holder, ""));
    let my_host = me.rsplit_once(':').map(|(h, _)| h).unwrap_or(me);
    if host == my_host && cfg!(target_os = "linux") {
        return !pid.is_empty() && std::path::Path::new(&format!("/proc/{pid}")).exists();
    }
    since.is_some_and(|s| now - s < chrono::Duration::minutes(15))
}
