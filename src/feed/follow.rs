//! `offsync feed --follow` below the CLI: print what is stored, then keep streaming. The
//! process polls while it holds the profile's lease and only reads the store otherwise,
//! trying for the lease again as it goes, so when the poller exits another takes over.
use std::future::Future;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::{FeedError, PollReport, Poller, Tick};
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
    mut poller: Poller,
    since: Option<DateTime<Utc>>,
    mut on_event: impl FnMut(&StoredEvent) -> Result<(), E>,
    mut on_notice: impl FnMut(Notice),
    shutdown: impl Future<Output = ()>,
) -> Result<Result<(), E>, FeedError> {
    tokio::pin!(shutdown);
    let mut last_seq = 0;
    for e in stored(poller.store(), since)? {
        last_seq = last_seq.max(e.seq);
        if let Err(e) = on_event(&e) {
            poller.release()?;
            return Ok(Err(e));
        }
    }
    let mut polling: Option<bool> = None;
    let outcome = loop {
        let tick = tokio::select! {
            t = poller.tick() => t?,
            _ = &mut shutdown => break Ok(()),
        };
        match tick {
            Tick::Polled(reports) => {
                if polling != Some(true) {
                    on_notice(Notice::Polling);
                }
                polling = Some(true);
                reports
                    .into_iter()
                    .for_each(|r| on_notice(Notice::Report(r)));
            }
            Tick::Reading { holder } => {
                if polling != Some(false) {
                    on_notice(Notice::Reading { holder });
                }
                polling = Some(false);
            }
        }
        let mut failed = None;
        for e in poller.store().events(since, last_seq)? {
            last_seq = e.seq;
            if let Err(err) = on_event(&e) {
                failed = Some(err);
                break;
            }
        }
        if let Some(err) = failed {
            break Err(err);
        }
        let wake = match polling {
            Some(true) => poller
                .next_due()
                .unwrap_or_else(|| Instant::now() + READ_EVERY)
                .min(Instant::now() + READ_EVERY),
            _ => Instant::now() + READ_EVERY,
        };
        tokio::select! {
            _ = tokio::time::sleep_until(wake.into()) => {}
            _ = &mut shutdown => break Ok(()),
        }
    };
    poller.release()?;
    Ok(outcome)
}
