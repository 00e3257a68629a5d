//! Directory devices: the authority on which devices exist, their type and status.
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::{delta, sync_off_for, Diff};
use crate::model::event::instant_key;
use crate::model::feed_state::{DeviceSeen, Seen, SyncOffs};
use crate::model::{DeviceStatus, Event, EventKind as K, Source};

/// Directory devices: appeared/removed, left Google Sync, native account appeared, status
/// changes, and Google Sync devices still syncing after their OU's `sync-off`.
pub fn devices(
    old: Option<&Seen<DeviceSeen>>,
    new: &Seen<DeviceSeen>,
    sync_off: &SyncOffs,
    now: DateTime<Utc>,
) -> Diff<DeviceSeen> {
    let Some(old) = old else {
        let mut d = Diff::baseline(Source::Directory, new, now, "devices");
        let sync = new.values().filter(|d| d.is_google_sync()).count();
        d.events[0]
            .detail
            .push_str(&format!(", {sync} Google Sync"));
        // A device already syncing past a known sync-off is worth an alert even at baseline.
        let mut alerts = Vec::new();
        for (id, dev) in new {
            dev.events_push_still_syncing(id, None, sync_off, now, &mut alerts);
        }
        d.events.extend(alerts);
        return d;
    };
    let at = instant_key(now);
    let had_sync: BTreeSet<&str> = old
        .values()
        .chain(new.values())
        .filter(|d| d.is_google_sync())
        .filter_map(|d| d.owner.as_deref())
        .collect();
    let mut events = Vec::new();
    for (id, n) in new {
        let base = |kind| {
            Event::new(Source::Directory, kind, id, &at, now)
                .ou(n.ou.as_deref())
                .device(id)
                .user(n.owner.as_deref())
        };
        match old.get(id) {
            None => {
                let native =
                    !n.is_google_sync() && n.owner.as_deref().is_some_and(|o| had_sync.contains(o));
                let kind = if native {
                    K::NativeAccountAppeared
                } else {
                    K::DeviceAppeared
                };
                events.push(base(kind).detail(describe(n)));
            }
            Some(o) => {
                if o.is_google_sync() && !n.is_google_sync() {
                    events.push(base(K::LeftGoogleSync).detail(format!(
                        "type is now {} ({})",
                        n.device_type,
                        describe(n)
                    )));
                }
                if o.status != n.status {
                    events.push(base(status_kind(&n.status())).detail(format!(
                        "{} → {} ({})",
                        o.status,
                        n.status,
                        describe(n)
                    )));
                }
            }
        }
        n.events_push_still_syncing(id, old.get(id), sync_off, now, &mut events);
    }
    for (id, o) in old.iter().filter(|(k, _)| !new.contains_key(*k)) {
        let kind = if o.is_google_sync() {
            K::LeftGoogleSync
        } else {
            K::DeviceRemoved
        };
        events.push(
            Event::new(Source::Directory, kind, id, &at, now)
                .ou(o.ou.as_deref())
                .device(id)
                .user(o.owner.as_deref())
                .detail(format!("no longer listed ({})", describe(o))),
        );
    }
    let (upsert, remove) = delta(old, new);
    Diff {
        events,
        upsert,
        remove,
    }
}

fn status_kind(s: &DeviceStatus) -> K {
    match s {
        DeviceStatus::Approved => K::DeviceApproved,
        DeviceStatus::Blocked => K::DeviceBlocked,
        DeviceStatus::Wiping
        | DeviceStatus::Wiped
        | DeviceStatus::AccountWiping
        | DeviceStatus::AccountWiped => K::DeviceWiped,
        _ => K::StatusChanged,
    }
}

fn describe(d: &DeviceSeen) -> String {
    let mut s = d.device_type.to_string();
    if let Some(m) = &d.model {
        s.push(' ');
        s.push_str(m);
    }
    s.push_str(", ");
    s.push_str(&d.status);
    s
}

impl DeviceSeen {
    /// A Google Sync device whose `lastSync` moved past its OU's sync-off instant. The ID
    /// hashes the device and the instant, not the poll: however many polls see it still
    /// syncing, it is one alert per device per sync-off.
    fn events_push_still_syncing(
        &self,
        id: &str,
        old: Option<&DeviceSeen>,
        sync_off: &SyncOffs,
        now: DateTime<Utc>,
        out: &mut Vec<Event>,
    ) {
        if !self.is_google_sync() {
            return;
        }
        let (Some(off), Some(last)) = (sync_off_for(sync_off, self.ou.as_deref()), self.last_sync)
        else {
            return;
        };
        let advanced = old.is_none_or(|o| o.last_sync != self.last_sync);
        if last <= off.effective_at || !advanced {
            return;
        }
        let identity = instant_key(off.effective_at);
        out.push(
            Event::new(
                Source::Directory,
                K::StillSyncingAfterSyncOff,
                id,
                &identity,
                now,
            )
            .ou(self.ou.as_deref())
            .device(id)
            .user(self.owner.as_deref())
            .step(off.step.as_deref())
            .detail(format!(
                "synced at {} after sync-off took effect at {} ({})",
                last.format("%Y-%m-%d %H:%M:%SZ"),
                off.effective_at.format("%Y-%m-%d %H:%M:%SZ"),
                describe(self)
            )),
        );
    }
}
