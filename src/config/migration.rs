//! `[profiles.NAME.migration]`: how offsync runs and verifies the migration steps.
use std::path::Path;

use chrono::Duration;
use serde::Deserialize;

use super::settings::invalid;
use super::ConfigError;
use crate::migration::{GuardId, RestrictionShape};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMigration {
    pub propagation_window_hours: Option<u32>,
    pub quiet_window_hours: Option<u32>,
    pub active_days: Option<u32>,
    pub max_attempts: Option<u32>,
    pub imap_restrict_to_ios: Option<bool>,
    pub imap_restriction_shape: Option<String>,
    pub user_imap_limit: Option<u32>,
    pub guards: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MigrationSettings {
    /// How long a change may take to reach users (Google: up to 24 hours).
    pub propagation_window: Duration,
    /// How long an OU's Google Sync devices must stay silent after sync-off's cut-off.
    pub quiet_window: Duration,
    /// "Still on Google Sync" = synced within this many days.
    pub active_days: i64,
    /// Automatic retries of a failing apply stop after this many attempts.
    pub max_attempts: u32,
    /// Restrict IMAP to the Apple iOS client when turning it on.
    pub imap_restrict_to_ios: bool,
    /// How the API carries that restriction (unverified; `none` = a console step).
    pub imap_restriction_shape: RestrictionShape,
    /// How many users' own Gmail IMAP settings `step OU imap plan` reads (0: none).
    pub user_imap_limit: usize,
    pub guards: Vec<GuardId>,
}

impl Default for MigrationSettings {
    fn default() -> Self {
        MigrationSettings {
            propagation_window: Duration::hours(24),
            quiet_window: Duration::hours(24),
            active_days: 7,
            max_attempts: 3,
            imap_restrict_to_ios: false,
            imap_restriction_shape: RestrictionShape::None,
            user_imap_limit: 200,
            guards: GuardId::ALL.to_vec(),
        }
    }
}

pub(super) fn resolve(
    name: &str,
    raw: &RawMigration,
    file: &Path,
) -> Result<MigrationSettings, ConfigError> {
    let key = |k: &str| format!("profiles.{name}.migration.{k}");
    let mut m = MigrationSettings::default();
    if let Some(h) = raw.propagation_window_hours {
        m.propagation_window = Duration::hours(h.into());
    }
    if let Some(h) = raw.quiet_window_hours {
        m.quiet_window = Duration::hours(h.into());
    }
    if let Some(d) = raw.active_days {
        if d == 0 {
            return Err(invalid(file, key("active_days"), "is 0; use at least 1"));
        }
        m.active_days = d.into();
    }
    if let Some(n) = raw.max_attempts {
        if n == 0 {
            return Err(invalid(file, key("max_attempts"), "is 0; use at least 1"));
        }
        m.max_attempts = n;
    }
    m.imap_restrict_to_ios = raw.imap_restrict_to_ios.unwrap_or(false);
    if let Some(s) = &raw.imap_restriction_shape {
        m.imap_restriction_shape = RestrictionShape::parse(s).ok_or_else(|| {
            invalid(
                file,
                key("imap_restriction_shape"),
                format!("is `{s}`; use none, flat or nested"),
            )
        })?;
    }
    if let Some(n) = raw.user_imap_limit {
        m.user_imap_limit = n as usize;
    }
    if let Some(gs) = &raw.guards {
        m.guards = gs
            .iter()
            .map(|g| {
                GuardId::parse(g).ok_or_else(|| {
                    invalid(
                        file,
                        key("guards"),
                        format!(
                            "has `{g}`; use steps-verified, no-sync-after-cutoff, users-replaced"
                        ),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
    }
    Ok(m)
}
