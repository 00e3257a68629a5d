//! Migration state in its own tables: OU declarations, one row per (OU, step), the pilot and
//! waves with their guard overrides, and per-user marks (acknowledged, reminded).
//!
//! Several offsync processes may share the database. Every read-modify-write runs in a
//! `BEGIN IMMEDIATE` transaction (the write lock is taken before reading), and sending a step's
//! change is bracketed by a *claim*: [`MigrationDb::claim`] succeeds for exactly one process
//! and only for a step that may be applied; [`MigrationDb::release`] stores the outcome and
//! clears it. A claim left by a crash stays visible (with its journal entry) until recovery.
use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::StoreError;
use crate::migration::{OuDeclaration, StepId, StepRecord, TransitionError};

pub(super) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(super) fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A step being sent by some process right now (or when it crashed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub ou: String,
    pub step: StepId,
    pub claimant: String,
    pub journal_entry: Option<i64>,
    /// The change batch of the step's write, once journaled (recovery reconciles it).
    pub batch: Option<i64>,
    pub since: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum MigrationStoreError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("step {step} at {ou} is being applied by {claimant} since {since} (journal entry {entry}); it is not sent twice\n  hint: wait for it, or if that offsync crashed run `offsync step {ou} {step} verify` to recover")]
    Busy {
        ou: String,
        step: StepId,
        claimant: String,
        since: String,
        entry: String,
    },
    #[error("step {step} at {ou} is not claimed by {claimant}; another offsync took over")]
    NotClaimed {
        ou: String,
        step: StepId,
        claimant: String,
    },
}

/// The migration tables of one database; get it from [`super::Store::migration`].
pub struct MigrationDb<'a> {
    pub(crate) conn: &'a mut Connection,
    pub(crate) path: &'a Path,
}

pub(super) type Result<T> = std::result::Result<T, MigrationStoreError>;

impl MigrationDb<'_> {
    pub(super) fn sql(&self) -> impl Fn(rusqlite::Error) -> MigrationStoreError + '_ {
        move |e| StoreError::from_sql(self.path, e).into()
    }

    pub(super) fn json<T: serde::de::DeserializeOwned>(&self, what: &str, s: &str) -> Result<T> {
        serde_json::from_str(s).map_err(|e| StoreError::bad_json(self.path, what, e).into())
    }

    pub fn declarations(&self) -> Result<Vec<OuDeclaration>> {
        let mut st = self
            .conn
            .prepare("SELECT json FROM migration_ou ORDER BY ou")
            .map_err(self.sql())?;
        let rows: Vec<String> = st
            .query_map([], |r| r.get(0))
            .map_err(self.sql())?
            .collect::<rusqlite::Result<_>>()
            .map_err(self.sql())?;
        rows.iter()
            .map(|j| self.json("OU declaration", j))
            .collect()
    }

    pub fn declare(&mut self, d: &OuDeclaration, now: DateTime<Utc>) -> Result<()> {
        let json = serde_json::to_string(d).expect("serialisable");
        self.conn
            .execute(
                "INSERT INTO migration_ou (ou, json, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(ou) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at",
                params![d.ou, json, ts(now)],
            )
            .map_err(self.sql())?;
        Ok(())
    }

    /// Every stored step record, keyed by (OU, step).
    pub fn records(&self) -> Result<BTreeMap<(String, StepId), StepRecord>> {
        let mut st = self
            .conn
            .prepare("SELECT json FROM migration_step")
            .map_err(self.sql())?;
        let rows: Vec<String> = st
            .query_map([], |r| r.get(0))
            .map_err(self.sql())?
            .collect::<rusqlite::Result<_>>()
            .map_err(self.sql())?;
        let mut out = BTreeMap::new();
        for j in rows {
            let r: StepRecord = self.json("step record", &j)?;
            out.insert((r.ou.clone(), r.step), r);
        }
        Ok(out)
    }

    pub fn claims(&self) -> Result<Vec<Claim>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT ou, step, claim, claim_entry, claimed_at, claim_batch FROM migration_step
                 WHERE claim IS NOT NULL ORDER BY claimed_at",
            )
            .map_err(self.sql())?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<i64>>(5)?,
                ))
            })
            .map_err(self.sql())?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.sql())?;
        Ok(rows
            .into_iter()
            .filter_map(|(ou, step, claimant, entry, at, batch)| {
                Some(Claim {
                    ou,
                    step: StepId::parse(&step)?,
                    claimant,
                    journal_entry: entry,
                    batch,
                    since: at.as_deref().and_then(parse_ts),
                })
            })
            .collect())
    }

    /// Reads, changes and writes one step atomically. Refused while another process holds a
    /// claim on it (its outcome would be overwritten).
    pub fn update_step<T>(
        &mut self,
        ou: &str,
        step: StepId,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut StepRecord) -> std::result::Result<T, TransitionError>,
    ) -> Result<(StepRecord, T)> {
        let path = self.path;
        let sql = |e| MigrationStoreError::from(StoreError::from_sql(path, e));
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let (mut rec, claim) = read_step(&tx, path, ou, step)?;
        if let Some(c) = claim {
            return Err(busy(ou, step, c));
        }
        let out = f(&mut rec)?;
        write_step(&tx, &rec, None, None, now).map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok((rec, out))
    }

    /// Takes the right to send `step`'s change. Succeeds for one process only, and only when
    /// the step may be applied (`planned`, or `failed` with retries left).
    pub fn claim(
        &mut self,
        ou: &str,
        step: StepId,
        claimant: &str,
        journal_entry: Option<i64>,
        max_attempts: u32,
        now: DateTime<Utc>,
    ) -> Result<StepRecord> {
        let path = self.path;
        let sql = |e| MigrationStoreError::from(StoreError::from_sql(path, e));
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let (rec, claim) = read_step(&tx, path, ou, step)?;
        if let Some(c) = claim {
            return Err(busy(ou, step, c));
        }
        rec.check_apply(max_attempts)?;
        write_step(&tx, &rec, Some(claimant), journal_entry, now).map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(rec)
    }

    /// Records the change batch of a claimed step once the engine has journaled it.
    pub fn set_claim_batch(
        &mut self,
        ou: &str,
        step: StepId,
        claimant: &str,
        batch: i64,
    ) -> Result<()> {
        let n = self
            .conn
            .execute(
                "UPDATE migration_step SET claim_batch = ?4 WHERE ou = ?1 AND step = ?2 AND claim = ?3",
                params![ou, step.as_str(), claimant, batch],
            )
            .map_err(self.sql())?;
        if n == 0 {
            return Err(MigrationStoreError::NotClaimed {
                ou: ou.into(),
                step,
                claimant: claimant.into(),
            });
        }
        Ok(())
    }

    /// Stores the outcome of a claimed step and clears the claim (only the claimant may).
    pub fn release(&mut self, rec: &StepRecord, claimant: &str, now: DateTime<Utc>) -> Result<()> {
        let path = self.path;
        let sql = |e| MigrationStoreError::from(StoreError::from_sql(path, e));
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let held: Option<String> = tx
            .query_row(
                "SELECT claim FROM migration_step WHERE ou = ?1 AND step = ?2",
                params![rec.ou, rec.step.as_str()],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql)?
            .flatten();
        if held.as_deref() != Some(claimant) {
            return Err(MigrationStoreError::NotClaimed {
                ou: rec.ou.clone(),
                step: rec.step,
                claimant: claimant.into(),
            });
        }
        write_step(&tx, rec, None, None, now).map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(())
    }

    /// Recovery: clears a claim whose process is gone, storing what recovery concluded.
    pub fn recover(&mut self, rec: &StepRecord, claimant: &str, now: DateTime<Utc>) -> Result<()> {
        self.release(rec, claimant, now)
    }
}

fn busy(ou: &str, step: StepId, c: (String, Option<i64>, Option<String>)) -> MigrationStoreError {
    MigrationStoreError::Busy {
        ou: ou.into(),
        step,
        claimant: c.0,
        entry: c
            .1
            .map(|e| e.to_string())
            .unwrap_or_else(|| "not yet written".into()),
        since: c.2.unwrap_or_default(),
    }
}

type ClaimRow = (String, Option<i64>, Option<String>);

fn read_step(
    conn: &Connection,
    path: &Path,
    ou: &str,
    step: StepId,
) -> Result<(StepRecord, Option<ClaimRow>)> {
    type Row = (String, Option<String>, Option<i64>, Option<String>);
    let row: Option<Row> = conn
        .query_row(
            "SELECT json, claim, claim_entry, claimed_at FROM migration_step WHERE ou = ?1 AND step = ?2",
            params![ou, step.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .map_err(|e| StoreError::from_sql(path, e))?;
    match row {
        None => Ok((StepRecord::new(ou, step), None)),
        Some((json, claim, entry, at)) => {
            let rec = serde_json::from_str(&json)
                .map_err(|e| StoreError::bad_json(path, "step record", e))?;
            Ok((rec, claim.map(|c| (c, entry, at))))
        }
    }
}

fn write_step(
    conn: &Connection,
    rec: &StepRecord,
    claim: Option<&str>,
    entry: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let json = serde_json::to_string(rec).expect("serialisable");
    conn.execute(
        "INSERT INTO migration_step (ou, step, state, json, version, claim, claim_entry, claimed_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, CASE WHEN ?5 IS NULL THEN NULL ELSE ?7 END, ?7)
         ON CONFLICT(ou, step) DO UPDATE SET state = excluded.state, json = excluded.json,
           version = migration_step.version + 1, claim = excluded.claim,
           claim_entry = excluded.claim_entry, claimed_at = excluded.claimed_at,
           claim_batch = CASE WHEN excluded.claim IS NULL THEN NULL ELSE migration_step.claim_batch END,
           updated_at = excluded.updated_at",
        params![rec.ou, rec.step.as_str(), rec.state.as_str(), json, claim, entry, ts(now)],
    )?;
    Ok(())
}
