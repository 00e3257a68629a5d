//! The migration as the Checklist pane shows it: every Directory OU with its progress
//! (steps verified of applicable, Google Sync devices still syncing, users left behind,
//! children included), the pilot and wave marks, the waves with their guards and the user
//! funnel. Built once per observation from an [`Observed`], off the UI thread; the pane only
//! reads it. Also the journal rows of one step, for the step detail.
use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::observe::Observed;
use super::ops::target;
use super::waves::WaveStatus;
use super::{Migrator, Result};
use crate::migration::funnel::active;
use crate::migration::plan::{self, IMAP_SETTING};
use crate::migration::{
    ImapValue, OuDeclaration, StepId, StepKind, StepRecord, StepState, UserRow,
};
use crate::model::OuPath;
use crate::store::StepJournalRow;

/// Where an OU sits in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Pilot,
    Wave(u32),
}

#[derive(Debug, Clone)]
pub struct OuProgress {
    pub ou: String,
    /// 0 for `/`, 1 for `/Pilot`, …
    pub depth: usize,
    pub stage: Option<Stage>,
    /// In the plan, declared, or with step states: the OUs the migration touches.
    pub in_migration: bool,
    pub declaration: OuDeclaration,
    /// `settings/gmail.imap_access` at this OU, as the Policy API shows it.
    pub imap: String,
    /// The steps of the OU's path, in Google's order, with their records.
    pub steps: Vec<StepRecord>,
    /// For the OU's automatic steps (migration OUs only): the exact request offsync would
    /// send now, as the dry-run diff lines (before, after, call, OUs and users reached).
    pub requests: Vec<(StepId, Vec<String>)>,
    pub verified: usize,
    /// Steps that apply (not `not_applicable`).
    pub applicable: usize,
    /// Google Sync devices (owners in this OU or below) that can sync and synced within
    /// the active window.
    pub syncing: usize,
    /// Users left behind (still on Google Sync or not seen), not acknowledged, in this OU
    /// or below.
    pub left_behind: usize,
}

#[derive(Debug, Clone)]
pub struct Board {
    /// The server's clock when the evidence was read.
    pub now: DateTime<Utc>,
    pub pilot: Option<String>,
    /// Every Directory OU, `/` first, in tree order (parents before children).
    pub ous: Vec<OuProgress>,
    pub waves: Vec<WaveStatus>,
    /// Every user with a Google Sync device, sorted by email.
    pub users: Vec<UserRow>,
    /// What could not be seen: the pane says so loudly.
    pub warnings: Vec<String>,
    /// Steps some offsync is sending right now.
    pub in_flight: Vec<String>,
    pub active_days: i64,
}

impl Board {
    pub fn ou(&self, path: &str) -> Option<&OuProgress> {
        self.ous.iter().find(|o| o.ou == path)
    }

    pub fn record(&self, ou: &str, step: StepId) -> Option<&StepRecord> {
        self.ou(ou)?.steps.iter().find(|r| r.step == step)
    }

    /// Users of `ou` and below.
    pub fn users_in<'a>(&'a self, ou: &'a str) -> impl Iterator<Item = &'a UserRow> + 'a {
        self.users
            .iter()
            .filter(move |u| OuPath::is_within(&u.ou, ou))
    }
}

fn depth(path: &str) -> usize {
    path.split('/').filter(|s| !s.is_empty()).count()
}

/// Adds one to `path` and each of its ancestors.
fn roll_up(map: &mut BTreeMap<String, usize>, path: &str) {
    for p in OuPath::ancestors_and_self(path) {
        *map.entry(p).or_default() += 1;
    }
}

impl Migrator {
    /// The pane's view of one observation. O(devices × depth + OUs × steps).
    pub fn board(&self, obs: &Observed) -> Board {
        let since = obs.now - Duration::days(self.settings.active_days.max(0));
        let mut syncing = BTreeMap::new();
        for d in &obs.inventory.devices {
            if d.is_google_sync() && active(d, since) {
                roll_up(&mut syncing, d.org_unit_path.as_deref().unwrap_or("/"));
            }
        }
        let mut left = BTreeMap::new();
        for u in &obs.funnel {
            if u.funnel.is_left_behind() && !u.acknowledged {
                roll_up(&mut left, &u.ou);
            }
        }
        let mut stage: BTreeMap<&str, Stage> = BTreeMap::new();
        for w in &obs.plan.waves {
            for ou in &w.ous {
                stage.insert(ou, Stage::Wave(w.number));
            }
        }
        if let Some(p) = &obs.plan.pilot {
            stage.insert(p, Stage::Pilot);
        }
        let in_migration = obs.migration_ous();
        // By path segments, so every parent comes right before its children (plain string
        // order puts `/A B` between `/A` and `/A/B`).
        let mut paths: Vec<String> = obs.tree.paths().to_vec();
        paths.sort_by(|a, b| {
            let pa: Vec<&str> = a.split('/').filter(|s| !s.is_empty()).collect();
            let pb: Vec<&str> = b.split('/').filter(|s| !s.is_empty()).collect();
            pa.cmp(&pb)
        });
        let ous = paths
            .into_iter()
            .map(|ou| {
                let declaration = obs.decl(&ou);
                let steps: Vec<StepRecord> = declaration
                    .path
                    .steps()
                    .iter()
                    .map(|&s| {
                        let mut r = obs.record(&ou, s);
                        // OUs outside the migration are never evaluated: say what applies.
                        if !declaration.applies(s) && r.state == StepState::NotStarted {
                            r.state = StepState::NotApplicable;
                        }
                        r
                    })
                    .collect();
                let requests = if in_migration.contains(&ou) {
                    self.requests(obs, &ou, &declaration)
                } else {
                    Vec::new()
                };
                OuProgress {
                    requests,
                    depth: depth(&ou),
                    stage: stage.get(ou.as_str()).copied(),
                    in_migration: in_migration.contains(&ou),
                    imap: obs.imap.effective(&ou).describe(),
                    verified: steps
                        .iter()
                        .filter(|r| r.state == StepState::Verified)
                        .count(),
                    applicable: steps
                        .iter()
                        .filter(|r| r.state != StepState::NotApplicable)
                        .count(),
                    syncing: syncing.get(&ou).copied().unwrap_or(0),
                    left_behind: left.get(&ou).copied().unwrap_or(0),
                    steps,
                    declaration,
                    ou,
                }
            })
            .collect();
        Board {
            now: obs.now,
            pilot: obs.plan.pilot.clone(),
            ous,
            waves: self.wave_statuses(obs),
            users: obs.funnel.clone(),
            warnings: obs.warnings.clone(),
            in_flight: obs
                .claims
                .iter()
                .map(|c| format!("{} {} by {}", c.ou, c.step, c.claimant))
                .collect(),
            active_days: self.settings.active_days,
        }
    }

    /// The policy writes the OU's automatic steps would send now (pure: no Reports call).
    fn requests(
        &self,
        obs: &Observed,
        ou: &str,
        decl: &OuDeclaration,
    ) -> Vec<(StepId, Vec<String>)> {
        let Some(ou_id) = obs.tree.id_of(ou) else {
            return Vec::new();
        };
        decl.path
            .steps()
            .iter()
            .filter(|s| s.kind() == StepKind::PolicyApi && decl.applies(**s))
            .map(|&s| {
                let change = plan::policy_change(
                    s,
                    ou,
                    ou_id,
                    IMAP_SETTING,
                    &obs.imap,
                    obs.tree.paths(),
                    target(self, s),
                    &obs.inventory.users,
                    &obs.inventory.devices,
                );
                let mut lines = change.diff_lines();
                let after = ImapValue::decode(&target(self, s));
                if change.before.value().map(ImapValue::decode) == Some(after) {
                    lines.push("  (already in place: nothing would be sent)".into());
                }
                (s, lines)
            })
            .collect()
    }

    /// The newest `limit` journal rows of `step` at `ou`, newest first.
    pub fn step_journal(
        &self,
        ou: &str,
        step: StepId,
        limit: usize,
    ) -> Result<Vec<StepJournalRow>> {
        let mut store = self.store()?;
        Ok(store.migration().step_journal(ou, step.as_str(), limit)?)
    }
}
