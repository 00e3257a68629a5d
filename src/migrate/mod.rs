//! Running the migration against Google: gathers what offsync can observe ([`observe`]),
//! turns it into step states with the pure logic in `crate::migration`, and sends changes
//! through the change engine (`crate::change`: plan → journal → send → outcome → recover).
//!
//! Headless: `cli/` and the TUI both call this; it never prints. Migration state lives in the
//! store's migration tables, so several offsync processes on one database see the same plan
//! and a step's change is sent by exactly one of them.
pub mod board;
mod evaluate;
mod facts;
pub mod observe;
pub mod ops;
pub mod report;
mod seed;
mod send;
mod usage;
pub mod user_imap;
pub mod waves;

use std::path::PathBuf;

use crate::config::{MigrationSettings, Profile};
use crate::google::{self, Clients};
use crate::migration::{TransitionError, WaveError};
use crate::store::{MigrationStoreError, Store, StoreError};

pub use observe::Observed;
pub use ops::{StepAction, StepOutcome, StepPlan};
pub use seed::PlanSeed;

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(transparent)]
    Google(#[from] google::Error),
    #[error(transparent)]
    Store(#[from] MigrationStoreError),
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error(transparent)]
    Wave(#[from] WaveError),
    #[error(transparent)]
    Change(#[from] crate::change::ChangeError),
    #[error("no OU {0} in the directory\n  hint: OU paths are case-sensitive; `offsync status` lists the migration's OUs")]
    NoSuchOu(String),
    #[error("{0}")]
    Refused(String),
}

impl From<StoreError> for MigrateError {
    fn from(e: StoreError) -> Self {
        MigrateError::Store(e.into())
    }
}

pub type Result<T> = std::result::Result<T, MigrateError>;

/// One profile's migration: its clients, its database and its settings.
pub struct Migrator {
    pub clients: Clients,
    pub db: PathBuf,
    pub settings: MigrationSettings,
    /// The admin offsync acts as (journal `actor`).
    pub actor: String,
    pub profile: String,
    pub readonly: bool,
    /// Who holds a step's claim while sending: `host:pid`, so a crashed holder is recognised.
    pub claimant: String,
}

impl Migrator {
    pub fn new(clients: Clients, profile: &Profile, db: PathBuf) -> Migrator {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".into());
        Migrator {
            settings: profile.migration.clone(),
            actor: profile.subject.clone(),
            profile: profile.name.clone(),
            readonly: profile.readonly,
            claimant: format!("{host}:{}", std::process::id()),
            clients,
            db,
        }
    }

    pub(crate) fn store(&self) -> Result<Store> {
        Ok(Store::open(&self.db)?)
    }
}
