//! Writes a whole plan (declarations, the pilot, the waves) into a database that has none,
//! without reading Google first: `offsync demo` starts every run from the same plan this way.
//! Each piece is journaled as `declare`, `pilot` and `wave add` would journal it.
use chrono::{DateTime, Utc};

use super::facts;
use super::{MigrateError, Migrator, Result};
use crate::migration::OuDeclaration;

/// A plan to write at once. OU paths are not checked against the directory here: the caller
/// knows its tenant (the demo's is generated from the same tables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanSeed {
    pub pilot: String,
    pub declarations: Vec<OuDeclaration>,
    pub waves: Vec<Vec<String>>,
}

impl Migrator {
    /// Writes `seed` into a database without a plan; refuses when a pilot or a wave exists.
    pub fn seed_plan(&self, seed: &PlanSeed, now: DateTime<Utc>) -> Result<()> {
        let mut store = self.store()?;
        let existing = store.migration().plan()?;
        if existing.pilot.is_some() || !existing.waves.is_empty() {
            return Err(MigrateError::Refused(
                "this database already has a migration plan; nothing was seeded".into(),
            ));
        }
        for d in &seed.declarations {
            store.migration().declare(d, now)?;
            let what = format!(
                "path={} management={:?} emm={}",
                d.path.as_str(),
                d.management,
                d.emm
            );
            facts::journal_fact(
                &mut store,
                self,
                now,
                "migration.declare",
                &d.ou,
                "-",
                Some(&what),
            )?;
        }
        store.migration().set_pilot(&seed.pilot, now)?;
        facts::journal_fact(
            &mut store,
            self,
            now,
            "migration.pilot",
            &seed.pilot,
            "-",
            None,
        )?;
        for ous in &seed.waves {
            let n = store.migration().add_wave(ous, now)?;
            facts::journal_fact(
                &mut store,
                self,
                now,
                "migration.wave.add",
                &ous.join(","),
                &format!("wave {n}"),
                None,
            )?;
        }
        Ok(())
    }
}
