//! Background work for the UI: listing the inventory (cache first, then Google, streaming
//! pages), device changes (journal → API → outcome) and exports. Each task runs on the
//! runtime and reports only through [`Msg`]s; none of them touches the UI state.
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use tokio::sync::mpsc::UnboundedSender;

use super::command::ExportKind;
use super::msg::{LoadProgress, Msg};
use crate::config::Profile;
use crate::google::{self, CallObserver, Clients};
use crate::listing::{self, ListEvent};
use crate::model::export::{write_export, CsvCells, ExportFormat, ExportOptions, COLUMNS};
use crate::model::{Device, DeviceAction};
use crate::store::{JournalEntry, Outcome, Store};

#[derive(Debug, Clone)]
pub enum Task {
    /// Show the cache (first time only), then list everything from Google.
    LoadInventory,
    Act {
        action: DeviceAction,
        devices: Vec<Device>,
    },
    Export {
        format: ExportKind,
        path: PathBuf,
        devices: Vec<Device>,
    },
}

/// Spawns tasks with what they share: the clients of one profile and its database.
#[derive(Clone)]
pub struct Tasks {
    clients: Result<Clients, String>,
    profile: Profile,
    /// `Store` is not `Sync`; one connection behind a mutex, used from blocking threads.
    store: Option<Arc<Mutex<Store>>>,
    cache_shown: Arc<std::sync::atomic::AtomicBool>,
    /// Complete snapshots the cache keeps (`keep_snapshots`).
    keep_snapshots: usize,
}

impl Tasks {
    /// Builds the clients (reading the key file) with an observer that forwards every API
    /// call to the Log pane. A client error is kept and reported when a task needs it, so
    /// the UI still opens (on the cache) with a broken key.
    pub fn new(profile: &Profile, store: Option<Store>, tx: UnboundedSender<Msg>) -> Tasks {
        let observer: CallObserver = Arc::new(move |r: &google::CallRecord| {
            let _ = tx.send(Msg::ApiCall(r.clone()));
        });
        let clients = Clients::new(profile, Some(observer))
            .map(|(c, _warnings)| c)
            .map_err(|e| e.to_string());
        Tasks {
            clients,
            profile: profile.clone(),
            store: store.map(|s| Arc::new(Mutex::new(s))),
            cache_shown: Arc::default(),
            keep_snapshots: crate::store::KEEP_SNAPSHOTS,
        }
    }

    /// How many complete snapshots the cache keeps (default [`crate::store::KEEP_SNAPSHOTS`]).
    pub fn keep_snapshots(mut self, keep: usize) -> Tasks {
        self.keep_snapshots = keep;
        self
    }

    pub fn spawn(&self, task: Task, tx: UnboundedSender<Msg>) {
        let me = self.clone();
        tokio::spawn(async move {
            match task {
                Task::LoadInventory => me.load(tx).await,
                Task::Act { action, devices } => me.act(action, devices, tx).await,
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
            }
        });
    }

    /// The listing and its cache policy are `crate::listing`'s (shared with
    /// `offsync devices`); this only forwards what it reports.
    async fn load(&self, tx: UnboundedSender<Msg>) {
        let mut expected = None;
        if let Some(store) = self.store.clone() {
            if !self
                .cache_shown
                .swap(true, std::sync::atomic::Ordering::SeqCst)
            {
                let tenant = listing::configured_tenant(&self.profile);
                let cached = tokio::task::spawn_blocking(move || {
                    let s = store.lock().map_err(|e| e.to_string())?;
                    listing::cached(&s, &tenant, None).map_err(|e| e.to_string())
                })
                .await
                .unwrap_or_else(|e| Err(e.to_string()));
                match cached {
                    Ok(Some(inv)) => {
                        expected = Some(inv.devices.len());
                        let _ = tx.send(Msg::CacheLoaded(Box::new(inv)));
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!("inventory cache unreadable: {e}"),
                }
            }
        }
        let clients = match &self.clients {
            Ok(c) => c,
            Err(e) => {
                let _ = tx.send(Msg::LoadFailed(e.clone()));
                return;
            }
        };
        let events = tx.clone();
        let result = listing::list(clients, None, |ev| match ev {
            ListEvent::Devices(page) => {
                let _ = events.send(Msg::DevicesPage(page));
            }
            ListEvent::Progress(p) => {
                let _ = events.send(Msg::LoadProgress(LoadProgress {
                    pages: p.pages as usize,
                    devices: p.devices as usize,
                    expected,
                }));
            }
        })
        .await;
        match result {
            Ok(listed) => {
                for w in &listed.warnings {
                    tracing::warn!("{w}");
                }
                let _ = tx.send(Msg::Loaded(Box::new(listed.inventory.clone())));
                if let Some(store) = self.store.clone() {
                    let keep = self.keep_snapshots;
                    let saved = tokio::task::spawn_blocking(move || {
                        let mut s = store.lock().map_err(|e| e.to_string())?;
                        s.save_inventory_for(&listed.inventory, &listed.tenant, None, keep)
                            .map_err(|e| e.to_string())
                    })
                    .await;
                    if let Ok(Err(e)) = saved {
                        tracing::warn!("cannot save the inventory cache: {e}");
                    }
                }
            }
            Err(e) => {
                let _ = tx.send(Msg::LoadFailed(e.to_string()));
            }
        }
    }

    async fn act(&self, action: DeviceAction, devices: Vec<Device>, tx: UnboundedSender<Msg>) {
        let clients = match &self.clients {
            Ok(c) => c.clone(),
            Err(e) => {
                for d in devices {
                    let _ = tx.send(Msg::ActionDone {
                        action,
                        resource_id: d.resource_id,
                        result: Err(e.clone()),
                    });
                }
                return;
            }
        };
        let concurrency = self.profile.http.concurrency.max(1);
        futures::stream::iter(devices)
            .for_each_concurrent(concurrency, |d| {
                let (clients, tx) = (clients.clone(), tx.clone());
                async move {
                    let id = d.resource_id.clone();
                    let result = self.act_one(&clients, action, &d).await;
                    let _ = tx.send(Msg::ActionDone {
                        action,
                        resource_id: id,
                        result,
                    });
                }
            })
            .await;
    }

    /// Journal first (planned), then the request, then the outcome: a dropped session in
    /// between leaves a visible `planned` entry.
    async fn act_one(
        &self,
        clients: &Clients,
        action: DeviceAction,
        d: &Device,
    ) -> Result<(), String> {
        let entry = journal_entry(&self.profile, action, d);
        let id = self.journal(move |s| s.journal().append(&entry)).await?;
        let result = clients
            .directory
            .mobiledevice_action(&d.resource_id, action)
            .await
            .map_err(|e| e.to_string());
        if let Some(id) = id {
            let outcome = match &result {
                Ok(()) => Outcome::Succeeded,
                Err(e) => Outcome::Failed(e.clone()),
            };
            if let Err(e) = self
                .journal(move |s| s.journal().set_outcome(id, &outcome))
                .await
            {
                tracing::warn!("journal outcome not recorded: {e}");
            }
        }
        result
    }

    /// Runs a journal call on a blocking thread; `Ok(None)` when there is no store (tests).
    async fn journal<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, crate::store::StoreError> + Send + 'static,
    ) -> Result<Option<T>, String> {
        let Some(store) = self.store.clone() else {
            return Ok(None);
        };
        tokio::task::spawn_blocking(move || {
            let s = store.lock().map_err(|e| e.to_string())?;
            f(&s).map(Some).map_err(|e| format!("journal: {e}"))
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()))
    }
}

/// The journal row for one device change, with the request and its GAM equivalent.
pub fn journal_entry(profile: &Profile, action: DeviceAction, d: &Device) -> JournalEntry {
    let base = format!(
        "admin/directory/v1/customer/{}/devices/mobile/{}",
        profile.customer_id, d.resource_id
    );
    let request = match action.api_value() {
        Some(_) => format!("POST {base}/action"),
        None => format!("DELETE {base}"),
    };
    JournalEntry {
        id: 0,
        at: chrono::Utc::now(),
        profile: profile.name.clone(),
        actor: profile.subject.clone(),
        action: action.api_value().unwrap_or("delete").to_string(),
        target: d.resource_id.clone(),
        count: 1,
        request,
        gam_command: action.gam_command(&d.resource_id),
        outcome: Outcome::Planned,
        dry_run: false,
    }
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
