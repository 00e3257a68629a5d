//! Writing a snapshot page by page while its listing runs, so saving it never needs a
//! second copy of every device (at 100k devices ~55 MB): the dashboard appends each page of
//! the confirmed listing as it arrives and completes the snapshot at the end. A snapshot
//! still being written is invisible (`complete = 0`): loads, the snapshot list and pruning
//! skip it, so a reader keeps the previous one and a failed listing changes nothing.
use chrono::Utc;
use rusqlite::params;

use super::devices::{delete_snapshot, insert_devices, insert_rest, prune, ts};
use super::{Store, StoreError};
use crate::model::{Device, Inventory, Shared, Tenant};

/// A snapshot being written page by page ([`Store::begin_snapshot`]).
#[derive(Debug)]
pub struct SnapshotWriter {
    id: i64,
    /// Devices appended so far (the next one's `seq`).
    devices: i64,
}

impl SnapshotWriter {
    pub fn devices(&self) -> usize {
        self.devices as usize
    }
}

impl Store {
    /// Starts a snapshot of `tenant` written page by page ([`Store::append_devices`]) while
    /// its listing runs, so no second copy of every device is needed to save it. Until
    /// [`Store::finish_snapshot`] it is invisible: loads, the snapshot list and pruning
    /// skip it, and a listing that fails leaves the previous cache as it was.
    pub fn begin_snapshot(
        &mut self,
        tenant: &Tenant,
        server_query: Option<&str>,
    ) -> Result<SnapshotWriter, StoreError> {
        let server_query = server_query.filter(|q| !q.trim().is_empty());
        let sql = |e| self.err(e);
        // Snapshots a crashed process left half-written a day ago are nobody's any more.
        let cutoff = ts(Utc::now() - chrono::Duration::days(1));
        let stale: Vec<i64> = self
            .conn
            .prepare("SELECT id FROM snapshot WHERE complete = 0 AND saved_at < ?1")
            .and_then(|mut st| {
                st.query_map([cutoff], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()
            })
            .map_err(sql)?;
        for id in stale {
            delete_snapshot(&self.conn, id).map_err(sql)?;
        }
        self.conn
            .execute(
                "INSERT INTO snapshot (fetched_at, saved_at, device_count, user_count, ou_count,
                 server_query, customer_id, subject, complete)
                 VALUES (NULL, ?1, 0, 0, 0, ?2, ?3, ?4, 0)",
                params![
                    ts(Utc::now()),
                    server_query,
                    tenant.customer_id.as_deref(),
                    tenant.subject.as_str(),
                ],
            )
            .map_err(sql)?;
        Ok(SnapshotWriter {
            id: self.conn.last_insert_rowid(),
            devices: 0,
        })
    }

    /// Appends one page of devices to a snapshot being written, in one short transaction
    /// (other writers wait at most a page).
    pub fn append_devices(
        &mut self,
        w: &mut SnapshotWriter,
        devices: &[Device],
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let sql = |e| StoreError::from_sql(&path, e);
        let tx = self.conn.transaction().map_err(sql)?;
        insert_devices(&tx, w.id, w.devices, devices).map_err(sql)?;
        tx.commit().map_err(sql)?;
        w.devices += devices.len() as i64;
        Ok(())
    }

    /// Completes a snapshot of `tenant` (as resolved by the listing): devices appended before their owner was known get the owner's
    /// OU (`late_joins`: resource ID → OU path), the users and OUs of `inv` are saved (its
    /// devices are not: they were appended), and old snapshots are pruned as by
    /// [`Store::save_inventory_for`]. All or nothing.
    pub fn finish_snapshot(
        &mut self,
        w: SnapshotWriter,
        tenant: &Tenant,
        inv: &Inventory,
        late_joins: &[(String, Shared)],
        keep: usize,
    ) -> Result<i64, StoreError> {
        let path = self.path.clone();
        let sql = |e| StoreError::from_sql(&path, e);
        let tx = self.conn.transaction().map_err(sql)?;
        {
            let mut join = tx
                .prepare(
                    "UPDATE device SET org_unit_path = ?3,
                     json = json_set(json, '$.orgUnitPath', ?3)
                     WHERE snapshot_id = ?1 AND resource_id = ?2",
                )
                .map_err(sql)?;
            for (id, ou) in late_joins {
                join.execute(params![w.id, id, &**ou]).map_err(sql)?;
            }
        }
        insert_rest(&tx, w.id, inv).map_err(sql)?;
        let updated = tx
            .execute(
                "UPDATE snapshot SET fetched_at = ?2, saved_at = ?3, device_count = ?4,
                 user_count = ?5, ou_count = ?6, customer_id = ?7, subject = ?8, complete = 1
                 WHERE id = ?1 AND complete = 0",
                params![
                    w.id,
                    inv.fetched_at.map(ts),
                    ts(Utc::now()),
                    w.devices,
                    inv.users.len() as i64,
                    inv.org_units.len() as i64,
                    tenant.customer_id.as_deref(),
                    tenant.subject.as_str(),
                ],
            )
            .map_err(sql)?;
        if updated != 1 {
            return Err(StoreError::Corrupt {
                path: path.clone(),
                detail: format!("snapshot {} was removed while it was written", w.id),
            });
        }
        prune(&tx, keep.max(1)).map_err(sql)?;
        tx.commit().map_err(sql)?;
        self.vacuum();
        Ok(w.id)
    }

    /// Drops a snapshot that will not be completed (its listing failed).
    pub fn discard_snapshot(&mut self, w: SnapshotWriter) -> Result<(), StoreError> {
        delete_snapshot(&self.conn, w.id).map_err(|e| self.err(e))?;
        self.vacuum();
        Ok(())
    }
}
