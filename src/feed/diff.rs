//! The diff engine: the previous state of a source and a new poll in, events and the state
//! change out. Pure: no I/O and no clock (`now` is the server's clock at the poll, passed in).
//!
//! `old = None` means the source was never polled: the new state becomes the baseline and a
//! single `baseline` event says so, instead of announcing every existing device as new.
//! Event IDs hash the subject and `now` (or an identity the change itself carries), so
//! diffing the same poll twice yields the same events, which the store keeps once.
use chrono::{DateTime, Utc};

use crate::model::event::instant_key;
use crate::model::feed_state::{Seen, SyncOff, SyncOffs};
use crate::model::{Event, EventKind as K, OuPath, Source};

mod devices;
mod others;
#[cfg(test)]
mod tests;

pub use devices::devices;
pub use others::{android, audit, settings, usage};

/// Events plus the state change that takes the stored state to the new poll's.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Diff<T> {
    pub events: Vec<Event>,
    pub upsert: Vec<(String, T)>,
    pub remove: Vec<String>,
}

impl<T> Diff<T> {
    fn baseline(source: Source, new: &Seen<T>, now: DateTime<Utc>, what: &str) -> Diff<T>
    where
        T: Clone,
    {
        let ev = Event::new(source, K::Baseline, what, &instant_key(now), now)
            .detail(format!("first poll: {} {what}", new.len()));
        Diff {
            events: vec![ev],
            upsert: new.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            remove: Vec::new(),
        }
    }
}

/// The rows of `new` that differ from `old`, and the keys `old` has and `new` lacks.
pub(crate) fn delta<T: Clone + PartialEq>(
    old: &Seen<T>,
    new: &Seen<T>,
) -> (Vec<(String, T)>, Vec<String>) {
    let upsert = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let remove = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect();
    (upsert, remove)
}

/// The `sync-off` that applies to `ou`: its own, else the nearest ancestor's.
pub fn sync_off_for<'a>(offs: &'a SyncOffs, ou: Option<&str>) -> Option<&'a SyncOff> {
    let ou = ou.unwrap_or("/");
    OuPath::ancestors_and_self(ou)
        .iter()
        .rev()
        .find_map(|p| offs.get(p))
}
