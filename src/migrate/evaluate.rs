//! Bringing stored step states up to date: first recover steps a crashed offsync left claimed,
//! then run verification over every OU of the migration and store what it concluded.
use chrono::{DateTime, Utc};

use super::apply::landed;
use super::observe::{observe, Observed};
use super::{Migrator, Result};
use crate::migration::plan::IMAP_SETTING;
use crate::migration::verify::{assess, VerifyConfig};
use crate::migration::{RestrictionShape, StepId, StepKind, IOS_CLIENT_ID};
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
        let notes = self.recover(&mut obs)?;
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
                let a = {
                    let view = obs.view(&ou, &imap, &trust);
                    assess(step, &rec, &view, &cfg, obs.now)
                };
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

    /// Resolves claims left by an offsync that is gone: reads the policy back and records
    /// whether the interrupted write landed, so nothing is applied twice.
    fn recover(&self, obs: &mut Observed) -> Result<Vec<String>> {
        let mut notes = Vec::new();
        let mut store = self.store()?;
        let stale: Vec<Claim> = obs
            .claims
            .iter()
            .filter(|c| !holder_alive(&c.claimant, &self.claimant, c.since, obs.now))
            .cloned()
            .collect();
        for c in stale {
            let mut rec = obs.record(&c.ou, c.step);
            let row = match c.journal_entry {
                Some(id) => store.migration().change(id)?,
                None => None,
            };
            match (c.journal_entry, row) {
                (Some(id), Some(row)) if c.step.kind() == StepKind::PolicyApi => {
                    let after: Option<serde_json::Value> = row
                        .after
                        .as_deref()
                        .and_then(|a| serde_json::from_str(a).ok());
                    let at_ou = obs.imap.0.get(&c.ou).map(|s| s.value.clone());
                    let created = obs.imap.0.get(&c.ou).map(|s| s.policy.clone());
                    if landed(after.as_ref(), at_ou.as_ref()) {
                        store.journal().set_outcome(id, &Outcome::Succeeded)?;
                        let previous = row
                            .before
                            .as_deref()
                            .and_then(|b| serde_json::from_str(b).ok());
                        let since: DateTime<Utc> = c.since.unwrap_or(obs.now);
                        let was_create = row.before.is_none();
                        let _ = rec.applied(
                            since,
                            self.settings.propagation_window,
                            created.filter(|_| was_create),
                            previous,
                        );
                        notes.push(format!("recovered {} {}: the interrupted write (journal {id}) reads back as written: applied once", c.ou, c.step));
                    } else {
                        store.journal().set_outcome(id, &Outcome::Failed(format!("interrupted; {IMAP_SETTING} at {} reads back unchanged: not applied", c.ou)))?;
                        notes.push(format!("recovered {} {}: the interrupted write (journal {id}) did not land; the step stays planned", c.ou, c.step));
                    }
                }
                (Some(id), _) => {
                    // A sweep or a step without migration facts: record that the outcome is unknown.
                    let _ = store.journal().set_outcome(
                        id,
                        &Outcome::Failed(
                            "interrupted; outcome unknown, verify reads the devices again".into(),
                        ),
                    );
                    notes.push(format!(
                        "recovered {} {}: interrupted (journal {id}); verification decides",
                        c.ou, c.step
                    ));
                }
                (None, _) if c.step == StepId::Sweep => notes.push(format!(
                    "recovered {} sweep: interrupted; its block batch (if any) is reconciled by the change engine (`offsync act --resume N`), and verification reads the devices again",
                    c.ou
                )),
                (None, _) => notes.push(format!(
                    "recovered {} {}: interrupted before anything was journaled or sent",
                    c.ou, c.step
                )),
            }
            store.migration().recover(&rec, &c.claimant, obs.now)?;
            obs.records.insert((c.ou.clone(), c.step), rec);
        }
        obs.claims
            .retain(|c| holder_alive(&c.claimant, &self.claimant, c.since, obs.now));
        Ok(notes)
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
