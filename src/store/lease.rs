//! The per-profile poller lease: one row saying which process polls Google for this
//! profile's feed, until when. Whoever holds it polls; everyone else reads the events.
//! A holder renews it well before it expires; when a holder dies, another process takes
//! over once it has expired.
//!
//! Times are this machine's clock in milliseconds, passed in by the caller: the lease
//! coordinates processes sharing one database file, and is never compared with Google's
//! data (which is on the server's clock).
use std::path::Path;

use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

use super::{Store, StoreError};

/// Who holds the lease, as seen by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lease {
    /// The caller holds it until `expires_ms`.
    Held { expires_ms: i64 },
    /// Another process holds it.
    Other { holder: String, expires_ms: i64 },
}

impl Lease {
    pub fn is_held(&self) -> bool {
        matches!(self, Lease::Held { .. })
    }
}

fn current(tx: &Transaction) -> rusqlite::Result<Option<(String, i64)>> {
    tx.query_row(
        "SELECT holder, expires_ms FROM feed_lease WHERE id = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

/// Fails unless `holder` holds an unexpired lease at `now_ms` (inside a commit).
pub(crate) fn check_holder(
    tx: &Transaction,
    path: &Path,
    holder: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    match current(tx).map_err(|e| StoreError::from_sql(path, e))? {
        Some((h, expires)) if h == holder && expires > now_ms => Ok(()),
        other => Err(StoreError::NotLeaseHolder {
            path: path.to_path_buf(),
            holder: match other {
                Some((h, e)) if e > now_ms => format!("held by {h}"),
                _ => "the lease expired".into(),
            },
        }),
    }
}

impl Store {
    /// Takes the lease if it is free, expired or already `holder`'s, for `ttl_ms` from
    /// `now_ms`; otherwise says who holds it. `BEGIN IMMEDIATE`: two processes asking at
    /// once are serialised, so exactly one of them gets it.
    pub fn acquire_lease(
        &mut self,
        holder: &str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<Lease, StoreError> {
        let path = self.path.clone();
        let sql = |e| StoreError::from_sql(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        if let Some((h, expires_ms)) = current(&tx).map_err(sql)? {
            if h != holder && expires_ms > now_ms {
                return Ok(Lease::Other {
                    holder: h,
                    expires_ms,
                });
            }
        }
        let expires_ms = now_ms + ttl_ms;
        tx.execute(
            "INSERT INTO feed_lease (id, holder, acquired_ms, expires_ms) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET holder = ?1, expires_ms = ?3,
             acquired_ms = CASE WHEN holder = ?1 THEN acquired_ms ELSE ?2 END",
            params![holder, now_ms, expires_ms],
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(Lease::Held { expires_ms })
    }

    /// Gives the lease up (if `holder` has it), so another process can take over at once.
    pub fn release_lease(&mut self, holder: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "DELETE FROM feed_lease WHERE id = 1 AND holder = ?1",
                [holder],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The current holder and expiry, if anyone ever took the lease.
    pub fn lease_holder(&self) -> Result<Option<(String, i64)>, StoreError> {
        self.conn
            .query_row(
                "SELECT holder, expires_ms FROM feed_lease WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))
    }
}
