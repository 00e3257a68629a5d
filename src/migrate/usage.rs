//! Reports API evidence: who used IMAP recently, so the admin sees whom restricting IMAP to
//! the iOS client would cut off. Usage data lags by days and covers 30 days only.
use chrono::Duration;
use futures::TryStreamExt;

use super::observe::Observed;
use super::Migrator;
use crate::migration::funnel::{classify_device, DeviceClass};

impl Migrator {
    /// Notes naming users of `ous` whose recent IMAP use came from a client other than a
    /// native iOS Google account.
    pub async fn other_imap_clients(&self, obs: &Observed, ous: &[String]) -> Vec<String> {
        // Google publishes a day's usage two or more days later.
        let date = (obs.now - Duration::days(3)).format("%Y-%m-%d").to_string();
        let rows = match self.clients.reports.gmail_usage(&date).try_concat().await {
            Ok(r) => r,
            Err(e) => return vec![format!("cannot read Gmail usage from the Reports API ({e}): who uses other IMAP clients is unknown")],
        };
        let since = obs.now - Duration::days(30);
        let mut others: Vec<String> = rows
            .iter()
            .filter_map(|r| {
                Some((
                    r.user_email()?.to_ascii_lowercase(),
                    r.datetime("gmail:timestamp_last_imap")?,
                ))
            })
            .filter(|(_, at)| *at >= since)
            .filter(|(email, _)| {
                obs.inventory.users.iter().any(|u| {
                    u.primary_email.eq_ignore_ascii_case(email) && ous.contains(&u.org_unit_path)
                })
            })
            .filter(|(email, _)| {
                !obs.inventory.devices.iter().any(|d| {
                    d.owner().is_some_and(|o| o.eq_ignore_ascii_case(email))
                        && classify_device(d) == DeviceClass::NativeGoogle
                })
            })
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
