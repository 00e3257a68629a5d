//! The inventory cache: each save is a snapshot (devices, users, OUs and when they were
//! fetched), the newest is what `load_inventory` returns, and the last [`KEEP_SNAPSHOTS`]
//! are kept so the history of a migration (burndown) can be read back.
//!
//! Devices are stored as the JSON of `model::Device` plus indexed copies of the columns
//! worth querying. Loading reads only the JSON, in one transaction with prepared
//! statements; at 100k devices parsing dominates, so it is spread over the CPU's cores.
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::de::DeserializeOwned;

use super::{Store, StoreError};
use crate::model::{Device, Inventory, OrgUnit, User};

/// Snapshots kept after each save; older ones are pruned.
pub const KEEP_SNAPSHOTS: usize = 20;

/// Summary of one stored snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    pub id: i64,
    pub fetched_at: Option<DateTime<Utc>>,
    pub saved_at: DateTime<Utc>,
    pub devices: usize,
    pub users: usize,
    pub org_units: usize,
    /// The query the devices were listed with; `None` for a complete inventory.
    pub server_query: Option<String>,
}

impl Store {
    /// Saves a complete inventory (every device listed) as a new snapshot and prunes all
    /// but the newest [`KEEP_SNAPSHOTS`]. Returns the snapshot id. All or nothing: a failed
    /// save leaves the previous cache.
    pub fn save_inventory(&mut self, inv: &Inventory) -> Result<i64, StoreError> {
        self.save_inventory_for_query(inv, None)
    }

    /// Saves an inventory whose devices were listed with `server_query` (the string sent to
    /// Google), so it holds only the matching devices. `None` means complete.
    pub fn save_inventory_for_query(
        &mut self,
        inv: &Inventory,
        server_query: Option<&str>,
    ) -> Result<i64, StoreError> {
        let path = self.path.clone();
        let sql = |e| StoreError::from_sql(&path, e);
        let server_query = server_query.filter(|q| !q.trim().is_empty());
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute(
            "INSERT INTO snapshot (fetched_at, saved_at, device_count, user_count, ou_count,
             server_query) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                inv.fetched_at.map(ts),
                ts(Utc::now()),
                inv.devices.len() as i64,
                inv.users.len() as i64,
                inv.org_units.len() as i64,
                server_query
            ],
        )
        .map_err(sql)?;
        let id = tx.last_insert_rowid();
        {
            let mut ins = tx
                .prepare(
                    "INSERT INTO device (snapshot_id, seq, resource_id, type, status, owner,
                     org_unit_path, last_sync, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .map_err(sql)?;
            for (seq, d) in inv.devices.iter().enumerate() {
                ins.execute(params![
                    id,
                    seq as i64,
                    d.resource_id,
                    d.device_type.as_str(),
                    d.status.as_str(),
                    d.owner(),
                    d.org_unit_path,
                    d.last_sync.map(ts),
                    to_json(d),
                ])
                .map_err(sql)?;
            }
            let mut ins = tx
                .prepare(
                    "INSERT INTO user (snapshot_id, seq, primary_email, org_unit_path, json)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(sql)?;
            for (seq, u) in inv.users.iter().enumerate() {
                ins.execute(params![
                    id,
                    seq as i64,
                    u.primary_email,
                    u.org_unit_path,
                    to_json(u)
                ])
                .map_err(sql)?;
            }
            let mut ins = tx
                .prepare("INSERT INTO org_unit (snapshot_id, seq, org_unit_path, json) VALUES (?1, ?2, ?3, ?4)")
                .map_err(sql)?;
            for (seq, o) in inv.org_units.iter().enumerate() {
                ins.execute(params![id, seq as i64, o.org_unit_path, to_json(o)])
                    .map_err(sql)?;
            }
        }
        prune(&tx, KEEP_SNAPSHOTS).map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(id)
    }

    /// The newest complete snapshot, or `None` when none was ever saved. Devices keep the
    /// owner OU joined at fetch time; `fetched_at` is restored so callers can show its age.
    pub fn load_inventory(&self) -> Result<Option<Inventory>, StoreError> {
        self.load_inventory_for_query(None)
    }

    /// The newest snapshot that holds every device `server_query` matches: a complete one,
    /// or one listed with exactly that query. Callers still filter locally.
    pub fn load_inventory_for_query(
        &self,
        server_query: Option<&str>,
    ) -> Result<Option<Inventory>, StoreError> {
        let sql = |e| self.err(e);
        let server_query = server_query.filter(|q| !q.trim().is_empty());
        // One read transaction: a save committing mid-load cannot mix two snapshots.
        let tx = self.conn.unchecked_transaction().map_err(sql)?;
        let latest: Option<(i64, Option<String>, String)> = tx
            .query_row(
                "SELECT id, fetched_at, saved_at FROM snapshot
                 WHERE server_query IS NULL OR server_query = ?1 ORDER BY id DESC LIMIT 1",
                [server_query],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(sql)?;
        let Some((id, fetched_at, saved_at)) = latest else {
            return Ok(None);
        };
        let devices: Vec<Device> = load_rows(&tx, "device", id, &self.path)?;
        let users: Vec<User> = load_rows(&tx, "user", id, &self.path)?;
        let org_units: Vec<OrgUnit> = load_rows(&tx, "org_unit", id, &self.path)?;
        tx.finish().map_err(sql)?;
        let fetched_at = fetched_at.map(|s| parse_ts(&s, &self.path)).transpose()?;
        // `fetched_at` is the server's clock and `saved_at` this machine's, taken moments
        // apart: their difference is the server's offset, so ages stay right from the cache.
        let saved_at = parse_ts(&saved_at, &self.path)?;
        let server_offset = fetched_at.map(|f| f - saved_at).unwrap_or_default();
        Ok(Some(Inventory {
            devices,
            users,
            org_units,
            fetched_at,
            server_offset,
        }))
    }

    /// Stored snapshots, newest first.
    pub fn snapshots(&self) -> Result<Vec<SnapshotInfo>, StoreError> {
        type Raw = (i64, Option<String>, String, i64, i64, i64, Option<String>);
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT id, fetched_at, saved_at, device_count, user_count, ou_count,
                 server_query FROM snapshot ORDER BY id DESC",
            )
            .map_err(|e| self.err(e))?;
        let raw: Vec<Raw> = st
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .and_then(Iterator::collect)
            .map_err(|e| self.err(e))?;
        raw.into_iter()
            .map(|(id, fetched, saved, d, u, o, server_query)| {
                Ok(SnapshotInfo {
                    id,
                    fetched_at: fetched.map(|s| parse_ts(&s, &self.path)).transpose()?,
                    saved_at: parse_ts(&saved, &self.path)?,
                    devices: d as usize,
                    users: u as usize,
                    org_units: o as usize,
                    server_query,
                })
            })
            .collect()
    }
}

fn prune(conn: &Connection, keep: usize) -> rusqlite::Result<()> {
    let cutoff: Option<i64> = conn
        .query_row(
            "SELECT id FROM snapshot ORDER BY id DESC LIMIT 1 OFFSET ?1",
            [keep as i64 - 1],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(cutoff) = cutoff {
        for table in ["device", "user", "org_unit", "snapshot"] {
            let col = if table == "snapshot" {
                "id"
            } else {
                "snapshot_id"
            };
            conn.execute(&format!("DELETE FROM {table} WHERE {col} < ?1"), [cutoff])?;
        }
    }
    Ok(())
}

/// Reads the `json` column of one snapshot's rows in order and parses it. At 100k devices
/// parsing dominates (reading is ~15% of the time), so with more than one core the rows are
/// handed out in chunks to parser threads while this thread keeps reading: a pipeline.
fn load_rows<T: DeserializeOwned + Send>(
    tx: &Connection,
    table: &str,
    snapshot: i64,
    path: &std::path::Path,
) -> Result<Vec<T>, StoreError> {
    let sql = |e| StoreError::from_sql(path, e);
    let bad = |e| StoreError::bad_json(path, table, e);
    let mut st = tx
        .prepare_cached(&format!(
            "SELECT json FROM {table} WHERE snapshot_id = ?1 ORDER BY seq"
        ))
        .map_err(sql)?;
    let mut rows = st.query([snapshot]).map_err(sql)?;
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if workers == 1 {
        // Parse straight from SQLite's buffer: no copy at all.
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(sql)? {
            let text = r
                .get_ref(0)
                .and_then(|v| v.as_str().map_err(Into::into))
                .map_err(sql)?;
            out.push(serde_json::from_str(text).map_err(bad)?);
        }
        return Ok(out);
    }
    const CHUNK: usize = 2048;
    // Bounded, so the reader never runs far ahead of the parsers: unparsed JSON text is
    // the largest thing in memory during a load, and only a few chunks of it may wait.
    let (work_tx, work_rx) = std::sync::mpsc::sync_channel::<(usize, Vec<String>)>(workers);
    let work_rx = std::sync::Mutex::new(work_rx);
    let (done_tx, done_rx) =
        std::sync::mpsc::channel::<(usize, Result<Vec<T>, serde_json::Error>)>();
    std::thread::scope(|s| {
        for _ in 0..workers {
            let (work_rx, done_tx) = (&work_rx, done_tx.clone());
            s.spawn(move || loop {
                // The lock is held only to take the next chunk; a poisoned lock cannot
                // happen (nothing panics while holding it), but ending the worker is safe.
                let next = match work_rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                let Ok((i, texts)) = next else { return };
                let parsed = texts.iter().map(|t| serde_json::from_str(t)).collect();
                if done_tx.send((i, parsed)).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut sent = 0;
        let read = (|| -> rusqlite::Result<()> {
            while let Some(r) = rows.next()? {
                chunk.push(r.get::<_, String>(0)?);
                if chunk.len() == CHUNK {
                    // Workers only stop once this sender is dropped, so sending cannot fail.
                    let _ = work_tx.send((
                        sent,
                        std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK)),
                    ));
                    sent += 1;
                }
            }
            Ok(())
        })();
        if !chunk.is_empty() {
            let _ = work_tx.send((sent, chunk));
            sent += 1;
        }
        drop(work_tx);
        read.map_err(sql)?;
        let mut parts: Vec<(usize, Vec<T>)> = Vec::with_capacity(sent);
        for (i, part) in done_rx.iter() {
            parts.push((i, part.map_err(bad)?));
        }
        parts.sort_unstable_by_key(|(i, _)| *i);
        let mut out = Vec::with_capacity(parts.iter().map(|(_, p)| p.len()).sum());
        for (_, p) in parts {
            out.extend(p);
        }
        Ok(out)
    })
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    // Model types are plain data with string keys: serialising them cannot fail.
    serde_json::to_string(v).expect("model values serialise to JSON")
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_ts(s: &str, path: &std::path::Path) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("bad timestamp `{s}`: {e}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prune_keeps_the_newest() {
        let mut s = Store::open_in_memory().unwrap();
        let mut last = 0;
        for _ in 0..KEEP_SNAPSHOTS + 3 {
            last = s.save_inventory(&Inventory::default()).unwrap();
        }
        let snaps = s.snapshots().unwrap();
        assert_eq!(snaps.len(), KEEP_SNAPSHOTS);
        assert_eq!(snaps[0].id, last);
    }
}
