//! The burndown: active Google Sync devices per OU (rolled up, so `/` is the total) at one
//! poll. Pure: `now` is the server's clock at the poll.
use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

pub use crate::model::feed_state::OuBurndown;
use crate::model::feed_state::{DeviceSeen, Seen};
use crate::model::{DeviceStatus, OuPath};

/// A Google Sync device counts as active when it synced within this many days (the same
/// window as the dashboard's header) and is not blocked or wiped.
pub const ACTIVE_DAYS: i64 = 30;

pub fn is_active(d: &DeviceSeen, now: DateTime<Utc>) -> bool {
    use DeviceStatus as S;
    d.is_google_sync()
        && !matches!(
            d.status(),
            S::Blocked | S::Wiping | S::Wiped | S::AccountWiping | S::AccountWiped
        )
        && d.last_sync
            .is_some_and(|t| t >= now - Duration::days(ACTIVE_DAYS))
}

/// Counts per OU path, each OU including those below it; `/` is always present. `ous` adds
/// OUs with no device so their zero is recorded too.
pub fn counts<'a>(
    devices: &Seen<DeviceSeen>,
    ous: impl IntoIterator<Item = &'a str>,
    now: DateTime<Utc>,
) -> BTreeMap<String, OuBurndown> {
    let mut out: BTreeMap<String, OuBurndown> = BTreeMap::new();
    out.entry("/".into()).or_default();
    for ou in ous {
        out.entry(OuPath::normalize(ou)).or_default();
    }
    for d in devices.values().filter(|d| d.is_google_sync()) {
        let active = is_active(d, now);
        for anc in OuPath::ancestors_and_self(d.ou.as_deref().unwrap_or("/")) {
            let c = out.entry(anc).or_default();
            c.total += 1;
            c.active += usize::from(active);
        }
    }
    out
}
