//! Background work for the UI: listing the inventory (cache first, then Google, streaming
//! pages), changes (through the headless [`crate::change::Engine`]: this file only spawns
//! and forwards), journal history, crash recovery and exports. Each task runs on the
//! runtime and reports only through [`Msg`]s; none of them touches the UI state.
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedSender;

use super::command::ExportKind;
use super::msg::{LoadProgress, Msg};
use crate::change::{Engine, Plan};
use crate::config::Profile;
use crate::google::{self, CallObserver, Clients};
use crate::listing::{self, ListEvent};
use crate::model::export::{write_export, CsvCells, ExportFormat, ExportOptions, COLUMNS};
use crate::model::{Device, Source};
use crate::store::Store;

mod cache;
mod checklist;

use cache::Write;

pub use checklist::{
    action_name, ChangeDone, ChecklistMsg, ChecklistTask, MigrationChange, StepRequest, UserMark,
};

/// How much journal history the Log pane loads at start.
pub const HISTORY: usize = 1_000;

#[derive(Debug, Clone)]
pub enum Task {
    /// Show the cache (first time only), then list everything from Google.
    LoadInventory,
    /// Show the cache (first time only); the feed's Directory poll lists.
    ShowCache,
    /// Journal and send a confirmed plan, exactly as shown.
    Execute(Arc<Plan>),
    /// Reconcile interrupted batches (at start) and report what is still open.
    Reconcile,
    /// Send what an interrupted batch provably did not apply (`:resume N`).
    Resume(i64),
    /// Close an interrupted batch without sending the rest (`:abandon N`).
    Abandon(i64),
    /// The newest journal entries, for the Log pane.
    History,
    Export {
        format: ExportKind,
        path: PathBuf,
        devices: Vec<Device>,
    },
    /// Read or plan for the Android pane.
    Android(super::panes::android::AndroidTask),
    /// The Checklist pane's migration work.
    Checklist(ChecklistTask),
    /// The feed's loop for the rest of the session: polls while this process holds the
    /// profile's lease (its Directory listing refreshes the table), reads the store otherwise.
    Feed,
    /// Make a feed source due now (the admin pressed refresh).
    PollNow(Source),
}

/// Spawns tasks with what they share: the clients of one profile and its database.
#[derive(Clone)]
pub struct Tasks {
    pub(super) clients: Result<Clients, String>,
    pub(super) profile: Profile,
    engine: Engine,
    /// `Store` is not `Sync`; one connection behind a mutex, used from blocking threads.
    pub(super) store: Option<Arc<Mutex<Store>>>,
    cache_shown: Arc<std::sync::atomic::AtomicBool>,
    /// Complete snapshots the cache keeps (`keep_snapshots`).
    pub(super) keep_snapshots: usize,
    /// The profile's database file, for the migration (it opens its own connections).
    database: Option<PathBuf>,
    pub(super) feed: super::feed_task::FeedHandle,
}

impl Tasks {
    /// Builds the clients (reading the key file) with an observer that forwards every API
    /// call to the Log pane. A client error is kept and reported when a task needs it, so
    /// the UI still opens (on the cache) with a broken key.
    pub fn new(profile: &Profile, store: Option<Store>, tx: UnboundedSender<Msg>) -> Tasks {
        let observer: CallObserver = Arc::new(move |r: &google::CallRecord| {
            let _ = tx.send(Msg::ApiCall(r.clone()));
        });
        let built = Clients::new(profile, Some(observer))
            .map(|(c, _warnings)| c)
            .map_err(Arc::new);
        let store = store.map(|s| Arc::new(Mutex::new(s)));
        Tasks {
            clients: built.clone().map_err(|e| e.to_string()),
            profile: profile.clone(),
            engine: Engine::new(built, store.clone()),
            store,
            cache_shown: Arc::default(),
            keep_snapshots: crate::store::KEEP_SNAPSHOTS,
            database: None,
            feed: Default::default(),
        }
    }

    /// The database file the migration reads and records its state in.
    pub fn database(mut self, path: Option<PathBuf>) -> Tasks {
        self.database = path;
        self
    }

    /// The database file the feed's poller opens its own connection to (`None`: no feed).
    pub fn feed_database(mut self, path: Option<PathBuf>) -> Tasks {
        self.feed.database = path;
        self
    }

    /// How many complete snapshots the cache keeps (default [`crate::store::KEEP_SNAPSHOTS`]).
    pub fn keep_snapshots(mut self, keep: usize) -> Tasks {
        self.keep_snapshots = keep;
        self
    }

    pub fn spawn(&self, task: Task, tx: UnboundedSender<Msg>) {
        let me = self.clone();
        match task {
            Task::Feed => return self.start_feed(tx),
            Task::PollNow(source) => return self.feed.nudge(source),
            _ => {}
        }
        tokio::spawn(async move {
            match task {
                Task::LoadInventory => me.load(tx).await,
                Task::ShowCache => {
                    me.show_cache(&tx).await;
                }
                Task::Execute(plan) => me.execute(plan, tx).await,
                Task::Reconcile => {
                    let r = me.engine.reconcile().await.map_err(Arc::new);
                    let _ = tx.send(Msg::Recovered(r));
                }
                Task::Resume(id) => me.resume(id, tx).await,
                Task::Abandon(id) => {
                    let r = me.engine.abandon(id).await.map_err(Arc::new);
                    let _ = tx.send(Msg::Abandoned(id, r));
                }
                Task::History => me.history(tx).await,
                Task::Android(t) => {
                    let store = me.store.clone();
                    super::panes::android::task::run(me.clients, store, me.profile, t, tx).await
                }
                Task::Checklist(t) => me.checklist(t, tx).await,
                Task::Export {
                    format,
                    path,
                    devices,
                } => {
                    let count = devices.len();
                    let p = path.clone();
                    let result = tokio::task::spawn_blocking(move || export(&p, &devices, format))
                        .await
                        .unwrap_or_else(|e| Err(e.to_string()));
                    let _ = tx.send(Msg::Exported {
                        path,
                        count,
                        result,
                    });
                }
                Task::Feed | Task::PollNow(_) => unreachable!("handled before spawning"),
            }
        });
    }

    /// The listing and its cache policy are `crate::listing`'s (shared with
    /// `offsync devices`); this only forwards what it reports.
    /// Sends the cached inventory the first time it is asked for; returns its size.
    async fn show_cache(&self, tx: &UnboundedSender<Msg>) -> Option<usize> {
        let store = self.store.clone()?;
        if self
            .cache_shown
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            return None;
        }
        let tenant = listing::configured_tenant(&self.profile);
        let cached = tokio::task::spawn_blocking(move || {
            let s = store.lock().map_err(|e| e.to_string())?;
            listing::cached_devices(&s, &tenant, None).map_err(|e| e.to_string())
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
        match cached {
            Ok(Some(inv)) => {
                let n = inv.devices.len();
                let _ = tx.send(Msg::CacheLoaded(Box::new(inv)));
                Some(n)
            }
            Ok(None) => None,
            Err(e) => {
                tracing::warn!("inventory cache unreadable: {e}");
                None
            }
        }
    }

    async fn load(&self, tx: UnboundedSender<Msg>) {
        let expected = self.show_cache(&tx).await;
        let clients = match &self.clients {
            Ok(c) => c,
            Err(e) => {
                let _ = tx.send(Msg::LoadFailed(e.clone()));
                return;
            }
        };
        // Pages go through one writer thread that appends the answer's pages to the cache
        // and then hands every page on to the table: the table holds the only copy of the
        // devices, and the end of the listing reaches the table after its last page.
        let (pages, writer) = self.cache_writer(tx.clone());
        let events = tx.clone();
        let to_writer = pages.clone();
        let result = listing::stream(clients, None, |ev| match ev {
            ListEvent::Devices(page) => {
                let _ = to_writer.send(Write::Page(page));
            }
            ListEvent::Preview(page) => {
                let _ = to_writer.send(Write::Preview(page));
            }
            ListEvent::Progress(p) => {
                let _ = events.send(Msg::LoadProgress(LoadProgress {
                    pages: p.pages as usize,
                    devices: p.devices as usize,
                    expected,
                    confirming: p.confirming,
                }));
            }
        })
        .await;
        let end = match result {
            Ok(listed) => {
                for w in &listed.warnings {
                    tracing::warn!("{w}");
                }
                Write::Done(listed)
            }
            Err(e) => Write::Failed(e.to_string()),
        };
        let _ = pages.send(end);
        drop(pages);
        if let Err(e) = writer.await {
            let _ = tx.send(Msg::LoadFailed(e.to_string()));
        }
    }

    async fn execute(&self, plan: Arc<Plan>, tx: UnboundedSender<Msg>) {
        let change = plan.change;
        let events = tx.clone();
        let r = self
            .engine
            .execute(&plan, |o| {
                let _ = events.send(Msg::ChangeDone(change, o));
            })
            .await;
        let _ = tx.send(Msg::BatchDone(change, r.map_err(Arc::new)));
    }

    async fn resume(&self, id: i64, tx: UnboundedSender<Msg>) {
        let store = self.engine.store().cloned();
        // The batch's kind is needed to show outcomes; read it before sending.
        let kind = match store {
            Some(s) => tokio::task::spawn_blocking(move || {
                let s = s.lock().ok()?;
                let b = s.batches().get(id).ok()??;
                serde_json::from_str::<Plan>(&b.plan).ok().map(|p| p.change)
            })
            .await
            .ok()
            .flatten(),
            None => None,
        };
        let events = tx.clone();
        let r = self
            .engine
            .resume(id, |o| {
                if let Some(k) = kind {
                    let _ = events.send(Msg::ChangeDone(k, o));
                }
            })
            .await
            .map_err(Arc::new);
        let _ = tx.send(Msg::Resumed(id, r.map(|(report, _)| report)));
    }

    async fn history(&self, tx: UnboundedSender<Msg>) {
        let Some(store) = self.store.clone() else {
            return;
        };
        let r = tokio::task::spawn_blocking(move || {
            let s = store.lock().map_err(|e| e.to_string())?;
            s.journal().since(None, HISTORY).map_err(|e| e.to_string())
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
        match r {
            Ok(entries) => {
                let _ = tx.send(Msg::History(entries));
            }
            Err(e) => tracing::warn!("journal history unreadable: {e}"),
        }
    }
}

/// The dashboard shows devices (each already joined to its owner's OU) and OUs; the users
/// are kept in the cache but not in the UI's memory.
pub(super) fn without_users(mut inv: crate::model::Inventory) -> crate::model::Inventory {
    inv.users = Vec::new();
    inv
}

/// Writes exactly the given devices with the shared exporter (the same bytes as
/// `offsync devices --format csv|json` for the same filter).
pub fn export(
    path: &std::path::Path,
    devices: &[Device],
    format: ExportKind,
) -> Result<(), String> {
    let (format, csv) = match format {
        ExportKind::Csv => (ExportFormat::Csv, CsvCells::Neutralised),
        ExportKind::CsvRaw => (ExportFormat::Csv, CsvCells::Raw),
        ExportKind::Json => (ExportFormat::Json, CsvCells::Raw),
    };
    let opts = ExportOptions {
        format,
        fields: &COLUMNS,
        now: chrono::Utc::now(),
        csv,
    };
    crate::store::write_atomically(path, |w| write_export(w, devices.iter(), &opts))
        .map_err(|e| format!("{}: {e}", path.display()))
}
