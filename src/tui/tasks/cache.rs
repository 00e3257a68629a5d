//! The dashboard's listing to the cache: one thread appends each page of the answer to a
//! snapshot being written (see `store::snapshot`), then hands every page on to the table,
//! and completes the snapshot at the end. The table holds the only copy of the devices.
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedSender;

use super::Tasks;
use crate::listing;
use crate::model::{Device, Tenant};
use crate::store::{SnapshotWriter, Store, StoreError};
use crate::tui::msg::Msg;

impl Tasks {
    /// The thread that writes a streamed listing to the cache (when there is one) and
    /// forwards its pages, then its end, to the table.
    pub(super) fn cache_writer(
        &self,
        tx: UnboundedSender<Msg>,
    ) -> (std::sync::mpsc::Sender<Write>, tokio::task::JoinHandle<()>) {
        let (send, recv) = std::sync::mpsc::channel::<Write>();
        let store = self.store.clone();
        let keep = self.keep_snapshots;
        let tenant = listing::configured_tenant(&self.profile);
        let writer = tokio::task::spawn_blocking(move || {
            let mut cache = store.map(|s| CacheWriter::new(s, tenant));
            for w in recv {
                match w {
                    Write::Preview(page) => {
                        let _ = tx.send(Msg::PreviewPage(page));
                    }
                    Write::Page(page) => {
                        if let Some(c) = &mut cache {
                            c.append(&page);
                        }
                        let _ = tx.send(Msg::DevicesPage(page));
                    }
                    Write::Done(listed) => {
                        if let Some(c) = cache.take() {
                            c.finish(&listed, keep);
                        }
                        let mut end = listed.streamed;
                        end.inventory.users = Vec::new();
                        let _ = tx.send(Msg::Listed(Box::new(end)));
                        return;
                    }
                    Write::Failed(e) => {
                        if let Some(c) = cache.take() {
                            c.discard();
                        }
                        let _ = tx.send(Msg::LoadFailed(e));
                        return;
                    }
                }
            }
        });
        (send, writer)
    }
}

/// What the listing hands the cache writer, in order.
pub(super) enum Write {
    /// A page of the answer: cached, then shown.
    Page(Vec<Device>),
    /// A page of the index-only preview: shown only.
    Preview(Vec<Device>),
    Done(listing::StreamListed),
    Failed(String),
}

/// A snapshot written page by page. A store error stops the writing (the cache keeps its
/// previous snapshot, and the warning says why); the listing goes on regardless.
struct CacheWriter {
    store: Arc<Mutex<Store>>,
    tenant: Tenant,
    snapshot: Option<SnapshotWriter>,
    failed: bool,
}

impl CacheWriter {
    fn new(store: Arc<Mutex<Store>>, tenant: Tenant) -> CacheWriter {
        CacheWriter {
            store,
            tenant,
            snapshot: None,
            failed: false,
        }
    }

    fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, String> {
        let mut s = self.store.lock().map_err(|e| e.to_string())?;
        f(&mut s).map_err(|e| e.to_string())
    }

    fn append(&mut self, page: &[Device]) {
        if self.failed {
            return;
        }
        let r = match self.snapshot.take() {
            Some(mut w) => self
                .with_store(|s| s.append_devices(&mut w, page))
                .map(|_| w),
            None => self.with_store(|s| {
                let mut w = s.begin_snapshot(&self.tenant, None)?;
                s.append_devices(&mut w, page)?;
                Ok(w)
            }),
        };
        match r {
            Ok(w) => self.snapshot = Some(w),
            Err(e) => {
                tracing::warn!("cannot save the inventory cache: {e}");
                self.failed = true;
            }
        }
    }

    fn finish(mut self, listed: &listing::StreamListed, keep: usize) {
        if self.failed {
            return;
        }
        let w = match self.snapshot.take() {
            Some(w) => Ok(w),
            // A listing without devices is still a snapshot (of an empty tenant).
            None => self.with_store(|s| s.begin_snapshot(&self.tenant, None)),
        };
        let s = &listed.streamed;
        let r = w.and_then(|w| {
            self.with_store(|st| {
                st.finish_snapshot(w, &listed.tenant, &s.inventory, &s.late_joins, keep)
                    .map(|_| ())
            })
        });
        if let Err(e) = r {
            tracing::warn!("cannot save the inventory cache: {e}");
        }
    }

    fn discard(mut self) {
        if let Some(w) = self.snapshot.take() {
            if let Err(e) = self.with_store(|s| s.discard_snapshot(w)) {
                tracing::warn!("cannot drop the unfinished inventory cache: {e}");
            }
        }
    }
}
