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
        let now_set: std::collections::HashSet<&String> = non_compliant.iter().collect();
        out.retain(|name, _| now_set.contains(name));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use crate::store::Store;

    #[test]
    fn first_sighting_survives_until_a_complete_listing_shows_the_device_compliant() {
        let s = Store::open_in_memory().unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let nc = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let seen = s
            .android()
            .observe("p", &nc(&["a", "b"]), true, t0)
            .unwrap();
        assert_eq!(seen["a"], t0);
        let t1 = t0 + Duration::days(3);
        let seen = s
            .android()
            .observe("p", &nc(&["a", "b"]), true, t1)
            .unwrap();
        assert_eq!(seen["a"], t0, "the first sighting is kept");
        // A partial listing that did not reach `b` must not end its spell.
        let t2 = t1 + Duration::days(1);
        let seen = s.android().observe("p", &nc(&["a"]), false, t2).unwrap();
        assert_eq!(seen.len(), 1);
        let t3 = t2 + Duration::days(1);
        let seen = s
            .android()
            .observe("p", &nc(&["a", "b"]), true, t3)
            .unwrap();
        assert_eq!(seen["b"], t0);
        // A complete listing without `b`: its spell ends; a new one starts later.
        let t4 = t3 + Duration::days(1);
        s.android().observe("p", &nc(&["a"]), true, t4).unwrap();
        let t5 = t4 + Duration::days(1);
        let seen = s
            .android()
            .observe("p", &nc(&["a", "b"]), true, t5)
            .unwrap();
        assert_eq!((seen["a"], seen["b"]), (t0, t5));
        // Profiles do not see each other's rows.
        let other = s.android().observe("q", &nc(&["a"]), true, t5).unwrap();
        assert_eq!(other["a"], t5);
    }
}
