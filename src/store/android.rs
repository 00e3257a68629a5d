//! When offsync first saw each Android device non-compliant with `workAccountSetupConfig`.
//! Google reports no start time, so this is the only basis for "non-compliant for at least N
//! days". A device that is seen compliant again (or is gone) ends its spell: its row goes, and a
//! later non-compliance starts a new one. That only happens after a *complete* listing: a
//! partial one must not end spells of devices it simply did not reach.
use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection};

use super::StoreError;

pub struct NonCompliance<'a> {
    conn: &'a Connection,
    path: &'a Path,
}

fn text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl<'a> NonCompliance<'a> {
    pub(crate) fn new(conn: &'a Connection, path: &'a Path) -> Self {
        NonCompliance { conn, path }
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::from_sql(self.path, e)
    }

    /// Records that `non_compliant` devices are non-compliant at `now` (server time) and
    /// returns each one's first sighting. With `complete`, every other device's spell ends.
    pub fn observe(
        &self,
        profile: &str,
        non_compliant: &[String],
        complete: bool,
        now: DateTime<Utc>,
    ) -> Result<HashMap<String, DateTime<Utc>>, StoreError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let now_text = text(now);
        {
            let mut up = tx
                .prepare_cached(
                    "INSERT INTO android_noncompliance (profile, device_name, first_seen, last_seen)
                     VALUES (?1, ?2, ?3, ?3)
                     ON CONFLICT (profile, device_name) DO UPDATE SET last_seen = excluded.last_seen",
                )
                .map_err(|e| self.err(e))?;
            for name in non_compliant {
                up.execute(params![profile, name, now_text])
                    .map_err(|e| self.err(e))?;
            }
        }
        if complete {
            // Everything not touched by this observation has ended its spell.
            tx.execute(
                "DELETE FROM android_noncompliance WHERE profile = ?1 AND last_seen <> ?2",
                params![profile, now_text],
            )
            .map_err(|e| self.err(e))?;
        }
        let mut out = HashMap::new();
        {
            let mut q = tx
                .prepare_cached(
                    "SELECT device_name, first_seen FROM android_noncompliance WHERE profile = ?1",
                )
                .map_err(|e| self.err(e))?;
            let rows = q
                .query_map(params![profile], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })
                .map_err(|e| self.err(e))?;
            for row in rows {
                let (name, first) = row.map_err(|e| self.err(e))?;
                if let Ok(t) = DateTime::parse_from_rfc3339(&first) {
                    out.insert(name, t.with_timezone(&Utc));
                }
            }
        }
        tx.commit().map_err(|e| self.err(e))?;
        out.retain(|name, _| non_compliant.contains(name));
        Ok(out)
    }
}
