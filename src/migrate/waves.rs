//! The pilot and waves: adding them, evaluating the readiness guards over the stage that
//! gates a wave, overriding a guard with a typed reason, starting a wave. Also the per-OU
//! declarations and the per-user marks (acknowledged, reminded). Every change is journaled.
use serde::Serialize;

use super::facts;
use super::observe::Observed;
use super::{MigrateError, Migrator, Result};
use crate::migration::guard::{self, Stage};
use crate::migration::{
    GuardId, GuardOverride, GuardResult, OuDeclaration, OverrideKind, StepKind, UserRow, Wave,
};
use crate::model::OuPath;

/// A wave with the guards that gate it, as `wave list` and `status` show them.
#[derive(Debug, Clone, Serialize)]
pub struct WaveStatus {
    #[serde(flatten)]
    pub wave: Wave,
    /// The OUs whose readiness gates this wave (the pilot, or the wave before).
    pub gated_by: Vec<String>,
    pub guards: Vec<GuardResult>,
    /// Whether `wave start` would go ahead now (guards passed or overridden).
    pub ready: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<String>,
}

impl Migrator {
    /// The guards over `stage`.
    pub fn guards(&self, obs: &Observed, stage: &[String]) -> Vec<GuardResult> {
        let users: Vec<UserRow> = obs
            .funnel
            .iter()
            .filter(|u| stage.iter().any(|s| OuPath::is_within(&u.ou, s)))
            .cloned()
            .collect();
        guard::evaluate(
            &Stage {
                ous: stage,
                declarations: &obs.declarations,
                records: &obs.records,
                devices: &obs.inventory.devices,
                users: &users,
            },
            &self.settings.guards,
        )
    }

    pub fn wave_statuses(&self, obs: &Observed) -> Vec<WaveStatus> {
        obs.plan
            .waves
            .iter()
            .map(|w| {
                let gated_by = obs.plan.gating_stage(w.number).unwrap_or_default();
                let guards = self.guards(obs, &gated_by);
                let check = if w.started_at.is_some() {
                    Ok(())
                } else {
                    obs.plan.check_start(w.number, &guards)
                };
                WaveStatus {
                    wave: w.clone(),
                    gated_by,
                    ready: w.started_at.is_none() && check.is_ok(),
                    blocked: check.err().map(|e| e.to_string()),
                    guards,
                }
            })
            .collect()
    }

    fn require_ous(&self, obs: &Observed, ous: &[String]) -> Result<()> {
        match ous.iter().find(|o| !obs.has_ou(o)) {
            Some(o) => Err(MigrateError::NoSuchOu(o.clone())),
            None => Ok(()),
        }
    }

    pub async fn set_pilot(&self, ou: &str) -> Result<()> {
        let obs = self.observe_ready().await?;
        self.require_ous(&obs, &[ou.to_string()])?;
        let mut store = self.store()?;
        store.migration().set_pilot(ou, obs.now)?;
        facts::journal_fact(&mut store, self, obs.now, "migration.pilot", ou, "-", None)?;
        Ok(())
    }

    pub async fn add_wave(&self, ous: &[String]) -> Result<u32> {
        let obs = self.observe_ready().await?;
        self.require_ous(&obs, ous)?;
        if ous.is_empty() {
            return Err(MigrateError::Refused("a wave needs at least one OU".into()));
        }
        let mut store = self.store()?;
        let n = store.migration().add_wave(ous, obs.now)?;
        facts::journal_fact(
            &mut store,
            self,
            obs.now,
            "migration.wave.add",
            &ous.join(","),
            &format!("wave {n}"),
            None,
        )?;
        Ok(n)
    }

    pub async fn override_guard(
        &self,
        wave: u32,
        g: GuardId,
        kind: OverrideKind,
        reason: &str,
    ) -> Result<()> {
        if reason.trim().is_empty() {
            return Err(MigrateError::Refused(
                "an override needs --reason TEXT (it is journaled)".into(),
            ));
        }
        let obs = self.observe_ready().await?;
        obs.plan.wave(wave)?;
        let o = GuardOverride {
            guard: g,
            kind,
            reason: reason.into(),
            by: self.actor.clone(),
            at: obs.now,
        };
        let mut store = self.store()?;
        store.migration().add_override(wave, &o)?;
        facts::journal_fact(
            &mut store,
            self,
            obs.now,
            "migration.wave.override",
            &format!("wave {wave}"),
            g.as_str(),
            Some(reason),
        )?;
        Ok(())
    }

    /// Starts `wave` if its guards pass (or are overridden). Without `yes`, only checks.
    /// Starting plans the wave's API steps; nothing is sent to Google by the start itself.
    pub async fn start_wave(&self, wave: u32, yes: bool) -> Result<WaveStatus> {
        let obs = self.observe_ready().await?;
        let mut status = self
            .wave_statuses(&obs)
            .into_iter()
            .find(|w| w.wave.number == wave)
            .ok_or(crate::migration::WaveError::NoSuchWave(wave))?;
        obs.plan.check_start(wave, &status.guards)?;
        if !yes {
            return Ok(status);
        }
        let mut store = self.store()?;
        if !store.migration().start_wave(wave, obs.now)? {
            return Err(crate::migration::WaveError::AlreadyStarted(wave).into());
        }
        let waived: Vec<String> = status
            .guards
            .iter()
            .filter(|g| !g.passed)
            .map(|g| g.guard.as_str().to_string())
            .collect();
        let note =
            (!waived.is_empty()).then(|| format!("overridden guards: {}", waived.join(", ")));
        facts::journal_fact(
            &mut store,
            self,
            obs.now,
            "migration.wave.start",
            &status.wave.ous.join(","),
            &format!("wave {wave}"),
            note.as_deref(),
        )?;
        for ou in &status.wave.ous {
            let decl = obs.decl(ou);
            for &step in decl.path.steps() {
                if step.kind() == StepKind::PolicyApi && decl.applies(step) {
                    // Already verified or in flight: leave it; only fresh steps are planned.
                    let _ = store
                        .migration()
                        .update_step(ou, step, obs.now, |r| match r.state {
                            crate::migration::StepState::NotStarted => r.plan(obs.now),
                            _ => Ok(()),
                        });
                }
            }
        }
        status.wave.started_at = Some(obs.now);
        status.ready = false;
        Ok(status)
    }

    pub async fn declare(&self, d: OuDeclaration) -> Result<()> {
        let obs = self.observe_ready().await?;
        self.require_ous(&obs, std::slice::from_ref(&d.ou))?;
        let mut store = self.store()?;
        store.migration().declare(&d, obs.now)?;
        let what = format!(
            "path={} management={:?} emm={} emm_devices={}",
            d.path.as_str(),
            d.management,
            d.emm,
            d.emm_devices.len()
        );
        facts::journal_fact(
            &mut store,
            self,
            obs.now,
            "migration.declare",
            &d.ou,
            "-",
            Some(&what),
        )?;
        Ok(())
    }

    /// Marks users `acknowledged` (left behind on purpose) or `reminded`; journaled per user.
    pub async fn mark_users(
        &self,
        emails: &[String],
        mark: &str,
        note: Option<&str>,
    ) -> Result<usize> {
        if mark == "acknowledged" && note.is_none_or(|n| n.trim().is_empty()) {
            return Err(MigrateError::Refused(
                "acknowledging a user as left behind needs --reason TEXT".into(),
            ));
        }
        let obs = self.observe_ready().await?;
        if let Some(bad) = emails.iter().find(|e| {
            !obs.inventory
                .users
                .iter()
                .any(|u| u.primary_email.eq_ignore_ascii_case(e))
        }) {
            return Err(MigrateError::Refused(format!(
                "no user {bad} in the directory"
            )));
        }
        let mut store = self.store()?;
        for e in emails {
            store
                .migration()
                .mark_user(e, mark, &self.actor, note, obs.now)?;
            facts::journal_fact(
                &mut store,
                self,
                obs.now,
                &format!("migration.user.{mark}"),
                e,
                "-",
                note,
            )?;
        }
        Ok(emails.len())
    }
}
