//! Crash recovery. A batch without a close row was interrupted (kill -9, a dropped SSH
//! session, a power cut). Reconciling reads every target whose fate the journal does not
//! know back from Google and records what actually happened: applied, not applied, or
//! unknown (Google could not be asked, or someone else changed the target). Nothing is
//! ever re-sent here: [`Engine::resume`] sends the targets that were provably not applied,
//! and only when the admin asks for it.
use futures::StreamExt;

use super::device::{self, ReadBack};
use super::engine::{blocking, Engine, Report, SharedStore, TargetOutcome};
use super::error::ChangeError;
use super::plan::{ChangeKind, Plan};
use crate::store::{Batch, Finding, Outcome, TargetRecord};

/// Where one target of a batch stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetState {
    Applied,
    Failed(String),
    /// No request was ever sent.
    NotSent,
    /// Sent, interrupted, and read back as not applied: safe to send again.
    NotApplied,
    /// A request may have gone out and nobody has read the target back yet.
    Interrupted,
    /// Read back, but the answer does not say (why in the text).
    Unknown(String),
}

impl TargetState {
    /// Final: nothing more will happen to this target.
    pub fn is_final(&self) -> bool {
        matches!(self, TargetState::Applied | TargetState::Failed(_))
    }

    /// Resume may send it: it provably did not happen.
    pub fn is_resumable(&self) -> bool {
        matches!(self, TargetState::NotSent | TargetState::NotApplied)
    }
}

/// Derives a target's state from its newest journal row and finding.
pub fn state(r: &TargetRecord) -> TargetState {
    let finding_about = |id: i64| {
        r.finding
            .as_ref()
            .filter(|(_, about, _)| *about == Some(id))
    };
    match &r.journal {
        None => TargetState::NotSent,
        Some((_, Outcome::Succeeded)) => TargetState::Applied,
        Some((id, Outcome::Failed(e))) => match finding_about(*id) {
            Some((Finding::NotApplied, _, _)) => TargetState::NotApplied,
            _ => TargetState::Failed(e.clone()),
        },
        Some((id, Outcome::Planned)) => match finding_about(*id) {
            Some((Finding::Unknown, _, why)) => TargetState::Unknown(why.clone()),
            _ => TargetState::Interrupted,
        },
    }
}

/// A batch and where its targets stand, for the report after reconciling.
#[derive(Debug, Clone)]
pub struct BatchStatus {
    pub batch: Batch,
    pub applied: usize,
    pub failed: usize,
    /// Not sent, or read back as not applied: what `act --resume` would send.
    pub resumable: usize,
    /// (resource ID, why) of targets whose fate is still unknown.
    pub unknown: Vec<(String, String)>,
    pub closed: bool,
}

impl BatchStatus {
    /// One paragraph for the terminal, the status line and the Log pane.
    pub fn describe(&self) -> String {
        let b = &self.batch;
        let mut s = format!(
            "batch {} ({}, {} by {}, started {}): {} applied, {} failed, {} not applied",
            b.id,
            b.label,
            b.profile,
            b.actor,
            b.at.format("%Y-%m-%d %H:%M:%S UTC"),
            self.applied,
            self.failed,
            self.resumable
        );
        if !self.unknown.is_empty() {
            s.push_str(&format!(", {} unknown", self.unknown.len()));
        }
        s
    }
}

impl Engine {
    /// Reconciles every open batch (oldest first) and returns the ones still open.
    pub async fn reconcile(&self) -> Result<Vec<BatchStatus>, ChangeError> {
        let Some(store) = self.store().cloned() else {
            return Ok(Vec::new());
        };
        let open = blocking(&store, |s| s.batches().open()).await?;
        let mut out = Vec::new();
        for batch in open {
            let status = self.reconcile_batch(&store, batch).await?;
            if !status.closed {
                out.push(status);
            }
        }
        Ok(out)
    }

    async fn reconcile_batch(
        &self,
        store: &SharedStore,
        batch: Batch,
    ) -> Result<BatchStatus, ChangeError> {
        let plan = parse_plan(&batch)?;
        let id = batch.id;
        let targets = blocking(store, move |s| s.batches().targets(id)).await?;
        let unsure: Vec<TargetRecord> = targets
            .into_iter()
            .filter(|t| matches!(state(t), TargetState::Interrupted | TargetState::Unknown(_)))
            .collect();
        if !unsure.is_empty() {
            let plan = std::sync::Arc::new(plan);
            let looks = futures::stream::iter(unsure)
                .map(|t| {
                    let (me, plan) = (self.clone(), plan.clone());
                    async move {
                        let look = me.read_back(&plan, &t).await;
                        (t, look)
                    }
                })
                .buffer_unordered(8)
                .collect::<Vec<_>>()
                .await;
            for (t, look) in looks {
                self.record(store, id, &t, look).await?;
            }
        }
        let targets = blocking(store, move |s| s.batches().targets(id)).await?;
        let mut st = summarise(batch, &targets, false);
        st.closed = close_if_done(store, id).await?;
        Ok(st)
    }

    async fn read_back(&self, plan: &Plan, t: &TargetRecord) -> ReadBack {
        let clients = match self.clients() {
            Ok(c) => c,
            Err(e) => return ReadBack::Unclear(format!("cannot read it back: {e}")),
        };
        match plan.change {
            ChangeKind::Device(action) => {
                match clients.directory.mobiledevice(&t.resource_id).await {
                    Ok(d) => device::read_back(action, &t.before, Some(&d)),
                    Err(e) if e.status() == Some(404) => device::read_back(action, &t.before, None),
                    Err(e) => ReadBack::Unclear(format!("cannot read it back: {e}")),
                }
            }
            ChangeKind::CloudIdentityPolicy => {
                let Some(target) = plan.targets.get(t.seq as usize) else {
                    return ReadBack::Unclear("the batch has no such target".into());
                };
                let lag = plan.step.as_ref().map(|c| c.read_lag_secs).unwrap_or(0);
                match super::policy_send::current(clients, target).await {
                    Ok(now) => {
                        // After the read: the server's clock is fresh from its answer.
                        let settled =
                            clients.client.server_now() >= plan.at + chrono::Duration::seconds(lag);
                        super::policy::read_back(target, now.as_ref(), settled)
                    }
                    Err(e) => ReadBack::Unclear(format!("cannot read it back: {e}")),
                }
            }
            ChangeKind::AndroidPolicy => {
                let (Some(am), Some(target)) = (&clients.amapi, plan.targets.get(t.seq as usize))
                else {
                    return ReadBack::Unclear(
                        "cannot read it back: Android Management is not configured".into(),
                    );
                };
                match am.policy(&t.resource_id).await {
                    Ok(p) => super::android::read_back(target, Some(&p)),
                    Err(e) if e.status() == Some(404) => super::android::read_back(target, None),
                    Err(e) => ReadBack::Unclear(format!("cannot read it back: {e}")),
                }
            }
        }
    }

    /// Journals what reading `t` back showed: an outcome for its planned row (when there
    /// is one) and a finding. An unclear answer leaves the row planned for the next try.
    async fn record(
        &self,
        store: &SharedStore,
        batch_id: i64,
        t: &TargetRecord,
        look: ReadBack,
    ) -> Result<(), ChangeError> {
        let (seq, row) = (t.seq, t.journal.as_ref().map(|(id, _)| *id));
        let planned = matches!(t.journal, Some((_, Outcome::Planned)));
        let (finding, outcome, detail) = match look {
            ReadBack::Applied(why) => (Finding::Applied, Some(Outcome::Succeeded), why),
            ReadBack::NotApplied(why) => (
                Finding::NotApplied,
                Some(Outcome::Failed(format!(
                    "interrupted before Google applied it (read back: {why})"
                ))),
                why,
            ),
            ReadBack::Gone => (
                Finding::Unknown,
                Some(Outcome::Failed(
                    "interrupted, and the target no longer exists".into(),
                )),
                "the target no longer exists".into(),
            ),
            ReadBack::Unclear(why) => (Finding::Unknown, None, why),
        };
        let same_as_before = matches!(&t.finding, Some((f, about, d))
            if *f == finding && *about == row && *d == detail);
        blocking(store, move |s| {
            if let (true, Some(id), Some(o)) = (planned, row, &outcome) {
                s.journal().set_outcome(id, o)?;
            }
            if !same_as_before {
                s.batches()
                    .add_finding(batch_id, seq, row, finding, &detail)?;
            }
            Ok(())
        })
        .await
    }

    /// Reconciles one batch (open or not) and returns where it and each target stand, by
    /// sequence number: what a migration step's recovery reads.
    pub async fn reconcile_one(
        &self,
        id: i64,
    ) -> Result<(BatchStatus, Vec<TargetState>), ChangeError> {
        let store = self
            .store()
            .cloned()
            .ok_or_else(|| ChangeError::Refused("there is no journal to reconcile".into()))?;
        let batch = blocking(&store, move |s| s.batches().get(id))
            .await?
            .ok_or_else(|| {
                ChangeError::Refused(format!("there is no batch {id} in the journal"))
            })?;
        let status = if batch.closed.is_some() {
            // Nothing left to read back; report it as it stands.
            self.status_of(&store, batch).await?
        } else {
            self.reconcile_batch(&store, batch).await?
        };
        let mut targets = blocking(&store, move |s| s.batches().targets(id)).await?;
        targets.sort_by_key(|t| t.seq);
        Ok((status, targets.iter().map(state).collect()))
    }

    async fn status_of(
        &self,
        store: &SharedStore,
        batch: Batch,
    ) -> Result<BatchStatus, ChangeError> {
        let id = batch.id;
        let targets = blocking(store, move |s| s.batches().targets(id)).await?;
        Ok(summarise(batch, &targets, true))
    }

    /// Reconciles batch `id`, then sends the targets that provably did not happen.
    pub async fn resume(
        &self,
        id: i64,
        on: impl FnMut(TargetOutcome),
    ) -> Result<(Report, BatchStatus), ChangeError> {
        let store = self
            .store()
            .cloned()
            .ok_or_else(|| ChangeError::Refused("there is no journal to resume from".into()))?;
        let batch = blocking(&store, move |s| s.batches().get(id))
            .await?
            .ok_or_else(|| {
                ChangeError::Refused(format!("there is no batch {id} in the journal"))
            })?;
        if let Some(how) = &batch.closed {
            return Err(ChangeError::Refused(format!(
                "batch {id} is already {how}; nothing to resume"
            )));
        }
        let plan = parse_plan(&batch)?;
        if let Some(ctx) = &plan.step {
            let ou = plan
                .targets
                .first()
                .and_then(|t| t.org_unit.clone())
                .unwrap_or_default();
            return Err(ChangeError::Refused(format!(
                "batch {id} is the {} step's write at {ou}: the migration recovers it (`offsync step {ou} {} verify`) and sends it again only through `offsync step {ou} {} apply --yes`",
                ctx.step, ctx.step, ctx.step
            )));
        }
        let profile = &self.clients()?.profile.name;
        if plan.profile != *profile {
            return Err(ChangeError::Refused(format!(
                "batch {id} was planned for profile `{}`, not `{profile}`; use --profile {}",
                plan.profile, plan.profile
            )));
        }
        let status = self.reconcile_batch(&store, batch).await?;
        let targets = blocking(&store, move |s| s.batches().targets(id)).await?;
        let seqs: Vec<usize> = targets
            .iter()
            .filter(|t| state(t).is_resumable())
            .map(|t| t.seq as usize)
            .collect();
        let report = self.send(Some(id), &plan, seqs, on).await?;
        Ok((report, status))
    }

    /// Closes batch `id` without sending the rest: the admin decided against it.
    pub async fn abandon(&self, id: i64) -> Result<(), ChangeError> {
        let store = self
            .store()
            .cloned()
            .ok_or_else(|| ChangeError::Refused("there is no journal".into()))?;
        blocking(&store, move |s| match s.batches().get(id)? {
            Some(_) => s.batches().close(id, true).map(|_| true),
            None => Ok(false),
        })
        .await?
        .then_some(())
        .ok_or_else(|| ChangeError::Refused(format!("there is no batch {id} in the journal")))
    }
}

fn summarise(batch: Batch, targets: &[TargetRecord], closed: bool) -> BatchStatus {
    let mut st = BatchStatus {
        batch,
        applied: 0,
        failed: 0,
        resumable: 0,
        unknown: Vec::new(),
        closed,
    };
    for t in targets {
        match state(t) {
            TargetState::Applied => st.applied += 1,
            TargetState::Failed(_) => st.failed += 1,
            TargetState::NotSent | TargetState::NotApplied => st.resumable += 1,
            TargetState::Interrupted => st
                .unknown
                .push((t.resource_id.clone(), "not read back yet".into())),
            TargetState::Unknown(why) => st.unknown.push((t.resource_id.clone(), why)),
        }
    }
    st
}

/// Closes batch `id` as finished when every target is final; true when it is closed.
pub(super) async fn close_if_done(store: &SharedStore, id: i64) -> Result<bool, ChangeError> {
    blocking(store, move |s| {
        let done = s.batches().targets(id)?.iter().all(|t| state(t).is_final());
        if done {
            s.batches().close(id, false)?;
        }
        Ok(done)
    })
    .await
}

fn parse_plan(b: &Batch) -> Result<Plan, ChangeError> {
    serde_json::from_str(&b.plan).map_err(|e| {
        ChangeError::Refused(format!(
            "batch {} holds a plan this offsync cannot read ({e}); it can only be abandoned",
            b.id
        ))
    })
}
