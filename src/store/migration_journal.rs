//! The journal rows of one step at one OU: the journal entry joined to its migration facts
//! (before/after, reason, operation), newest first. Read-only; the Checklist pane's step
//! detail shows them, so the admin sees every plan, apply, attest and skip of that step.
use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;

use super::migration::{parse_ts, MigrationDb, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepJournalRow {
    pub journal_id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// `policy.create`, `migration.attest`, …
    pub action: String,
    /// `planned`, `succeeded` or `failed`.
    pub outcome: String,
    pub error: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<String>,
    pub operation: Option<String>,
}

impl MigrationDb<'_> {
    /// The newest `limit` journal rows recorded for `step` at `ou`, newest first.
    pub fn step_journal(&self, ou: &str, step: &str, limit: usize) -> Result<Vec<StepJournalRow>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT j.id, j.at, j.actor, j.action, j.outcome, j.error,
                        c.before, c.after, c.reason, c.operation
                 FROM migration_change c JOIN journal j ON j.id = c.journal_id
                 WHERE c.ou = ?1 AND c.step = ?2
                 ORDER BY j.id DESC LIMIT ?3",
            )
            .map_err(self.sql())?;
        let rows = st
            .query_map(params![ou, step, limit as i64], |r| {
                let at: String = r.get(1)?;
                Ok(StepJournalRow {
                    journal_id: r.get(0)?,
                    at: parse_ts(&at).unwrap_or_default(),
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    outcome: r.get(4)?,
                    error: r.get(5)?,
                    before: r.get(6)?,
                    after: r.get(7)?,
                    reason: r.get(8)?,
                    operation: r.get(9)?,
                })
            })
            .map_err(self.sql())?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.sql())
    }
}
