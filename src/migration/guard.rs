//! Readiness guards: what must be true of a finished stage (the pilot, or the previous
//! wave) before the next wave starts. Each result names exactly what blocks: the OU and step,
//! the device and its owner, the user and their last sync.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::funnel::UserRow;
use super::state::StepRecord;
use super::step::{OuDeclaration, StepId};
use crate::model::{Device, OuPath};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GuardId {
    /// Every applicable step of the stage's OUs is verified (or skipped / not applicable).
    StepsVerified,
    /// No Google Sync device of the stage synced after sync-off became effective.
    NoSyncAfterCutoff,
    /// Every user has a replacement (native Google account or Gmail app) or is acknowledged.
    UsersReplaced,
}

impl GuardId {
    pub const ALL: [GuardId; 3] = [
        GuardId::StepsVerified,
        GuardId::NoSyncAfterCutoff,
        GuardId::UsersReplaced,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GuardId::StepsVerified => "steps-verified",
            GuardId::NoSyncAfterCutoff => "no-sync-after-cutoff",
            GuardId::UsersReplaced => "users-replaced",
        }
    }

    pub fn parse(s: &str) -> Option<GuardId> {
        GuardId::ALL.into_iter().find(|g| g.as_str() == s.trim())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardResult {
    pub guard: GuardId,
    pub passed: bool,
    /// Exactly what blocks, one line each (capped; `more` counts the rest).
    pub blockers: Vec<String>,
    #[serde(default)]
    pub more: usize,
}

/// Lines listed per guard before "… and N more".
const MAX_BLOCKERS: usize = 25;

fn result(guard: GuardId, mut lines: Vec<String>) -> GuardResult {
    let more = lines.len().saturating_sub(MAX_BLOCKERS);
    lines.truncate(MAX_BLOCKERS);
    GuardResult {
        guard,
        passed: lines.is_empty(),
        blockers: lines,
        more,
    }
}

/// What the guards look at, for one stage.
pub struct Stage<'a> {
    pub ous: &'a [String],
    pub declarations: &'a [OuDeclaration],
    /// Step records of the stage's OUs (missing ones count as not started).
    pub records: &'a BTreeMap<(String, StepId), StepRecord>,
    pub devices: &'a [Device],
    /// Funnel rows of the stage's users.
    pub users: &'a [UserRow],
}

pub fn evaluate(stage: &Stage<'_>, enabled: &[GuardId]) -> Vec<GuardResult> {
    GuardId::ALL
        .into_iter()
        .filter(|g| enabled.contains(g))
        .map(|g| match g {
            GuardId::StepsVerified => steps_verified(stage),
            GuardId::NoSyncAfterCutoff => no_sync_after_cutoff(stage),
            GuardId::UsersReplaced => users_replaced(stage),
        })
        .collect()
}

fn steps_verified(stage: &Stage<'_>) -> GuardResult {
    let mut lines = Vec::new();
    for ou in stage.ous {
        let decl = super::funnel::declaration_for(stage.declarations, ou)
            .cloned()
            .unwrap_or_else(|| OuDeclaration::new(ou));
        for &step in decl.path.steps() {
            if !decl.applies(step) {
                continue;
            }
            let state = stage
                .records
                .get(&(ou.clone(), step))
                .map(|r| r.state)
                .unwrap_or(super::state::StepState::NotStarted);
            if !state.is_settled() {
                lines.push(format!("{ou} {step}: {}", state.as_str()));
            }
        }
    }
    result(GuardId::StepsVerified, lines)
}

/// When sync-off took effect for `ou`: the attestation (or change) plus the window.
pub fn cutoff(records: &BTreeMap<(String, StepId), StepRecord>, ou: &str) -> Option<DateTime<Utc>> {
    records
        .get(&(ou.to_string(), StepId::SyncOff))
        .and_then(|r| r.effective_by)
}

fn no_sync_after_cutoff(stage: &Stage<'_>) -> GuardResult {
    let mut lines = Vec::new();
    for ou in stage.ous {
        let Some(cut) = cutoff(stage.records, ou) else {
            lines.push(format!(
                "{ou}: sync-off has no effective time yet (attest it once Google Sync is off)"
            ));
            continue;
        };
        for d in stage.devices.iter().filter(|d| {
            d.is_google_sync()
                && d.org_unit_path
                    .as_deref()
                    .is_some_and(|p| OuPath::is_within(p, ou))
                && d.last_sync.is_some_and(|t| t > cut)
        }) {
            lines.push(format!(
                "{ou}: Google Sync device {} of {} synced at {} (after the cut-off {})",
                d.resource_id,
                d.owner().unwrap_or("(no owner)"),
                d.last_sync.map(|t| t.to_rfc3339()).unwrap_or_default(),
                cut.to_rfc3339()
            ));
        }
    }
    result(GuardId::NoSyncAfterCutoff, lines)
}

fn users_replaced(stage: &Stage<'_>) -> GuardResult {
    let lines = stage
        .users
        .iter()
        .filter(|u| u.funnel.is_left_behind() && !u.acknowledged)
        .map(|u| {
            format!(
                "{} ({}): {}, last Google Sync {}",
                u.email,
                u.ou,
                u.funnel.as_str(),
                u.last_google_sync
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_else(|| "never".into())
            )
        })
        .collect();
    result(GuardId::UsersReplaced, lines)
}
