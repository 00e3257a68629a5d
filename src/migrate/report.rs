//! `offsync status`: the whole migration as one serialisable value (the `--json` object), so
//! the CLI and the TUI show the same facts.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::observe::Observed;
use super::waves::WaveStatus;
use super::Migrator;
use crate::migration::funnel;
use crate::migration::{Effective, Funnel, OuDeclaration, StepRecord};
use crate::model::OuPath;

#[derive(Debug, Clone, Serialize)]
pub struct OuStatus {
    pub ou: String,
    #[serde(flatten)]
    pub declaration: OuDeclaration,
    /// `settings/gmail.imap_access` as the Policy API shows it for this OU.
    pub imap: Effective,
    pub steps: Vec<StepRecord>,
    pub google_sync_devices: usize,
    pub funnel: BTreeMap<Funnel, usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// The server's clock when this was observed.
    pub now: DateTime<Utc>,
    pub pilot: Option<String>,
    pub ous: Vec<OuStatus>,
    pub waves: Vec<WaveStatus>,
    pub funnel: BTreeMap<Funnel, usize>,
    /// Steps being applied right now by some offsync.
    pub in_flight: Vec<String>,
    pub warnings: Vec<String>,
}

impl Migrator {
    /// The status of every migration OU (or only those within `only`).
    pub fn status(&self, obs: &Observed, only: Option<&str>) -> Status {
        let keep = |ou: &str| only.is_none_or(|o| OuPath::is_within(ou, o));
        let mut ous = obs.migration_ous();
        if let Some(o) = only {
            if !ous.iter().any(|x| x == o) && obs.has_ou(o) {
                ous.push(o.to_string());
            }
        }
        let ous = ous
            .into_iter()
            .filter(|ou| keep(ou))
            .map(|ou| {
                let decl = obs.decl(&ou);
                let rows: Vec<_> = obs
                    .funnel
                    .iter()
                    .filter(|u| OuPath::is_within(&u.ou, &ou))
                    .cloned()
                    .collect();
                OuStatus {
                    imap: obs.imap.effective(&ou),
                    steps: decl
                        .path
                        .steps()
                        .iter()
                        .map(|&s| obs.record(&ou, s))
                        .collect(),
                    google_sync_devices: obs
                        .inventory
                        .devices
                        .iter()
                        .filter(|d| {
                            d.is_google_sync()
                                && d.org_unit_path
                                    .as_deref()
                                    .is_some_and(|p| OuPath::is_within(p, &ou))
                        })
                        .count(),
                    funnel: funnel::counts(&rows),
                    declaration: decl,
                    ou,
                }
            })
            .collect();
        let rows: Vec<_> = obs.funnel.iter().filter(|u| keep(&u.ou)).cloned().collect();
        Status {
            now: obs.now,
            pilot: obs.plan.pilot.clone(),
            ous,
            waves: self.wave_statuses(obs),
            funnel: funnel::counts(&rows),
            in_flight: obs
                .claims
                .iter()
                .map(|c| format!("{} {} by {}", c.ou, c.step, c.claimant))
                .collect(),
            warnings: obs.warnings.clone(),
        }
    }
}
