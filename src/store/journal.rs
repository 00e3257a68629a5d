//! The audit journal: one row per change offsync plans, written *before* the request is
//! sent, then given its outcome once. A crash or a dropped SSH session in between leaves
//! a visible `planned` entry, which is what makes an interrupted run resumable.
//!
//! Append-only: the schema's triggers refuse deletes and any update other than
//! planned → succeeded/failed, so no caller can rewrite history by mistake. Requests are
//! stored as method + path only; anything that looks like a credential is stripped.
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", content = "error", rename_all = "snake_case")]
pub enum Outcome {
    Planned,
    Succeeded,
    /// Why it failed, as shown to the admin.
    Failed(String),
}

impl Outcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Planned => "planned",
            Outcome::Succeeded => "succeeded",
            Outcome::Failed(_) => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JournalEntry {
    /// Assigned by [`Journal::append`]; ignored on input.
    pub id: i64,
    pub at: DateTime<Utc>,
    pub profile: String,
    /// The admin offsync acted as (the delegated subject).
    pub actor: String,
    /// Short verb, e.g. `block`, `policy.patch`.
    pub action: String,
    /// Resource IDs or the OU the change applies to.
    pub target: String,
    pub count: u64,
    /// Method and path, e.g. `POST admin/directory/v1/customer/C1/devices/mobile/R1/action`.
    pub request: String,
    /// The equivalent GAM command, so an admin can reproduce or audit the change.
    pub gam_command: String,
    #[serde(flatten)]
    pub outcome: Outcome,
    pub dry_run: bool,
    /// The confirmed batch this change belongs to and its target's position in it
    /// (`None` for entries written before batches existed).
    pub batch_id: Option<i64>,
    pub seq: Option<i64>,
}

/// The journal of one database; get it from [`super::Store::journal`].
pub struct Journal<'a> {
    conn: &'a Connection,
    path: &'a Path,
}

const SELECT: &str = "SELECT id, at, profile, actor, action, target, count, request, gam_command,
    outcome, error, dry_run, batch_id, seq FROM journal";

impl<'a> Journal<'a> {
    pub(crate) fn new(conn: &'a Connection, path: &'a Path) -> Self {
        Journal { conn, path }
    }

    /// Appends `e` (its `id` is ignored) and returns the new id. Normally `e.outcome` is
    /// `Planned` and [`Self::set_outcome`] follows; a dry run may be recorded finished at once.
    pub fn append(&self, e: &JournalEntry) -> Result<i64, StoreError> {
        let error = match &e.outcome {
            Outcome::Failed(why) => Some(why.as_str()),
            _ => None,
        };
        self.conn
            .prepare_cached(
                "INSERT INTO journal (at, profile, actor, action, target, count, request,
                 gam_command, outcome, error, dry_run, batch_id, seq)
                 VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    e.at.to_rfc3339_opts(SecondsFormat::Millis, true),
                    e.profile,
                    e.actor,
                    e.action,
                    e.target,
                    e.count as i64,
                    redact(&e.request),
                    e.gam_command,
                    e.outcome.as_str(),
                    error,
                    e.dry_run,
                    e.batch_id,
                    e.seq,
                ])
            })
            .map_err(|err| self.err(err))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Records the result of a planned entry. The only update the journal allows: an entry
    /// that already has an outcome (or setting `Planned` again) is an error.
    pub fn set_outcome(&self, id: i64, outcome: &Outcome) -> Result<(), StoreError> {
        let current: Option<String> = self
            .conn
            .query_row("SELECT outcome FROM journal WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))?;
        match current.as_deref() {
            None => {
                return Err(StoreError::NoSuchEntry {
                    path: self.path.to_path_buf(),
                    id,
                })
            }
            Some("planned") if *outcome != Outcome::Planned => {}
            Some(done) => {
                return Err(StoreError::AlreadyFinished {
                    path: self.path.to_path_buf(),
                    id,
                    outcome: done.to_string(),
                })
            }
        }
        let error = match outcome {
            Outcome::Failed(why) => Some(why.as_str()),
            _ => None,
        };
        self.conn
            .execute(
                "UPDATE journal SET outcome = ?2, error = ?3 WHERE id = ?1",
                params![id, outcome.as_str(), error],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The newest `limit` entries, newest first.
    pub fn list(&self, limit: usize) -> Result<Vec<JournalEntry>, StoreError> {
        self.query(&format!("{SELECT} ORDER BY id DESC LIMIT ?1"), limit as i64)
    }

    /// Entries at or after `since`, oldest first, at most `limit` (the newest ones).
    pub fn since(
        &self,
        since: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<JournalEntry>, StoreError> {
        let from = since
            .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
            .unwrap_or_default();
        let sql = format!(
            "SELECT * FROM ({SELECT} WHERE at >= ?1 ORDER BY id DESC LIMIT ?2) ORDER BY id"
        );
        let mut st = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let rows = st
            .query_map(params![from, limit as i64], row_to_entry)
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Entries with an id above `id`, oldest first: for following the journal as it grows.
    pub fn after(&self, id: i64) -> Result<Vec<JournalEntry>, StoreError> {
        self.query(&format!("{SELECT} WHERE id > ?1 ORDER BY id"), id)
    }

    /// Entries still `planned` (not dry runs), oldest first: what an interrupted run left.
    pub fn unfinished(&self) -> Result<Vec<JournalEntry>, StoreError> {
        self.query(
            &format!("{SELECT} WHERE outcome = 'planned' AND dry_run = ?1 ORDER BY id"),
            0,
        )
    }

    fn query(&self, sql: &str, arg: i64) -> Result<Vec<JournalEntry>, StoreError> {
        let mut st = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        let rows = st.query_map([arg], row_to_entry).map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::from_sql(self.path, e)
    }
}

fn row_to_entry(r: &Row<'_>) -> rusqlite::Result<JournalEntry> {
    let at: String = r.get(1)?;
    let at = DateTime::parse_from_rfc3339(&at)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
        })?;
    let outcome = match r.get::<_, String>(9)?.as_str() {
        "succeeded" => Outcome::Succeeded,
        "failed" => Outcome::Failed(r.get::<_, Option<String>>(10)?.unwrap_or_default()),
        _ => Outcome::Planned,
    };
    Ok(JournalEntry {
        id: r.get(0)?,
        at,
        profile: r.get(2)?,
        actor: r.get(3)?,
        action: r.get(4)?,
        target: r.get(5)?,
        count: r.get::<_, i64>(6)?.max(0) as u64,
        request: r.get(7)?,
        gam_command: r.get(8)?,
        outcome,
        dry_run: r.get(11)?,
        batch_id: r.get(12)?,
        seq: r.get(13)?,
    })
}

/// Query parameters that say what a request changes and never carry secrets: kept, so the
/// journal shows exactly which fields a masked patch replaced.
const KEPT_PARAMS: [&str; 1] = ["updateMask"];

/// Keeps method + path and the [`KEPT_PARAMS`]: drops the rest of a query string (it may
/// carry `access_token` or `key`) and any bearer token a careless caller pasted in.
fn redact(request: &str) -> String {
    let (path, query) = request.split_once('?').unwrap_or((request, ""));
    // Anything after the query (a header line) is not part of it.
    let query = query.split_whitespace().next().unwrap_or("");
    // Kept as sent (a mask's commas stay readable); only whole `name=value` pairs.
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or("");
            KEPT_PARAMS.contains(&name)
        })
        .collect();
    let mut out = match path.find("Bearer ") {
        Some(i) => format!("{}Bearer [redacted]", &path[..i]),
        None => path.to_string(),
    };
    if !kept.is_empty() {
        out.push('?');
        out.push_str(&kept.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn requests_lose_query_strings_and_tokens() {
        assert_eq!(redact("GET admin/x?access_token=abc&q=1"), "GET admin/x");
        assert_eq!(
            redact("PATCH v1/enterprises/e/policies/p?access_token=t&updateMask=a,b"),
            "PATCH v1/enterprises/e/policies/p?updateMask=a,b"
        );
        assert_eq!(
            redact("POST x Authorization: Bearer ya29.zzz"),
            "POST x Authorization: Bearer [redacted]"
        );
    }
}
