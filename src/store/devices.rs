//! The inventory cache: each save is a snapshot (devices, users, OUs, when they were
//! fetched and the tenant they belong to); the newest snapshot of the asking tenant is what
//! a load returns. A 100k-device snapshot takes about 95 MB, so only the newest
//! [`KEEP_SNAPSHOTS`] (configurable) complete ones are kept; history for the burndown is
//! kept apart, as events and per-OU counts.
//!
//! Devices are stored as the JSON of `model::Device` plus indexed copies of the columns
//! worth querying. Loading reads only the JSON, in one transaction with prepared
//! statements; at 100k devices parsing dominates, so it is spread over the CPU's cores.
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::de::DeserializeOwned;

use super::{Store, StoreError};
use crate::model::{Device, Interner, Inventory, OrgUnit, Tenant, User};

/// Complete snapshots kept after each save by default (`keep_snapshots` in the config);
/// as many query-listed (partial) ones are kept besides. Older ones are pruned.
pub const KEEP_SNAPSHOTS: usize = 3;

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
    /// Whose data it is; `None` for snapshots saved before tenants were recorded (never
    /// shown to anyone, pruned in time).
    pub tenant: Option<Tenant>,
}

impl Store {
    /// Saves a complete inventory with no tenant (tests, benchmarks): it is found by
    /// [`Store::load_inventory`] only, never by a tenant's load.
    pub fn save_inventory(&mut self, inv: &Inventory) -> Result<i64, StoreError> {
        self.save_snapshot(inv, None, None, KEEP_SNAPSHOTS)
    }

    /// Saves `inv`, listed for `tenant`, as a new snapshot and prunes all but the newest
    /// `keep` complete (and `keep` query-listed) snapshots. `server_query` is the string sent
    /// to Google (`None`: every device was listed). Returns the snapshot id. All or nothing:
    /// a failed save leaves the previous cache.
    pub fn save_inventory_for(
        &mut self,
        inv: &Inventory,
        tenant: &Tenant,
        server_query: Option<&str>,
        keep: usize,
    ) -> Result<i64, StoreError> {
        self.save_snapshot(inv, Some(tenant), server_query, keep)
    }

    fn save_snapshot(
        &mut self,
        inv: &Inventory,
        tenant: Option<&Tenant>,
        server_query: Option<&str>,
        keep: usize,
    ) -> Result<i64, StoreError> {
        let path = self.path.clone();
        let sql = |e| StoreError::from_sql(&path, e);
        let server_query = server_query.filter(|q| !q.trim().is_empty());
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute(
            "INSERT INTO snapshot (fetched_at, saved_at, device_count, user_count, ou_count,
             server_query, customer_id, subject) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                inv.fetched_at.map(ts),
                ts(Utc::now()),
                inv.devices.len() as i64,
                inv.users.len() as i64,
                inv.org_units.len() as i64,
                server_query,
                tenant.and_then(|t| t.customer_id.as_deref()),
                tenant.map(|t| t.subject.as_str()),
            ],
        )
        .map_err(sql)?;
        let id = tx.last_insert_rowid();
        insert_devices(&tx, id, 0, &inv.devices).map_err(sql)?;
        insert_rest(&tx, id, inv).map_err(sql)?;
        prune(&tx, keep.max(1)).map_err(sql)?;
        tx.commit().map_err(sql)?;
        self.vacuum();
        Ok(id)
    }
    /// Hands the pruned snapshots' pages back to the file system (databases created with
    /// incremental auto-vacuum; a no-op on older ones, where the next save reuses them).
    pub(super) fn vacuum(&self) {
        if let Err(e) = self.conn.execute_batch("PRAGMA incremental_vacuum") {
            tracing::debug!("incremental_vacuum: {e}");
        }
    }

    /// The newest complete snapshot whatever its tenant, or `None` when none was ever
    /// saved (tests, benchmarks; offsync itself always loads for a tenant).
    pub fn load_inventory(&self) -> Result<Option<Inventory>, StoreError> {
        self.load_where(None, None, true)
    }

    /// The newest snapshot of `tenant` (see [`Tenant::accepts`]) that holds every device
    /// `server_query` matches: a complete one, or one listed with exactly that query.
    /// Callers still filter locally.
    pub fn load_inventory_for(
        &self,
        tenant: &Tenant,
        server_query: Option<&str>,
    ) -> Result<Option<Inventory>, StoreError> {
        self.load_where(Some(tenant), server_query, true)
    }

    /// [`Store::load_inventory_for`] without the users: devices keep the owner OU joined
    /// when they were listed, so a caller that only shows devices (`devices --cached`) does
    /// not need them, and at 50k users they are worth ~15 MB.
    pub fn load_devices_for(
        &self,
        tenant: &Tenant,
        server_query: Option<&str>,
    ) -> Result<Option<Inventory>, StoreError> {
        self.load_where(Some(tenant), server_query, false)
    }

    fn load_where(
        &self,
        tenant: Option<&Tenant>,
        server_query: Option<&str>,
        with_users: bool,
    ) -> Result<Option<Inventory>, StoreError> {
        let sql = |e| self.err(e);
        let server_query = server_query.filter(|q| !q.trim().is_empty());
        // One read transaction: a save committing mid-load cannot mix two snapshots.
        let tx = self.conn.unchecked_transaction().map_err(sql)?;
        type Row = (i64, Option<String>, String, [i64; 3]);
        let row = |r: &rusqlite::Row<'_>| -> rusqlite::Result<Row> {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                [r.get(3)?, r.get(4)?, r.get(5)?],
            ))
        };
        let latest: Option<Row> = match tenant {
            None => tx.query_row(
                "SELECT id, fetched_at, saved_at, device_count, user_count, ou_count
                 FROM snapshot WHERE server_query IS NULL AND complete = 1
                 ORDER BY id DESC LIMIT 1",
                [],
                row,
            ),
            // The same rule as `Tenant::accepts`, in SQL.
            Some(t) => tx.query_row(
                "SELECT id, fetched_at, saved_at, device_count, user_count, ou_count
                 FROM snapshot
                 WHERE (server_query IS NULL OR server_query = ?1)
                   AND complete = 1
                   AND subject = ?2 COLLATE NOCASE
                   AND (?3 IS NULL OR customer_id = ?3)
                 ORDER BY id DESC LIMIT 1",
                params![server_query, t.subject, t.customer_id],
                row,
            ),
        }
        .optional()
        .map_err(sql)?;
        let Some((id, fetched_at, saved_at, [n_dev, n_user, n_ou])) = latest else {
            return Ok(None);
        };
        // Repeated values (model, OS, OU path, …) are shared as each chunk lands.
        let mut interner = Interner::default();
        let devices: Vec<Device> =
            load_rows(&tx, "device", id, n_dev, &self.path, |d| interner.device(d))?;
        let users: Vec<User> = if with_users {
            load_rows(&tx, "user", id, n_user, &self.path, |_| {})?
        } else {
            Vec::new()
        };
        let org_units: Vec<OrgUnit> = load_rows(&tx, "org_unit", id, n_ou, &self.path, |_| {})?;
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
        type Raw = (
            i64,
            Option<String>,
            String,
            i64,
            i64,
            i64,
            Option<String>,
            (Option<String>, Option<String>),
        );
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT id, fetched_at, saved_at, device_count, user_count, ou_count,
                 server_query, customer_id, subject FROM snapshot WHERE complete = 1
                 ORDER BY id DESC",
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
                    (r.get(7)?, r.get(8)?),
                ))
            })
            .and_then(Iterator::collect)
            .map_err(|e| self.err(e))?;
        raw.into_iter()
            .map(
                |(id, fetched, saved, d, u, o, server_query, (customer_id, subject))| {
                    Ok(SnapshotInfo {
                        id,
                        fetched_at: fetched.map(|s| parse_ts(&s, &self.path)).transpose()?,
                        saved_at: parse_ts(&saved, &self.path)?,
                        devices: d as usize,
                        users: u as usize,
                        org_units: o as usize,
                        server_query,
                        tenant: subject.map(|subject| Tenant {
                            customer_id,
                            subject,
                        }),
                    })
                },
            )
            .collect()
    }
}

/// Inserts devices as rows `first_seq..` of snapshot `id`.
pub(super) fn insert_devices(
    conn: &Connection,
    id: i64,
    first_seq: i64,
    devices: &[Device],
) -> rusqlite::Result<()> {
    let mut ins = conn.prepare_cached(
        "INSERT INTO device (snapshot_id, seq, resource_id, type, status, owner,
         org_unit_path, last_sync, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for (i, d) in devices.iter().enumerate() {
        ins.execute(params![
            id,
            first_seq + i as i64,
            d.resource_id,
            d.device_type.as_str(),
            d.status.as_str(),
            d.owner(),
            d.org_unit_path.as_deref(),
            d.last_sync.map(ts),
            to_json(d),
        ])?;
    }
    Ok(())
}

/// Inserts the users and OUs of `inv` into snapshot `id`.
pub(super) fn insert_rest(conn: &Connection, id: i64, inv: &Inventory) -> rusqlite::Result<()> {
    let mut ins = conn.prepare(
        "INSERT INTO user (snapshot_id, seq, primary_email, org_unit_path, json)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (seq, u) in inv.users.iter().enumerate() {
        ins.execute(params![
            id,
            seq as i64,
            u.primary_email,
            u.org_unit_path,
            to_json(u)
        ])?;
    }
    let mut ins = conn.prepare(
        "INSERT INTO org_unit (snapshot_id, seq, org_unit_path, json) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (seq, o) in inv.org_units.iter().enumerate() {
        ins.execute(params![id, seq as i64, o.org_unit_path, to_json(o)])?;
    }
    Ok(())
}

pub(super) fn delete_snapshot(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    for (table, col) in [
        ("device", "snapshot_id"),
        ("user", "snapshot_id"),
        ("org_unit", "snapshot_id"),
        ("snapshot", "id"),
    ] {
        conn.execute(&format!("DELETE FROM {table} WHERE {col} = ?1"), [id])?;
    }
    Ok(())
}

/// Keeps the newest `keep` complete snapshots and the newest `keep` query-listed ones
/// (snapshots still being written are not counted and not touched).
pub(super) fn prune(conn: &Connection, keep: usize) -> rusqlite::Result<()> {
    for kind in ["server_query IS NULL", "server_query IS NOT NULL"] {
        let old: Vec<i64> = conn
            .prepare(&format!(
                "SELECT id FROM snapshot WHERE {kind} AND complete = 1
                 ORDER BY id DESC LIMIT -1 OFFSET ?1"
            ))?
            .query_map([keep as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for id in old {
            delete_snapshot(conn, id)?;
        }
    }
    Ok(())
}

/// Reads the `json` column of one snapshot's rows in order and parses it. At 100k devices
/// parsing dominates (reading is ~15% of the time), so with more than one core the rows are
/// handed out in chunks to parser threads while this thread keeps reading: a pipeline.
///
/// Memory is what bounds `devices --cached` and the dashboard at 100k devices: the result
/// is allocated once at its final size (`expected`, the count stored with the snapshot) and
/// parsed chunks are moved into it as soon as they are next in order, so neither a second
/// copy of every device nor a growing-and-copying vector ever exists. `each` sees every
/// value as it moves into place (e.g. to intern a device's repeated strings).
fn load_rows<T: DeserializeOwned + Send>(
    tx: &Connection,
    table: &str,
    snapshot: i64,
    expected: i64,
    path: &std::path::Path,
    mut each: impl FnMut(&mut T),
) -> Result<Vec<T>, StoreError> {
    let sql = |e| StoreError::from_sql(path, e);
    let bad = |e| StoreError::bad_json(path, table, e);
    let mut st = tx
        .prepare_cached(&format!(
            "SELECT json FROM {table} WHERE snapshot_id = ?1 ORDER BY seq"
        ))
        .map_err(sql)?;
    let mut rows = st.query([snapshot]).map_err(sql)?;
    let mut out = Vec::with_capacity(expected.clamp(0, 10_000_000) as usize);
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if workers == 1 {
        // Parse straight from SQLite's buffer: no copy at all.
        while let Some(r) = rows.next().map_err(sql)? {
            let text = r
                .get_ref(0)
                .and_then(|v| v.as_str().map_err(Into::into))
                .map_err(sql)?;
            let mut v = serde_json::from_str(text).map_err(bad)?;
            each(&mut v);
            out.push(v);
        }
        return Ok(out);
    }
    // Small enough that the JSON text waiting to be parsed stays a few MB.
    const CHUNK: usize = 512;
    // Bounded, so the reader never runs far ahead of the parsers: unparsed JSON text is
    // the largest transient thing in memory during a load, and only a few chunks may wait.
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
        // Parsed chunks that finished ahead of their turn, by chunk number.
        let mut early: std::collections::BTreeMap<usize, Vec<T>> = Default::default();
        let mut next = 0;
        let mut failed = None;
        let mut take = |i: usize, part: Result<Vec<T>, serde_json::Error>, out: &mut Vec<T>| {
            match part {
                Ok(p) => {
                    early.insert(i, p);
                }
                Err(e) => {
                    failed.get_or_insert(e);
                }
            }
            while let Some(mut p) = early.remove(&next) {
                p.iter_mut().for_each(&mut each);
                out.extend(p);
                next += 1;
            }
        };
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
                    // Move finished chunks into place while reading goes on.
                    while let Ok((i, part)) = done_rx.try_recv() {
                        take(i, part, &mut out);
                    }
                }
            }
            Ok(())
        })();
        if !chunk.is_empty() {
            let _ = work_tx.send((sent, chunk));
        }
        drop(work_tx);
        read.map_err(sql)?;
        for (i, part) in done_rx.iter() {
            take(i, part, &mut out);
        }
        match failed {
            Some(e) => Err(bad(e)),
            None => Ok(out),
        }
    })
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    // Model types are plain data with string keys: serialising them cannot fail.
    serde_json::to_string(v).expect("model values serialise to JSON")
}

pub(super) fn ts(t: DateTime<Utc>) -> String {
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
