//! The poller: one per profile, whichever process holds the store's lease. Each source runs
//! on its own interval within its own hourly request budget; each poll loads the state it
//! diffs against, fetches (renewing the lease while a long listing runs), diffs, and
//! commits events + state + burndown in one transaction that checks the lease again.
//!
//! Budgets are per process: the process that polls owns the quota it spends. Its hourly
//! window counts only the requests its polls sent (through [`crate::google::spent_by`]),
//! never the listings or changes another task of the same process sends through the same
//! client, and a process that takes the lease over starts with its own window.
//!
//! Time for Google's data is always the server's (`Client::server_now`, from `Date`
//! headers); this machine's clock only schedules polls and times the lease.
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use thiserror::Error;

use super::cycle::{self, Fetched};
use super::sources;
use crate::config::FeedSettings;
use crate::google::{self, spent_by, spent_so_far, Clients};
use crate::listing::{ListEvent, Listed};
use crate::migration::StepId;
use crate::model::feed_state::{SyncOff, SyncOffs};
use crate::model::{Event, EventKind, Source};
use crate::store::{Lease, MigrationStoreError, Store, StoreError};

#[derive(Debug, Error)]
pub enum FeedError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How one poll of one source ended.
#[derive(Debug, Clone, PartialEq)]
pub enum PollOutcome {
    /// Diffed and committed.
    Committed,
    /// Google failed; a `poll-failed` event says why, and the source's data is stale.
    Failed(String),
    /// The hourly request budget is spent; the next poll waits until `until`.
    Deferred { until: Instant, spent: u64 },
    /// The poll was not stored: the lease moved or another poller committed first.
    Discarded(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PollReport {
    pub source: Source,
    pub outcome: PollOutcome,
    /// Events the poll stored that were not stored before.
    pub new_events: usize,
    pub requests: u64,
    pub took: Duration,
}

/// What a [`Poller::tick`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Tick {
    /// This process holds the lease and polled every source that was due.
    Polled(Vec<PollReport>),
    /// Another process polls; this one only reads the store.
    Reading { holder: String },
}

/// Where a dashboard wants the Directory listing the feed makes: its pages and progress as
/// they arrive, then the whole listing once its diff is committed.
pub struct ListingHooks {
    pub on_event: Box<dyn FnMut(ListEvent) + Send>,
    pub on_listed: Box<dyn FnMut(Listed) + Send>,
    /// Save each listing in the inventory cache first, keeping this many snapshots, so
    /// `--cached` and the processes that only read see it. Saved on the poller's own
    /// connection, before the commit: a reader that sees the poll sees its listing.
    pub cache: Option<usize>,
}

pub struct Poller {
    clients: Clients,
    hooks: Option<ListingHooks>,
    store: Store,
    holder: String,
    settings: FeedSettings,
    sync_off: SyncOffs,
    dir: sources::Directory,
    /// Requests per poll over the last hour, per source (the budget's window).
    spent: HashMap<Source, VecDeque<(Instant, u64)>>,
    next: HashMap<Source, Instant>,
    /// Whether a Directory listing has been committed by this poller (see `listing_mode`).
    listed: bool,
}

/// This machine's clock in ms, for the lease only (it coordinates local processes).
pub fn local_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

const HOUR: Duration = Duration::from_secs(3600);

impl Poller {
    /// A poller for the clients' profile, with the profile's feed settings.
    pub fn new(clients: Clients, store: Store) -> Poller {
        let settings = clients.profile.feed.clone();
        let holder = format!(
            "offsync pid {} ({:08x})",
            std::process::id(),
            rand::random::<u32>()
        );
        Poller {
            clients,
            hooks: None,
            store,
            holder,
            settings,
            sync_off: SyncOffs::new(),
            dir: sources::Directory::default(),
            spent: HashMap::new(),
            next: HashMap::new(),
            listed: false,
        }
    }

    pub fn with_settings(mut self, settings: FeedSettings) -> Poller {
        self.settings = settings;
        self
    }

    /// Hands every Directory listing this poller makes to `hooks` (the dashboard shows it).
    pub fn set_listing_hooks(&mut self, hooks: ListingHooks) {
        self.hooks = Some(hooks);
    }

    pub fn clients(&self) -> &Clients {
        &self.clients
    }

    /// The search index's fast view first only for a dashboard's first listing, when its
    /// table may still be empty: it costs a second chain of requests, about doubling a
    /// poll. Every later poll (and a headless feed) reads the confirmed listing alone.
    fn listing_mode(&self) -> google::Listing {
        if self.hooks.is_some() && !self.listed {
            google::Listing::FastThenConfirmed
        } else {
            google::Listing::Confirmed
        }
    }

    /// Makes `source` due now (the admin asked for a refresh).
    pub fn poll_soon(&mut self, source: Source) {
        self.next.remove(&source);
    }

    /// Requests this process's polls of `source` spent within the last hour.
    pub fn spent_last_hour(&self, source: Source) -> u64 {
        self.spent.get(&source).map_or(0, |w| {
            w.iter()
                .filter(|(t, _)| t.elapsed() < HOUR)
                .map(|(_, n)| n)
                .sum()
        })
    }

    /// Extra `sync-off` instants per OU, over those the migration engine has recorded in
    /// the store (which every directory poll reads afresh).
    pub fn set_sync_off(&mut self, offs: SyncOffs) {
        self.sync_off = offs;
    }

    /// The sync-off instants to diff against: the migration's `sync-off` steps that have an
    /// effective time (attested or applied, plus the propagation window), then any set here.
    fn sync_offs(&mut self) -> Result<SyncOffs, StoreError> {
        let records = self.store.migration().records().map_err(|e| match e {
            MigrationStoreError::Store(e) => e,
            other => StoreError::Corrupt {
                path: self.store.path().to_path_buf(),
                detail: format!("unreadable migration steps: {other}"),
            },
        })?;
        let mut offs: SyncOffs = records
            .into_iter()
            .filter(|((_, step), _)| *step == StepId::SyncOff)
            .filter_map(|((ou, step), r)| {
                let off = SyncOff {
                    effective_at: r.effective_by?,
                    step: Some(step.as_str().to_string()),
                };
                Some((ou, off))
            })
            .collect();
        offs.extend(self.sync_off.clone());
        Ok(offs)
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn settings(&self) -> &FeedSettings {
        &self.settings
    }

    /// Takes or renews the lease.
    pub fn lease(&mut self) -> Result<Lease, FeedError> {
        let ttl = self.settings.lease.as_millis() as i64;
        Ok(self.store.acquire_lease(&self.holder, local_ms(), ttl)?)
    }

    /// Gives the lease up so another process can poll at once (on exit).
    pub fn release(&mut self) -> Result<(), FeedError> {
        Ok(self.store.release_lease(&self.holder)?)
    }

    fn enabled(&self, s: Source) -> Option<Duration> {
        if s == Source::Android && self.clients.amapi.is_none() {
            return None;
        }
        self.settings.source(s).interval
    }

    /// When the next source is due (now, if one has never been polled).
    pub fn next_due(&self) -> Option<Instant> {
        Source::ALL
            .into_iter()
            .filter(|s| self.enabled(*s).is_some())
            .map(|s| self.next.get(&s).copied().unwrap_or_else(Instant::now))
            .min()
    }

    /// Takes or renews the lease; if held, polls every source that is due, Directory
    /// first (it tells the others who users are and where OUs are).
    pub async fn tick(&mut self) -> Result<Tick, FeedError> {
        if let Lease::Other { holder, .. } = self.lease()? {
            return Ok(Tick::Reading { holder });
        }
        let mut reports = Vec::new();
        for s in self.due() {
            let report = self.poll_scheduled(s).await?;
            let lost = matches!(&report.outcome, PollOutcome::Discarded(_));
            reports.push(report);
            if lost {
                break;
            }
        }
        Ok(Tick::Polled(reports))
    }

    /// The enabled sources that are due now, Directory first.
    pub fn due(&self) -> Vec<Source> {
        let now = Instant::now();
        Source::ALL
            .into_iter()
            .filter(|s| self.enabled(*s).is_some())
            .filter(|s| self.next.get(s).is_none_or(|t| *t <= now))
            .collect()
    }

    /// Polls `source` (the caller holds the lease) and schedules its next poll: after its
    /// interval, or when its budget allows again.
    pub async fn poll_scheduled(&mut self, source: Source) -> Result<PollReport, FeedError> {
        let now = Instant::now();
        let report = self.poll(source).await?;
        let next = match &report.outcome {
            PollOutcome::Deferred { until, .. } => *until,
            _ => now + self.enabled(source).unwrap_or(HOUR),
        };
        self.next.insert(source, next);
        Ok(report)
    }

    /// Polls one source now (within its budget). The caller should hold the lease; a poll
    /// committed without it is discarded by the store.
    pub async fn poll(&mut self, source: Source) -> Result<PollReport, FeedError> {
        let started = Instant::now();
        let budget = u64::from(self.settings.source(source).requests_per_hour);
        let window = self.spent.entry(source).or_default();
        while window.front().is_some_and(|(t, _)| t.elapsed() >= HOUR) {
            window.pop_front();
        }
        let spent: u64 = window.iter().map(|(_, n)| n).sum();
        let estimate = window.back().map_or(0, |(_, n)| *n);
        if spent > 0 && spent + estimate > budget {
            let until = window.front().map_or(started, |(t, _)| *t + HOUR);
            return Ok(PollReport {
                source,
                outcome: PollOutcome::Deferred { until, spent },
                new_events: 0,
                requests: 0,
                took: started.elapsed(),
            });
        }
        let (result, requests) = spent_by(self.poll_inner(source)).await;
        self.spent
            .entry(source)
            .or_default()
            .push_back((Instant::now(), requests));
        let (outcome, new_events) = match result {
            Ok(n) => (PollOutcome::Committed, n),
            Err(Failure::Google(e)) => {
                let text = e.to_string();
                let now = self.clients.client.server_now();
                let ev = Event::new(
                    source,
                    EventKind::PollFailed,
                    "",
                    &crate::model::event::instant_key(now),
                    now,
                )
                .detail(format!(
                    "{source} poll failed; its data is stale until the next good poll: {text}"
                ));
                match self.store.feed_failure(&self.holder, local_ms(), &ev) {
                    Ok(()) => (PollOutcome::Failed(text), 1),
                    Err(e @ StoreError::NotLeaseHolder { .. }) => {
                        (PollOutcome::Discarded(e.to_string()), 0)
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            // Another connection held the database past the busy timeout (a big cache
            // save): this poll is lost, the next one diffs against the same state.
            Err(Failure::Store(
                e @ (StoreError::NotLeaseHolder { .. }
                | StoreError::StaleFeedState { .. }
                | StoreError::Locked { .. }),
            )) => (PollOutcome::Discarded(e.to_string()), 0),
            Err(Failure::Store(e)) => return Err(e.into()),
            Err(Failure::LostLease(holder)) => (
                PollOutcome::Discarded(format!("the lease moved to {holder} during the poll")),
                0,
            ),
        };
        Ok(PollReport {
            source,
            outcome,
            new_events,
            requests,
            took: started.elapsed(),
        })
    }

    async fn poll_inner(&mut self, source: Source) -> Result<usize, Failure> {
        // Every instant below is the server's: learn its clock before the first poll.
        if self.clients.client.server_offset().is_none() {
            self.clients.directory.orgunits().await?;
        }
        let loaded = cycle::load(&self.store, source)?;
        let today = self.clients.client.server_now().date_naive();
        let mode = self.listing_mode();
        let fetched: Fetched = {
            let Poller {
                clients,
                store,
                holder,
                settings,
                dir,
                hooks,
                ..
            } = &mut *self;
            let on_listing = |ev| {
                if let Some(h) = hooks.as_mut() {
                    (h.on_event)(ev);
                }
            };
            let fetch = cycle::fetch(clients, dir, source, &loaded, today, mode, on_listing);
            tokio::pin!(fetch);
            let ttl = settings.lease;
            let mut renew = tokio::time::interval(ttl / 3);
            renew.tick().await;
            loop {
                tokio::select! {
                    r = &mut fetch => break r?,
                    _ = renew.tick() => {
                        let lease = store.acquire_lease(holder, local_ms(), ttl.as_millis() as i64)?;
                        if let Lease::Other { holder, .. } = lease {
                            return Err(Failure::LostLease(holder));
                        }
                    }
                }
            }
        };
        // The table holds a whole listing now: later polls need no fast view.
        self.listed |= source == Source::Directory;
        let now = self.clients.client.server_now();
        let requests = spent_so_far().unwrap_or(0);
        let mut fetched = fetched;
        let listed = match &mut fetched {
            Fetched::Directory(_, _, l) if self.hooks.is_some() => l.take(),
            _ => None,
        };
        if let (Some(l), Some(keep)) = (&listed, self.hooks.as_ref().and_then(|h| h.cache)) {
            if let Err(e) = self
                .store
                .save_inventory_for(&l.inventory, &l.tenant, None, keep)
            {
                // The feed goes on; only `--cached` and readers miss this listing.
                tracing::warn!("cannot save the inventory cache: {e}");
            }
        }
        let sync_off = match source {
            Source::Directory => self.sync_offs()?,
            _ => SyncOffs::new(),
        };
        let n = cycle::commit(
            &mut self.store,
            &self.holder,
            &sync_off,
            &mut self.dir,
            loaded,
            fetched,
            now,
            requests,
        )?;
        if let (Some(h), Some(l)) = (self.hooks.as_mut(), listed) {
            (h.on_listed)(*l);
        }
        Ok(n)
    }
}

/// Why a poll produced no commit.
pub(super) enum Failure {
    Google(crate::google::Error),
    Store(StoreError),
    LostLease(String),
}

impl From<crate::google::Error> for Failure {
    fn from(e: crate::google::Error) -> Self {
        Failure::Google(e)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Store(e)
    }
}
