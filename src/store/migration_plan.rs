//! The plan half of the migration tables: pilot, waves, guard overrides, per-user marks and
//! the migration facts of journal entries (OU, step, before/after, reason, operation).
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::migration::{parse_ts, ts, MigrationDb, MigrationStoreError, Result};
use super::StoreError;
use crate::migration::{GuardId, GuardOverride, OverrideKind, Plan, Wave};

impl MigrationDb<'_> {
    pub fn plan(&self) -> Result<Plan> {
        let pilot: Option<String> = self
            .conn
            .query_row("SELECT pilot FROM migration_plan WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.sql())?
            .flatten();
        let mut st = self
            .conn
            .prepare("SELECT number, ous, started_at FROM migration_wave ORDER BY number")
            .map_err(self.sql())?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })
            .map_err(self.sql())?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.sql())?;
        let mut waves = Vec::new();
        for (n, ous, started) in rows {
            waves.push(Wave {
                number: n as u32,
                ous: self.json("wave OUs", &ous)?,
                started_at: started.as_deref().and_then(parse_ts),
                overrides: self.overrides(n)?,
            });
        }
        Ok(Plan { pilot, waves })
    }

    fn overrides(&self, wave: i64) -> Result<Vec<GuardOverride>> {
        let mut st = self
            .conn
            .prepare("SELECT guard, kind, reason, actor, at FROM migration_override WHERE wave = ?1 ORDER BY id")
            .map_err(self.sql())?;
        let rows = st
            .query_map([wave], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(self.sql())?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.sql())?;
        Ok(rows
            .into_iter()
            .filter_map(|(g, k, reason, by, at)| {
                Some(GuardOverride {
                    guard: GuardId::parse(&g)?,
                    kind: OverrideKind::parse(&k)?,
                    reason,
                    by,
                    at: parse_ts(&at)?,
                })
            })
            .collect())
    }

    pub fn set_pilot(&mut self, ou: &str, now: DateTime<Utc>) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO migration_plan (id, pilot, updated_at) VALUES (1, ?1, ?2)
                 ON CONFLICT(id) DO UPDATE SET pilot = excluded.pilot, updated_at = excluded.updated_at",
                params![ou, ts(now)],
            )
            .map_err(self.sql())?;
        Ok(())
    }

    /// Appends a wave after the last one; returns its number.
    pub fn add_wave(&mut self, ous: &[String], now: DateTime<Utc>) -> Result<u32> {
        let path = self.path;
        let sql = |e| MigrationStoreError::from(StoreError::from_sql(path, e));
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let next: i64 = tx
            .query_row(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM migration_wave",
                [],
                |r| r.get(0),
            )
            .map_err(sql)?;
        tx.execute(
            "INSERT INTO migration_wave (number, ous, started_at, created_at) VALUES (?1, ?2, NULL, ?3)",
            params![next, serde_json::to_string(ous).expect("json"), ts(now)],
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(next as u32)
    }

    pub fn add_override(&mut self, wave: u32, o: &GuardOverride) -> Result<()> {
        let kind = serde_json::to_value(o.kind).expect("json");
        self.conn
            .execute(
                "INSERT INTO migration_override (wave, guard, kind, reason, actor, at) VALUES (?1,?2,?3,?4,?5,?6)",
                params![wave, o.guard.as_str(), kind.as_str(), o.reason, o.by, ts(o.at)],
            )
            .map_err(self.sql())?;
        Ok(())
    }

    /// Marks the wave started unless another process did first; false if it already was.
    pub fn start_wave(&mut self, wave: u32, now: DateTime<Utc>) -> Result<bool> {
        let n = self
            .conn
            .execute(
                "UPDATE migration_wave SET started_at = ?2 WHERE number = ?1 AND started_at IS NULL",
                params![wave, ts(now)],
            )
            .map_err(self.sql())?;
        Ok(n == 1)
    }

    pub fn mark_user(
        &mut self,
        email: &str,
        mark: &str,
        actor: &str,
        note: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO migration_user_mark (email, mark, at, actor, note) VALUES (?1,?2,?3,?4,?5)
                 ON CONFLICT(email, mark) DO UPDATE SET at = excluded.at, actor = excluded.actor, note = excluded.note",
                params![email.to_ascii_lowercase(), mark, ts(now), actor, note],
            )
            .map_err(self.sql())?;
        Ok(())
    }

    /// `email → time` for one mark kind (`acknowledged` or `reminded`).
    pub fn user_marks(&self, mark: &str) -> Result<BTreeMap<String, DateTime<Utc>>> {
        let mut st = self
            .conn
            .prepare("SELECT email, at FROM migration_user_mark WHERE mark = ?1")
            .map_err(self.sql())?;
        let rows = st
            .query_map([mark], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(self.sql())?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.sql())?;
        Ok(rows
            .into_iter()
            .filter_map(|(e, at)| Some((e, parse_ts(&at)?)))
            .collect())
    }
}

/// The migration facts of one journal entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    pub journal_id: i64,
    pub ou: String,
    pub step: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<String>,
    pub operation: Option<String>,
}

impl MigrationDb<'_> {
    pub fn record_change(&mut self, c: &ChangeRow) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO migration_change (journal_id, ou, step, before, after, reason, operation)
                 VALUES (?1,?2,?3,?4,?5,?6,?7)",
                params![c.journal_id, c.ou, c.step, c.before, c.after, c.reason, c.operation],
            )
            .map_err(self.sql())?;
        Ok(())
    }

    pub fn set_operation(&mut self, journal_id: i64, operation: &str) -> Result<()> {
        self.conn
            .execute(
                "UPDATE migration_change SET operation = ?2 WHERE journal_id = ?1 AND operation IS NULL",
                params![journal_id, operation],
            )
            .map_err(self.sql())?;
        Ok(())
    }

    pub fn change(&self, journal_id: i64) -> Result<Option<ChangeRow>> {
        self.conn
            .query_row(
                "SELECT journal_id, ou, step, before, after, reason, operation FROM migration_change WHERE journal_id = ?1",
                [journal_id],
                |r| {
                    Ok(ChangeRow {
                        journal_id: r.get(0)?,
                        ou: r.get(1)?,
                        step: r.get(2)?,
                        before: r.get(3)?,
                        after: r.get(4)?,
                        reason: r.get(5)?,
                        operation: r.get(6)?,
                    })
                },
            )
            .optional()
            .map_err(self.sql())
    }
}
