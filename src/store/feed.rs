//! The feed's tables: events (insert-or-ignore by their content-derived ID), the per-OU
//! burndown, the compact state each source diffs against, and per-source status.
//!
//! A poll is committed in one transaction that first checks the committer still holds the
//! lease and that the state it diffed against is still the stored one (`generation`), so a
//! crash, a lost lease or a second poller can never store a diff twice or half of one.
use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{Store, StoreError};
use crate::model::feed_state::{OuBurndown, Seen};
use crate::model::{Event, EventKind, Severity, Source};

/// A stored event and its insertion order (what `--follow` streams by).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub seq: i64,
    pub event: Event,
}

/// What a source diffs against. `seen` is `None` before its first committed poll.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceState<T> {
    pub generation: i64,
    pub cursor: Option<String>,
    pub seen: Option<Seen<T>>,
}

/// How each source fared, for "stale since … because …".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceStatus {
    pub source: String,
    pub last_ok_at: Option<DateTime<Utc>>,
    pub last_requests: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
}

/// One burndown point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountRow {
    pub ou: String,
    pub at: DateTime<Utc>,
    pub active: i64,
    pub total: i64,
}

/// One poll, ready to commit.
pub struct Commit<'a, T> {
    /// The state's name: a source's name, or a sub-state such as `android-policies`.
    pub state: &'a str,
    /// The lease holder committing, checked against the lease at `now_ms` (local clock).
    pub holder: &'a str,
    pub now_ms: i64,
    /// The generation of the state this poll was diffed against.
    pub generation: i64,
    pub events: &'a [Event],
    pub upsert: &'a [(String, T)],
    pub remove: &'a [String],
    pub cursor: Option<&'a str>,
    /// The burndown at the poll, if this source measures it.
    pub counts: Option<&'a BTreeMap<String, OuBurndown>>,
    /// The server's clock at the poll.
    pub at: DateTime<Utc>,
    pub requests: u64,
}

pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_ts(s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
        })
}

fn insert_events(tx: &Transaction, events: &[Event]) -> rusqlite::Result<usize> {
    let mut st = tx.prepare_cached(
        "INSERT OR IGNORE INTO feed_event (id, at, source, kind, severity, ou, device, user,
         step, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    let mut n = 0;
    for e in events {
        n += st.execute(params![
            e.id,
            ts(e.at),
            e.source.as_str(),
            e.kind.as_str(),
            e.severity.as_str(),
            e.ou,
            e.device,
            e.user,
            e.step,
            e.detail
        ])?;
    }
    Ok(n)
}

impl Store {
    /// `BEGIN IMMEDIATE`: every feed write first reads (the lease, the generation), and a
    /// deferred transaction that reads and then writes cannot wait for another connection's
    /// write (SQLite answers busy at once instead: its snapshot would be stale). Taking the
    /// write lock first waits like any other write.
    fn write_tx(&mut self) -> rusqlite::Result<Transaction<'_>> {
        self.conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
    }
}

fn stored_event(r: &rusqlite::Row) -> rusqlite::Result<StoredEvent> {
    let text = |i| r.get::<_, String>(i);
    let bad = |what: &str, v: String| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("unknown {what} `{v}`").into(),
        )
    };
    let source = text(3)?;
    let kind = text(4)?;
    let severity = text(5)?;
    Ok(StoredEvent {
        seq: r.get(0)?,
        event: Event {
            id: text(1)?,
            at: parse_ts(&text(2)?)?,
            source: Source::parse(&source).ok_or_else(|| bad("source", source))?,
            kind: EventKind::parse(&kind).ok_or_else(|| bad("kind", kind))?,
            severity: Severity::parse(&severity).ok_or_else(|| bad("severity", severity))?,
            ou: r.get(6)?,
            device: r.get(7)?,
            user: r.get(8)?,
            step: r.get(9)?,
            detail: text(10)?,
        },
    })
}

impl Store {
    /// Stores events that are not stored yet; returns how many were new.
    pub fn insert_events(&mut self, events: &[Event]) -> Result<usize, StoreError> {
        let path = self.path.clone();
        let sql = |e| StoreError::from_sql(&path, e);
        let tx = self.write_tx().map_err(sql)?;
        let n = insert_events(&tx, events).map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(n)
    }

    /// Events in insertion order: those after `after_seq`, at or after `since`.
    pub fn events(
        &self,
        since: Option<DateTime<Utc>>,
        after_seq: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT seq, id, at, source, kind, severity, ou, device, user, step, detail
                 FROM feed_event WHERE seq > ?1 AND at >= ?2 ORDER BY seq",
            )
            .map_err(|e| self.err(e))?;
        let since = since.map(ts).unwrap_or_default();
        let rows = st
            .query_map(params![after_seq, since], stored_event)
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The newest `limit` events, in insertion order (what a dashboard opens with: a
    /// long-running feed stores far more than a screen needs).
    pub fn newest_events(&self, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT seq, id, at, source, kind, severity, ou, device, user, step, detail
                 FROM (SELECT * FROM feed_event ORDER BY seq DESC LIMIT ?1) ORDER BY seq",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([limit as i64], stored_event)
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The state `source` diffs against.
    pub fn feed_state<T: DeserializeOwned>(
        &self,
        source: &str,
    ) -> Result<SourceState<T>, StoreError> {
        self.feed_state_with(source, |_| {})
    }

    /// [`Store::feed_state`] with `each` applied to every entry as it is read (sharing the
    /// entries' repeated values before the next one is read keeps the peak low).
    pub fn feed_state_with<T: DeserializeOwned>(
        &self,
        source: &str,
        mut each: impl FnMut(&mut T),
    ) -> Result<SourceState<T>, StoreError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let row: Option<(i64, Option<String>)> = tx
            .query_row(
                "SELECT generation, cursor FROM feed_source WHERE source = ?1",
                [source],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let (generation, cursor) = row.unwrap_or((0, None));
        let seen = if generation == 0 {
            None
        } else {
            let mut st = tx
                .prepare("SELECT key, json FROM feed_seen WHERE source = ?1")
                .map_err(|e| self.err(e))?;
            let mut rows = st.query([source]).map_err(|e| self.err(e))?;
            let mut seen = Seen::new();
            while let Some(r) = rows.next().map_err(|e| self.err(e))? {
                let key: String = r.get(0).map_err(|e| self.err(e))?;
                let json: String = r.get(1).map_err(|e| self.err(e))?;
                let mut v = serde_json::from_str(&json)
                    .map_err(|e| StoreError::bad_json(&self.path, "feed state", e))?;
                each(&mut v);
                seen.insert(key, v);
            }
            Some(seen)
        };
        Ok(SourceState {
            generation,
            cursor,
            seen,
        })
    }

    /// Commits one poll: lease and generation checked, then events, state change, cursor,
    /// burndown and status, all or nothing. Returns how many events were new.
    pub fn feed_commit<T: Serialize>(&mut self, c: Commit<'_, T>) -> Result<usize, StoreError> {
        let path = self.path.clone();
        let sql = |e| StoreError::from_sql(&path, e);
        let tx = self.write_tx().map_err(sql)?;
        super::lease::check_holder(&tx, &path, c.holder, c.now_ms)?;
        let generation: i64 = tx
            .query_row(
                "SELECT generation FROM feed_source WHERE source = ?1",
                [c.state],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql)?
            .unwrap_or(0);
        if generation != c.generation {
            return Err(StoreError::StaleFeedState {
                path,
                source_name: c.state.to_string(),
            });
        }
        let n = insert_events(&tx, c.events).map_err(sql)?;
        {
            let mut up = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO feed_seen (source, key, json) VALUES (?1, ?2, ?3)",
                )
                .map_err(sql)?;
            for (k, v) in c.upsert {
                let json = serde_json::to_string(v)
                    .map_err(|e| StoreError::bad_json(&path, "feed state", e))?;
                up.execute(params![c.state, k, json]).map_err(sql)?;
            }
            let mut del = tx
                .prepare_cached("DELETE FROM feed_seen WHERE source = ?1 AND key = ?2")
                .map_err(sql)?;
            for k in c.remove {
                del.execute(params![c.state, k]).map_err(sql)?;
            }
        }
        if let Some(counts) = c.counts {
            store_counts(&tx, c.at, counts).map_err(sql)?;
        }
        tx.execute(
            "INSERT INTO feed_source (source, generation, cursor, last_ok_at, last_requests)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (source) DO UPDATE SET generation = ?2, cursor = ?3,
             last_ok_at = ?4, last_requests = ?5",
            params![
                c.state,
                c.generation + 1,
                c.cursor,
                ts(c.at),
                c.requests as i64
            ],
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(n)
    }

    /// Records a failed poll (and its `poll-failed` event) if `holder` still holds the lease.
    pub fn feed_failure(
        &mut self,
        holder: &str,
        now_ms: i64,
        event: &Event,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let sql = |e| StoreError::from_sql(&path, e);
        let tx = self.write_tx().map_err(sql)?;
        super::lease::check_holder(&tx, &path, holder, now_ms)?;
        insert_events(&tx, std::slice::from_ref(event)).map_err(sql)?;
        tx.execute(
            "INSERT INTO feed_source (source, last_error, last_error_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (source) DO UPDATE SET last_error = ?2, last_error_at = ?3",
            params![event.source.as_str(), event.detail, ts(event.at)],
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)
    }

    /// How every polled source fared.
    pub fn feed_sources(&self) -> Result<Vec<SourceStatus>, StoreError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT source, last_ok_at, last_requests, last_error, last_error_at
                 FROM feed_source ORDER BY source",
            )
            .map_err(|e| self.err(e))?;
        let opt_ts = |s: Option<String>| s.map(|s| parse_ts(&s)).transpose();
        let rows = st
            .query_map([], |r| {
                Ok(SourceStatus {
                    source: r.get(0)?,
                    last_ok_at: opt_ts(r.get(1)?)?,
                    last_requests: r.get(2)?,
                    last_error: r.get(3)?,
                    last_error_at: opt_ts(r.get(4)?)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The burndown of one OU (or of every OU), oldest first.
    pub fn feed_counts(&self, ou: Option<&str>) -> Result<Vec<CountRow>, StoreError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT ou, at, active, total FROM feed_count
                 WHERE ?1 IS NULL OR ou = ?1 ORDER BY at, ou",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([ou], |r| {
                Ok(CountRow {
                    ou: r.get(0)?,
                    at: parse_ts(&r.get::<_, String>(1)?)?,
                    active: r.get(2)?,
                    total: r.get(3)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }
}

/// A row per OU whose count differs from its latest stored one.
fn store_counts(
    tx: &Transaction,
    at: DateTime<Utc>,
    counts: &BTreeMap<String, OuBurndown>,
) -> rusqlite::Result<()> {
    let mut last = tx.prepare_cached(
        "SELECT active, total FROM feed_count WHERE ou = ?1 ORDER BY at DESC LIMIT 1",
    )?;
    let mut ins = tx.prepare_cached(
        "INSERT OR REPLACE INTO feed_count (ou, at, active, total) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let at = ts(at);
    for (ou, c) in counts {
        let prev: Option<(i64, i64)> = last
            .query_row([ou], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let now = (c.active as i64, c.total as i64);
        if prev != Some(now) {
            ins.execute(params![ou, at, now.0, now.1])?;
        }
    }
    Ok(())
}

impl Store {
    /// Records a value offsync itself just set (a policy it patched), so the next poll does
    /// not report it as drift. Bumps the generation: a poll diffed before this is discarded.
    pub fn feed_remember<T: Serialize>(
        &mut self,
        state: &str,
        key: &str,
        value: &T,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let sql = |e| StoreError::from_sql(&path, e);
        let json = serde_json::to_string(value)
            .map_err(|e| StoreError::bad_json(&path, "feed state", e))?;
        let tx = self.write_tx().map_err(sql)?;
        tx.execute(
            "INSERT OR REPLACE INTO feed_seen (source, key, json) VALUES (?1, ?2, ?3)",
            params![state, key, json],
        )
        .map_err(sql)?;
        tx.execute(
            "UPDATE feed_source SET generation = generation + 1 WHERE source = ?1 AND generation > 0",
            [state],
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)
    }
}
