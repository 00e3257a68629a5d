//! The feed loop every long-running process shares (`offsync feed --follow`, the dashboard):
//! poll while this process holds the profile's lease, read the store otherwise, and report
//! what changed as [`Update`]s. Nothing is reported when nothing changed, so an idle
//! dashboard stays idle. When the loop ends it releases the lease so another process can
//! poll at once.
use std::future::Future;
use std::time::Instant;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc::UnboundedReceiver;

use super::follow::READ_EVERY;
use super::{FeedError, PollOutcome, PollReport, Poller};
use crate::model::{Inventory, Source};
use crate::store::Lease;
use crate::store::{CountRow, SourceStatus, StoredEvent};

/// Who polls, as this process sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// This process holds the lease and polls.
    Polling,
    /// Another process polls; this one reads what it stores.
    Reading { holder: String },
}

/// Something the loop learned.
#[derive(Debug, Clone)]
pub enum Update {
    /// Events stored since the last update, in insertion order.
    Events(Vec<StoredEvent>),
    Role(Role),
    /// One poll this process made.
    Report(PollReport),
    /// How each source fared (sent when any of them changed).
    Sources(Vec<SourceStatus>),
    /// The whole stored burndown (sent when a Directory poll committed a new point).
    Counts(Vec<CountRow>),
    /// Reading only: the inventory the polling process cached after its latest Directory poll.
    Cached(Box<Inventory>),
}

/// Which events to report first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Initial {
    /// Every stored event at or after the instant (`None`: all).
    Since(Option<DateTime<Utc>>),
    /// The newest N stored events.
    Newest(usize),
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub initial: Initial,
    /// Report the burndown and source status (a dashboard wants them, a printer does not).
    pub status: bool,
    /// While reading, load the cached inventory after each new Directory poll.
    pub read_cache: bool,
}

/// Runs until `shutdown` resolves, `on_update` fails (a closed pipe) or the store fails.
/// A `Source` received on `nudges` makes that source due now (the admin pressed refresh).
pub async fn watch<E>(
    mut poller: Poller,
    opts: Options,
    mut nudges: Option<UnboundedReceiver<Source>>,
    mut on_update: impl FnMut(Update) -> Result<(), E>,
    shutdown: impl Future<Output = ()>,
) -> Result<Result<(), E>, FeedError> {
    tokio::pin!(shutdown);
    let mut w = Watcher {
        last_seq: 0,
        since: None,
        role: None,
        sources: None,
        directory_ok: None,
    };
    let first = match opts.initial {
        Initial::Since(since) => {
            w.since = since;
            super::follow::stored(poller.store(), since)?
        }
        Initial::Newest(n) => poller.store().newest_events(n)?,
    };
    w.last_seq = first.iter().map(|e| e.seq).max().unwrap_or(0);
    let outcome = 'run: {
        if let Err(e) = on_update(Update::Events(first)) {
            break 'run Err(e);
        }
        loop {
            let lease = tokio::select! {
                l = async { poller.lease() } => l?,
                _ = &mut shutdown => break 'run Ok(()),
            };
            let role = match lease {
                Lease::Held { .. } => Role::Polling,
                Lease::Other { holder, .. } => Role::Reading { holder },
            };
            let reading = matches!(role, Role::Reading { .. });
            let mut updates = Vec::new();
            if w.role.as_ref() != Some(&role) {
                updates.push(Update::Role(role.clone()));
                w.role = Some(role);
            }
            w.read(&poller, opts, reading, &mut updates)?;
            if let Err(e) = updates.into_iter().try_for_each(&mut on_update) {
                break 'run Err(e);
            }
            // One source at a time, each reported as soon as it is stored (a first
            // 100k-device baseline takes minutes; the events must not wait for the others).
            for source in if reading { Vec::new() } else { poller.due() } {
                let report = tokio::select! {
                    // A poll that finished is reported even if shutdown came meanwhile.
                    biased;
                    r = poller.poll_scheduled(source) => r?,
                    _ = &mut shutdown => break 'run Ok(()),
                };
                let lost = matches!(report.outcome, PollOutcome::Discarded(_));
                let mut updates = vec![Update::Report(report)];
                w.read(&poller, opts, false, &mut updates)?;
                if let Err(e) = updates.into_iter().try_for_each(&mut on_update) {
                    break 'run Err(e);
                }
                if lost {
                    break;
                }
            }
            let wake = match w.role {
                Some(Role::Polling) => poller
                    .next_due()
                    .unwrap_or_else(|| Instant::now() + READ_EVERY)
                    .min(Instant::now() + READ_EVERY),
                _ => Instant::now() + READ_EVERY,
            };
            let nudge = async {
                match nudges.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = tokio::time::sleep_until(wake.into()) => {}
                n = nudge => match n {
                    Some(source) => poller.poll_soon(source),
                    // Whoever nudged is gone: keep going on the timer alone.
                    None => nudges = None,
                },
                _ = &mut shutdown => break 'run Ok(()),
            }
        }
    };
    poller.release()?;
    Ok(outcome)
}

struct Watcher {
    last_seq: i64,
    since: Option<DateTime<Utc>>,
    role: Option<Role>,
    sources: Option<Vec<SourceStatus>>,
    /// The Directory source's last good poll the burndown (and cache) was read at.
    directory_ok: Option<Option<DateTime<Utc>>>,
}

impl Watcher {
    /// Reads what the store has that was not reported yet.
    fn read(
        &mut self,
        poller: &Poller,
        opts: Options,
        reading: bool,
        updates: &mut Vec<Update>,
    ) -> Result<(), FeedError> {
        let store = poller.store();
        let events = store.events(self.since, self.last_seq)?;
        if let Some(last) = events.last() {
            self.last_seq = last.seq;
            updates.push(Update::Events(events));
        }
        if !opts.status {
            return Ok(());
        }
        let sources = store.feed_sources()?;
        if self.sources.as_ref() == Some(&sources) {
            return Ok(());
        }
        let dir_ok = sources
            .iter()
            .find(|s| s.source == Source::Directory.as_str())
            .and_then(|s| s.last_ok_at);
        let first = self.directory_ok.is_none();
        if self.directory_ok != Some(dir_ok) {
            self.directory_ok = Some(dir_ok);
            updates.push(Update::Counts(store.feed_counts(None)?));
            // At start the dashboard shows the cache itself; later a reader follows the poller.
            if opts.read_cache && reading && !first && dir_ok.is_some() {
                let tenant = crate::listing::configured_tenant(&poller.clients().profile);
                match crate::listing::cached_devices(store, &tenant, None) {
                    Ok(Some(inv)) => updates.push(Update::Cached(Box::new(inv))),
                    Ok(None) => {}
                    Err(e) => tracing::warn!("the poller's cached inventory is unreadable: {e}"),
                }
            }
        }
        updates.push(Update::Sources(sources.clone()));
        self.sources = Some(sources);
        Ok(())
    }
}
