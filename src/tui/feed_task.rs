//! The dashboard's side of the feed: spawns the headless [`crate::feed::watch`] loop once per
//! session and forwards what it reports as [`Msg`]s. The loop polls while this process holds
//! the profile's lease, and then its Directory listing is the table's refresh (pages stream
//! in, the listing is cached for other processes); otherwise it reads the store. The UI
//! never waits on it: quitting stops it, and it releases the lease on the way out.
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::msg::{LoadProgress, Msg};
use super::tasks::{without_users, Tasks};
use crate::feed::watch::{self, Initial, Options, Update};
use crate::feed::{ListingHooks, Poller};
use crate::listing::{ListEvent, Listed};
use crate::model::Source;
use crate::store::Store;

/// The feed pane keeps this many events; the store keeps every one (`offsync feed`).
pub const FEED_HISTORY: usize = 2_000;

/// How long quitting waits for the loop to release the lease.
const STOP_WAIT: Duration = Duration::from_secs(3);

#[derive(Clone, Default)]
pub struct FeedHandle {
    pub(super) database: Option<PathBuf>,
    nudges: Arc<Mutex<Option<UnboundedSender<Source>>>>,
    stop: Arc<Notify>,
    running: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl FeedHandle {
    /// Makes `source` due now; nothing happens when no loop runs (there is nothing to poll).
    pub fn nudge(&self, source: Source) {
        if let Some(tx) = self.nudges.lock().ok().and_then(|n| n.clone()) {
            let _ = tx.send(source);
        }
    }
}

impl Tasks {
    pub(super) fn start_feed(&self, tx: UnboundedSender<Msg>) {
        let me = self.clone();
        let handle = tokio::spawn(async move {
            if let Err(why) = me.run_feed(tx.clone()).await {
                let _ = tx.send(Msg::FeedStopped(why));
            }
        });
        if let Ok(mut r) = self.feed.running.lock() {
            *r = Some(handle);
        }
    }

    /// Stops the feed's loop and waits (briefly) until it has released the lease, so another
    /// offsync of this profile can poll at once.
    pub async fn stop_feed(&self) {
        self.feed.stop.notify_one();
        let running = self.feed.running.lock().ok().and_then(|mut r| r.take());
        if let Some(h) = running {
            if tokio::time::timeout(STOP_WAIT, h).await.is_err() {
                tracing::warn!(
                    "the feed did not stop within {STOP_WAIT:?}; its lease expires on its own"
                );
            }
        }
    }

    async fn run_feed(&self, tx: UnboundedSender<Msg>) -> Result<(), String> {
        let path = self
            .feed
            .database
            .clone()
            .ok_or("no database: the feed needs one to store events")?;
        let clients = self
            .clients
            .clone()
            .map_err(|e| format!("the feed cannot poll Google: {e}"))?;
        let store = Store::open(&path).map_err(|e| e.to_string())?;
        let mut poller = Poller::new(clients, store);
        poller.set_listing_hooks(self.listing_hooks(tx.clone()));
        let (nudge_tx, nudge_rx) = tokio::sync::mpsc::unbounded_channel();
        if let Ok(mut n) = self.feed.nudges.lock() {
            *n = Some(nudge_tx);
        }
        let opts = Options {
            initial: Initial::Newest(FEED_HISTORY),
            status: true,
            read_cache: true,
        };
        let forward = |u: Update| {
            let msg = match u {
                // Another process's listing: shown like a fresh one (it is the confirmed
                // listing that process just diffed).
                Update::Cached(inv) => Msg::Loaded(Box::new(without_users(*inv))),
                other => Msg::Feed(other),
            };
            // The UI is gone: stop.
            tx.send(msg).map_err(|_| ())
        };
        let stop = self.feed.stop.clone();
        let r = watch::watch(poller, opts, Some(nudge_rx), forward, stop.notified()).await;
        match r {
            Ok(_) => Ok(()),
            Err(e) => Err(format!("the feed stopped: {e}")),
        }
    }

    /// Pages and progress of the feed's Directory listing stream into the table like a
    /// refresh; the listing is cached (for `--cached` and other processes) and shown.
    fn listing_hooks(&self, tx: UnboundedSender<Msg>) -> ListingHooks {
        let events = tx.clone();
        let on_event = Box::new(move |ev: ListEvent| {
            let msg = match ev {
                ListEvent::Devices(page) => Msg::DevicesPage(page),
                ListEvent::Preview(page) => Msg::PreviewPage(page),
                ListEvent::Progress(p) => Msg::LoadProgress(LoadProgress {
                    pages: p.pages as usize,
                    devices: p.devices as usize,
                    expected: None,
                    confirming: p.confirming,
                }),
            };
            let _ = events.send(msg);
        });
        let on_listed = Box::new(move |listed: Listed| {
            for w in &listed.warnings {
                tracing::warn!("{w}");
            }
            let _ = tx.send(Msg::Loaded(Box::new(without_users(listed.inventory))));
        });
        ListingHooks {
            on_event,
            on_listed,
            cache: self.store.is_some().then_some(self.keep_snapshots),
        }
    }
}
