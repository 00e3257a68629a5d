//! The change engine: journal → request → outcome, for the dashboard and `offsync act`
//! alike. A confirmed plan is journaled whole (batch, targets, before-states) before the
//! first request; each request then gets its own journal row, written `planned` before it
//! is sent and given its outcome after, so a crash at any point leaves a record that
//! [`super::recover`] can reconcile against Google.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use futures::StreamExt;

use super::error::{ChangeError, Failure};
use super::plan::{ChangeKind, Plan, Target};
use super::policy::{self, Applied};
use crate::google::Clients;
use crate::store::{BatchTarget, ChangeRow, JournalEntry, NewBatch, Outcome, Store, StoreError};

/// The shared database connection (`Store` is not `Sync`; calls run on blocking threads).
pub type SharedStore = Arc<Mutex<Store>>;

/// Test hook: `OFFSYNC_TEST_ABORT_AFTER=N` aborts the process right after the N-th change
/// request's response arrives, before its outcome is journaled: the worst moment for a
/// crash, reproduced exactly instead of with a timed kill.
const ABORT_ENV: &str = "OFFSYNC_TEST_ABORT_AFTER";

/// The outcome of one target, reported as each request finishes.
#[derive(Debug, Clone)]
pub struct TargetOutcome {
    pub batch_id: Option<i64>,
    pub seq: usize,
    pub resource_id: String,
    /// The target's GAM line, for the Log pane.
    pub gam: String,
    pub result: Result<(), Failure>,
}

/// What a run of the engine did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub batch_id: Option<i64>,
    pub sent: usize,
    pub applied: usize,
    pub failed: Vec<(String, Failure)>,
    /// (resource ID, what Google answered) of accepted policy writes: the operation name
    /// and a created policy's name, as also journaled.
    pub operations: Vec<(String, Applied)>,
}

#[derive(Clone)]
pub struct Engine {
    clients: Result<Clients, Arc<crate::google::Error>>,
    store: Option<SharedStore>,
    concurrency: usize,
}

impl Engine {
    /// `store: None` runs without a journal (tests of the UI only).
    pub fn new(
        clients: Result<Clients, Arc<crate::google::Error>>,
        store: Option<SharedStore>,
    ) -> Engine {
        let concurrency = match &clients {
            Ok(c) => c.profile.http.concurrency.max(1),
            Err(_) => 1,
        };
        Engine {
            clients,
            store,
            concurrency,
        }
    }

    pub fn clients(&self) -> Result<&Clients, ChangeError> {
        self.clients
            .as_ref()
            .map_err(|e| ChangeError::Clients(e.clone()))
    }

    pub fn store(&self) -> Option<&SharedStore> {
        self.store.as_ref()
    }

    /// Journals `plan` as a new batch, then sends every target, reporting each outcome.
    pub async fn execute(
        &self,
        plan: &Plan,
        on: impl FnMut(TargetOutcome),
    ) -> Result<Report, ChangeError> {
        let batch_id = self.journal(plan).await?;
        self.send_all(batch_id, plan, on).await
    }

    /// The first half of [`Engine::execute`]: journals `plan` whole as a new batch (nothing
    /// is sent) and returns its id, so a caller can record it (a migration step's claim)
    /// before the first request. `None` without a store. Refused in read-only mode.
    pub async fn journal(&self, plan: &Plan) -> Result<Option<i64>, ChangeError> {
        let clients = self.clients()?;
        if clients.client.readonly() {
            return Err(ChangeError::ReadOnly);
        }
        match &self.store {
            Some(store) => Ok(Some(begin_batch(store, plan).await?)),
            None => Ok(None),
        }
    }

    /// The second half of [`Engine::execute`]: sends every target of a journaled batch.
    pub async fn send_all(
        &self,
        batch_id: Option<i64>,
        plan: &Plan,
        on: impl FnMut(TargetOutcome),
    ) -> Result<Report, ChangeError> {
        let all: Vec<usize> = (0..plan.len()).collect();
        self.send(batch_id, plan, all, on).await
    }

    /// Sends the targets at `seqs` of a journaled batch (resume), or of an unjournaled plan.
    pub(super) async fn send(
        &self,
        batch_id: Option<i64>,
        plan: &Plan,
        seqs: Vec<usize>,
        mut on: impl FnMut(TargetOutcome),
    ) -> Result<Report, ChangeError> {
        let clients = self.clients()?.clone();
        if clients.client.readonly() {
            return Err(ChangeError::ReadOnly);
        }
        let mut report = Report {
            batch_id,
            ..Default::default()
        };
        // Owned values in the stream: the futures outlive no borrow, so the whole run can be
        // spawned on any runtime thread.
        let shared = Arc::new(plan.clone());
        let items: Vec<(usize, Target)> = plan
            .subset(&seqs)
            .into_iter()
            .map(|(seq, t)| (seq, t.clone()))
            .collect();
        let mut outcomes = futures::stream::iter(items)
            .map(|(seq, t)| {
                let (me, clients, plan) = (self.clone(), clients.clone(), shared.clone());
                async move {
                    let result = me.send_one(&clients, &plan, batch_id, seq, &t).await;
                    let applied = result.as_ref().ok().cloned().flatten();
                    let o = TargetOutcome {
                        batch_id,
                        seq,
                        resource_id: t.resource_id,
                        gam: t.gam,
                        result: result.map(drop).map_err(Arc::new),
                    };
                    (o, applied)
                }
            })
            .buffer_unordered(self.concurrency);
        while let Some((o, applied)) = outcomes.next().await {
            report.sent += 1;
            if let Some(a) = applied {
                report.operations.push((o.resource_id.clone(), a));
            }
            match &o.result {
                Ok(()) => report.applied += 1,
                Err(e) => report.failed.push((o.resource_id.clone(), e.clone())),
            }
            on(o);
        }
        drop(outcomes);
        if let (Some(id), Some(store)) = (batch_id, &self.store) {
            // Closed only when every target has a final outcome; otherwise recovery finds it.
            super::recover::close_if_done(store, id).await?;
        }
        Ok(report)
    }

    async fn send_one(
        &self,
        clients: &Clients,
        plan: &Plan,
        batch_id: Option<i64>,
        seq: usize,
        t: &Target,
    ) -> Result<Option<Applied>, ChangeError> {
        let entry = journal_entry(plan, batch_id, seq, t);
        let facts = super::policy_send::migration_facts(plan, t);
        let row = match &self.store {
            None => None,
            // The journal row and its migration facts are written together, or neither is.
            Some(store) => Some(
                blocking_with(store, move |s| {
                    let id = s.journal().append(&entry)?;
                    if let Some(f) = facts {
                        s.migration().record_change(&ChangeRow {
                            journal_id: id,
                            ..f
                        })?;
                    }
                    Ok(id)
                })
                .await?,
            ),
        };
        let result = match plan.change {
            ChangeKind::Device(action) => clients
                .directory
                .mobiledevice_action(&t.resource_id, action)
                .await
                .map(|_| None)
                .map_err(ChangeError::from),
            ChangeKind::AndroidPolicy => match (&clients.amapi, super::android::patch(t)) {
                (Some(am), Some(patch)) => am
                    .patch_policy(&t.resource_id, &patch)
                    .await
                    .map(|_| None)
                    .map_err(ChangeError::from),
                (None, _) => Err(ChangeError::Refused(
                    "Android Management is not configured for this profile (endpoints.enterprise)"
                        .into(),
                )),
                (_, None) => Err(ChangeError::Refused(format!(
                    "the plan's request for {} is not a masked policy patch",
                    t.resource_id
                ))),
            },
            ChangeKind::CloudIdentityPolicy => super::policy_send::send(clients, t).await.map(Some),
        };
        abort_hook();
        if let Some(id) = row {
            let outcome = match &result {
                Ok(_) => Outcome::Succeeded,
                Err(e) => Outcome::Failed(e.to_string()),
            };
            let operation = result
                .as_ref()
                .ok()
                .and_then(|a| a.as_ref().map(|a| a.operation.clone()));
            let has_facts = plan.step.is_some();
            // The request went out; a journal that cannot take its outcome leaves the row
            // `planned`, which recovery reads back. Say so rather than failing the change.
            if let Err(e) = self
                .with_store(move |s| {
                    s.journal().set_outcome(id, &outcome)?;
                    if let (true, Some(op)) = (has_facts, operation) {
                        s.migration().set_operation(id, &op)?;
                    }
                    Ok(())
                })
                .await
            {
                tracing::warn!("journal outcome of entry {id} not recorded: {e}");
            }
        }
        result
    }

    /// Runs `f` on the store on a blocking thread; `Ok(None)` without a store.
    async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, ChangeError> + Send + 'static,
    ) -> Result<Option<T>, ChangeError> {
        match &self.store {
            None => Ok(None),
            Some(store) => blocking_with(store, f).await.map(Some),
        }
    }
}

pub(super) async fn blocking<T: Send + 'static>(
    store: &SharedStore,
    f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ChangeError> {
    blocking_with(store, move |s| f(s).map_err(ChangeError::Journal)).await
}

pub(super) async fn blocking_with<T: Send + 'static>(
    store: &SharedStore,
    f: impl FnOnce(&mut Store) -> Result<T, ChangeError> + Send + 'static,
) -> Result<T, ChangeError> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || {
        let mut s = store
            .lock()
            .map_err(|_| ChangeError::Internal("a journal write panicked earlier".into()))?;
        f(&mut s)
    })
    .await
    .unwrap_or_else(|e| Err(ChangeError::Internal(format!("writing the journal: {e}"))))
}

async fn begin_batch(store: &SharedStore, plan: &Plan) -> Result<i64, ChangeError> {
    let text = serde_json::to_string(plan)
        .map_err(|e| ChangeError::Internal(format!("serialising the plan: {e}")))?;
    let batch = NewBatch {
        at: chrono::Utc::now(),
        profile: plan.profile.clone(),
        actor: plan.actor.clone(),
        kind: plan.change.name(),
        label: plan.summary(),
        plan: text,
        targets: plan
            .targets
            .iter()
            .map(|t| BatchTarget {
                resource_id: t.resource_id.clone(),
                owner: t.owner.clone(),
                org_unit: t.org_unit.clone(),
                before: t.before.clone(),
                request: t.request.line(),
                gam_command: t.gam.clone(),
            })
            .collect(),
    };
    blocking(store, move |s| s.begin_batch(&batch)).await
}

/// The journal row for one request of a plan.
pub fn journal_entry(plan: &Plan, batch_id: Option<i64>, seq: usize, t: &Target) -> JournalEntry {
    JournalEntry {
        id: 0,
        at: chrono::Utc::now(),
        profile: plan.profile.clone(),
        actor: plan.actor.clone(),
        action: match plan.change {
            ChangeKind::Device(a) => a.api_value().unwrap_or("delete").to_string(),
            ChangeKind::AndroidPolicy => super::android::ACTION.to_string(),
            ChangeKind::CloudIdentityPolicy => policy::action(t).to_string(),
        },
        target: t.resource_id.clone(),
        count: 1,
        request: t.request.line(),
        gam_command: t.gam.clone(),
        outcome: Outcome::Planned,
        dry_run: false,
        batch_id,
        seq: Some(seq as i64),
    }
}

fn abort_hook() {
    static LIMIT: OnceLock<Option<u64>> = OnceLock::new();
    static SEEN: AtomicU64 = AtomicU64::new(0);
    let limit = LIMIT.get_or_init(|| std::env::var(ABORT_ENV).ok().and_then(|v| v.parse().ok()));
    if let Some(n) = *limit {
        if SEEN.fetch_add(1, Ordering::SeqCst) + 1 >= n {
            std::process::abort();
        }
    }
}
