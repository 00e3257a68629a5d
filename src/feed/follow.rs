//! `offsync feed --follow` below the CLI: print what is stored, then keep streaming. The
//! process polls while it holds the profile's lease and only reads the store otherwise,
//! trying for the lease again as it goes, so when the poller exits another takes over.
use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::watch::{watch, Initial, Options, Role, Update};
use super::{FeedError, PollReport, Poller};
use crate::store::{Store, StoreError, StoredEvent};

/// How often a process that does not poll looks for new events (and for the lease).
pub const READ_EVERY: Duration = Duration::from_secs(2);

/// What the follower says besides events.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// This process now polls.
    Polling,
    /// Another process polls; this one reads.
    Reading {
        holder: String,
    },
    Report(PollReport),
}

/// Stored events at or after `since`, oldest first (by the server's time, then by when
/// they were stored).
pub fn stored(store: &Store, since: Option<DateTime<Utc>>) -> Result<Vec<StoredEvent>, StoreError> {
    let mut events = store.events(since, 0)?;
    events.sort_by_key(|e| (e.event.at, e.seq));
    Ok(events)
}

/// Streams events until `shutdown` resolves or `on_event` fails (a closed pipe), then
/// releases the lease so another process can poll at once.
pub async fn follow<E>(
    poller: Poller,
    since: Option<DateTime<Utc>>,
    mut on_event: impl FnMut(&StoredEvent) -> Result<(), E>,
    mut on_notice: impl FnMut(Notice),
    shutdown: impl Future<Output = ()>,
) -> Result<Result<(), E>, FeedError> {
    let opts = Options {
        initial: Initial::Since(since),
        status: false,
        read_cache: false,
    };
    let on_update = |u: Update| {
        match u {
            Update::Events(events) => events.iter().try_for_each(&mut on_event)?,
            Update::Role(Role::Polling) => on_notice(Notice::Polling),
            Update::Role(Role::Reading { holder }) => on_notice(Notice::Reading { holder }),
            Update::Report(r) => on_notice(Notice::Report(r)),
            Update::Sources(_) | Update::Counts(_) | Update::Cached(_) => {}
        }
        Ok(())
    };
    watch(poller, opts, None, on_update, shutdown).await
}
