//! Reports API evidence: who used IMAP recently, so the admin sees whom restricting IMAP to
//! the iOS client would cut off. Usage data lags by days and covers 30 days only.
use std::collections::HashSet;

use chrono::Duration;
use futures::TryStreamExt;

use super::observe::Observed;
use super::Migrator;
use crate::migration::funnel::{classify_device, DeviceClass};

impl Migrator {
    /// Notes naming users of `ous` whose recent IMAP use came from a client other than a
    /// native iOS Google account.
    pub async fn other_imap_clients(&self, obs: &Observed, ous: &[String]) -> Vec<String> {
        // Usage lags by days: Google names the newest day it has, on the server's clock.
        let want = (obs.now - Duration::days(2)).date_naive();
        let read = match self.clients.reports.gmail_usage_latest(want).await {
            Ok((day, _)) => {
                let date = day.format("%Y-%m-%d").to_string();
                let rows = self.clients.reports.gmail_usage(&date).try_concat().await;
                rows.map(|r| (date, r))
            }
            Err(e) => Err(e),
        };
        let (date, rows) = match read {
            Ok(r) => r,
            Err(e) => return vec![format!("cannot read Gmail usage from the Reports API ({e}): who uses other IMAP clients is unknown")],
        };
        let since = obs.now - Duration::days(30);
        // Indexes built once: usage has a row per user, so per-row scans would be quadratic.
        let in_ous: HashSet<String> = obs
            .inventory
            .users
            .iter()
            .filter(|u| ous.contains(&u.org_unit_path))
            .map(|u| u.primary_email.to_ascii_lowercase())
            .collect();
        let native: HashSet<String> = obs
            .inventory
            .devices
            .iter()
            .filter(|d| classify_device(d) == DeviceClass::NativeGoogle)
            .filter_map(|d| d.owner().map(str::to_ascii_lowercase))
            .collect();
        let mut others: Vec<String> = rows
            .iter()
            .filter_map(|r| {
                Some((
                    r.user_email()?.to_ascii_lowercase(),
                    r.datetime("gmail:timestamp_last_imap")?,
                ))
            })
            .filter(|(_, at)| *at >= since)
            .filter(|(email, _)| in_ous.contains(email.as_str()))
            .filter(|(email, _)| !native.contains(email.as_str()))
            .map(|(email, _)| email)
            .collect();
        others.sort();
        others.dedup();
        if others.is_empty() {
            return vec![format!(
                "no user of these OUs used another IMAP client in the 30 days to {date} (Reports)"
            )];
        }
        vec![format!(
            "{} users of these OUs used IMAP from other clients in the 30 days to {date} (Reports); restricting IMAP to the iOS client cuts them off: {}",
            others.len(),
            others.iter().take(20).cloned().collect::<Vec<_>>().join(", ")
        )]
    }
}
