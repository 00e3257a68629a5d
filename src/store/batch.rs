//! Change batches: a confirmed plan, written whole before its first request, and what
//! became of each target. The store knows rows, not plans: the change engine serialises
//! its plan into `plan` and reads it back on resume.
//!
//! A target's fate is derived from three append-only sources: the newest journal row for
//! it (planned / succeeded / failed), the newest recovery finding (applied / not applied /
//! unknown, written after reading the target back from Google) and the batch's close row.
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::{Outcome, Store, StoreError};

/// A batch to record: the confirmed plan's header, its serialised form and its targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBatch {
    pub at: DateTime<Utc>,
    pub profile: String,
    pub actor: String,
    /// Machine name of the change, e.g. `device.block`.
    pub kind: String,
    /// What the admin confirmed, in words, e.g. `block 200 devices`.
    pub label: String,
    pub plan: String,
    pub targets: Vec<BatchTarget>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchTarget {
    pub resource_id: String,
    pub owner: Option<String>,
    pub org_unit: Option<String>,
    pub before: String,
    /// `METHOD path` of the exact request.
    pub request: String,
    pub gam_command: String,
}

/// A recorded batch as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub profile: String,
    pub actor: String,
    pub kind: String,
    pub label: String,
    pub count: u64,
    pub plan: String,
    /// `None` while open; `Some("finished" | "abandoned")` once closed.
    pub closed: Option<String>,
}

/// What recovery learned by reading a target back from Google.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finding {
    Applied,
    NotApplied,
    Unknown,
}

impl Finding {
    pub fn as_str(self) -> &'static str {
        match self {
            Finding::Applied => "applied",
            Finding::NotApplied => "not_applied",
            Finding::Unknown => "unknown",
        }
    }

    fn parse(s: &str) -> Finding {
        match s {
            "applied" => Finding::Applied,
            "not_applied" => Finding::NotApplied,
            _ => Finding::Unknown,
        }
    }
}

/// One target with the newest journal row and finding about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRecord {
    pub seq: i64,
    pub resource_id: String,
    pub owner: Option<String>,
    pub org_unit: Option<String>,
    pub before: String,
    /// The newest journal row for this target: (journal id, outcome).
    pub journal: Option<(i64, Outcome)>,
    /// The newest finding: (what, the journal row it was about, detail).
    pub finding: Option<(Finding, Option<i64>, String)>,
}

/// Batches of one database; get it from [`Store::batches`].
pub struct Batches<'a> {
    conn: &'a Connection,
    path: &'a Path,
}

impl Store {
    pub fn batches(&self) -> Batches<'_> {
        Batches {
            conn: &self.conn,
            path: &self.path,
        }
    }

    /// Records a whole confirmed batch in one transaction and returns its id: either every
    /// target is on disk before the first request, or none is.
    pub fn begin_batch(&mut self, b: &NewBatch) -> Result<i64, StoreError> {
        let path = self.path.clone();
        let sql = |e| StoreError::from_sql(&path, e);
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute(
            "INSERT INTO batch (at, profile, actor, kind, label, count, plan)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                stamp(b.at),
                b.profile,
                b.actor,
                b.kind,
                b.label,
                b.targets.len() as i64,
                b.plan
            ],
        )
        .map_err(sql)?;
        let id = tx.last_insert_rowid();
        {
            let mut st = tx
                .prepare_cached(
                    "INSERT INTO batch_target (batch_id, seq, resource_id, owner, org_unit,
                     before, request, gam_command) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
                )
                .map_err(sql)?;
            for (seq, t) in b.targets.iter().enumerate() {
                st.execute(params![
                    id,
                    seq as i64,
                    t.resource_id,
                    t.owner,
                    t.org_unit,
                    t.before,
                    t.request,
                    t.gam_command
                ])
                .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)?;
        Ok(id)
    }
}

const BATCH: &str = "SELECT b.id, b.at, b.profile, b.actor, b.kind, b.label, b.count, b.plan, c.how
    FROM batch b LEFT JOIN batch_close c ON c.batch_id = b.id";

impl Batches<'_> {
    pub fn get(&self, id: i64) -> Result<Option<Batch>, StoreError> {
        self.conn
            .query_row(&format!("{BATCH} WHERE b.id = ?1"), [id], row_to_batch)
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Batches with no close row, oldest first: what an interrupted run left.
    pub fn open(&self) -> Result<Vec<Batch>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(&format!("{BATCH} WHERE c.batch_id IS NULL ORDER BY b.id"))
            .map_err(|e| self.err(e))?;
        let rows = st.query_map([], row_to_batch).map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Every target of batch `id` in plan order, with the newest journal row and finding.
    pub fn targets(&self, id: i64) -> Result<Vec<TargetRecord>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT t.seq, t.resource_id, t.owner, t.org_unit, t.before,
                        j.id, j.outcome, j.error, f.finding, f.journal_id, f.detail
                 FROM batch_target t
                 LEFT JOIN journal j ON j.id = (SELECT max(id) FROM journal
                     WHERE batch_id = t.batch_id AND seq = t.seq)
                 LEFT JOIN batch_finding f ON f.id = (SELECT max(id) FROM batch_finding
                     WHERE batch_id = t.batch_id AND seq = t.seq)
                 WHERE t.batch_id = ?1 ORDER BY t.seq",
            )
            .map_err(|e| self.err(e))?;
        let rows = st.query_map([id], row_to_target).map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Appends what reading target `seq` back showed.
    pub fn add_finding(
        &self,
        batch_id: i64,
        seq: i64,
        journal_id: Option<i64>,
        finding: Finding,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO batch_finding (batch_id, seq, journal_id, at, finding, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    batch_id,
                    seq,
                    journal_id,
                    stamp(Utc::now()),
                    finding.as_str(),
                    detail
                ],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Closes a batch once: `finished` (every target has a final outcome) or `abandoned`
    /// (the admin chose not to resume it). Closing a closed batch changes nothing.
    pub fn close(&self, id: i64, abandoned: bool) -> Result<(), StoreError> {
        let how = if abandoned { "abandoned" } else { "finished" };
        self.conn
            .execute(
                "INSERT OR IGNORE INTO batch_close (batch_id, at, how) VALUES (?1, ?2, ?3)",
                params![id, stamp(Utc::now()), how],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::from_sql(self.path, e)
    }
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_time(r: &Row<'_>, i: usize) -> rusqlite::Result<DateTime<Utc>> {
    let at: String = r.get(i)?;
    DateTime::parse_from_rfc3339(&at)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
        })
}

fn row_to_batch(r: &Row<'_>) -> rusqlite::Result<Batch> {
    Ok(Batch {
        id: r.get(0)?,
        at: parse_time(r, 1)?,
        profile: r.get(2)?,
        actor: r.get(3)?,
        kind: r.get(4)?,
        label: r.get(5)?,
        count: r.get::<_, i64>(6)?.max(0) as u64,
        plan: r.get(7)?,
        closed: r.get(8)?,
    })
}

fn row_to_target(r: &Row<'_>) -> rusqlite::Result<TargetRecord> {
    let journal = match r.get::<_, Option<i64>>(5)? {
        None => None,
        Some(id) => Some((
            id,
            match r.get::<_, String>(6)?.as_str() {
                "succeeded" => Outcome::Succeeded,
                "failed" => Outcome::Failed(r.get::<_, Option<String>>(7)?.unwrap_or_default()),
                _ => Outcome::Planned,
            },
        )),
    };
    let finding = match r.get::<_, Option<String>>(8)? {
        None => None,
        Some(f) => Some((Finding::parse(&f), r.get(9)?, r.get(10)?)),
    };
    Ok(TargetRecord {
        seq: r.get(0)?,
        resource_id: r.get(1)?,
        owner: r.get(2)?,
        org_unit: r.get(3)?,
        before: r.get(4)?,
        journal,
        finding,
    })
}
