//! `offsync step OU STEP ACTION`: plan, apply, attest, verify, retry, skip and undo one step
//! at one OU. Every action starts from a fresh observation (and recovery), so what is shown
//! and what is sent are computed from the same state.
use serde::Serialize;

use super::facts;
use super::observe::Observed;
use super::{MigrateError, Migrator, Result};
use crate::migration::funnel::UserRow;
use crate::migration::plan::{self, BlockChange, IMAP_SETTING};
use crate::migration::verify::sweep_targets;
use crate::migration::{
    Evidence, EvidenceKind, ImapValue, PolicyChange, RestrictionShape, Skip, SkipKind, StepId,
    StepKind, StepRecord, IOS_CLIENT_ID,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepAction {
    Plan,
    Apply,
    Attest,
    Verify,
    Retry,
    Skip,
    Undo,
}

impl StepAction {
    pub fn parse(s: &str) -> Option<StepAction> {
        Some(match s {
            "plan" => StepAction::Plan,
            "apply" => StepAction::Apply,
            "attest" => StepAction::Attest,
            "verify" => StepAction::Verify,
            "retry" => StepAction::Retry,
            "skip" => StepAction::Skip,
            "undo" => StepAction::Undo,
            _ => return None,
        })
    }
}

/// What a step would do: shown by `plan`, and by `apply` without `--yes`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepPlan {
    Policy {
        change: Box<PolicyChange>,
        /// The change engine's plan of the write: the exact request `apply --yes` sends,
        /// journaled as one batch.
        request: Box<crate::change::Plan>,
        /// The OU already has the target value (explicitly or inherited): nothing to send.
        noop: bool,
        notes: Vec<String>,
        /// Per-user Gmail IMAP settings of the OU's users (`imap` only; a diagnostic: the
        /// admin policy overrides them).
        #[serde(skip_serializing_if = "Option::is_none")]
        user_imap: Option<super::user_imap::UserImap>,
    },
    Block {
        change: BlockChange,
    },
    Manual {
        console_path: String,
        how_verified: String,
    },
    Users {
        left_behind: Vec<UserRow>,
    },
    NotApplicable {
        why: String,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct StepOutcome {
    pub record: StepRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<StepPlan>,
    /// What happened, in order, for the admin.
    pub messages: Vec<String>,
    /// True when something was sent to Google.
    pub sent: bool,
}

/// The value a policy step writes.
pub(super) fn target(m: &Migrator, step: StepId) -> serde_json::Value {
    let s = &m.settings;
    let restrict = s.imap_restrict_to_ios.then_some(IOS_CLIENT_ID);
    ImapValue::encode(step == StepId::Imap, restrict, s.imap_restriction_shape)
}

impl Migrator {
    pub async fn plan_for(&self, obs: &Observed, ou: &str, step: StepId) -> Result<StepPlan> {
        let decl = obs.decl(ou);
        if !decl.applies(step) {
            return Ok(StepPlan::NotApplicable {
                why: if decl.path.steps().contains(&step) {
                    "iOS automatic push needs advanced mobile management; declare it with `offsync declare OU --management advanced`".into()
                } else {
                    format!(
                        "{ou} follows the {} path, which has no {step} step",
                        decl.path.as_str()
                    )
                },
            });
        }
        Ok(match step.kind() {
            StepKind::PolicyApi => {
                let ou_id = obs
                    .tree
                    .id_of(ou)
                    .ok_or_else(|| MigrateError::NoSuchOu(ou.into()))?;
                let after = target(self, step);
                let change = plan::policy_change(
                    step,
                    ou,
                    ou_id,
                    IMAP_SETTING,
                    &obs.imap,
                    obs.tree.paths(),
                    after.clone(),
                    &obs.inventory.users,
                    &obs.inventory.devices,
                );
                let noop = change
                    .before
                    .value()
                    .is_some_and(|v| ImapValue::decode(v) == ImapValue::decode(&after));
                let mut notes = Vec::new();
                if let Some(v) = change.before.value() {
                    if noop {
                        notes.push(format!(
                            "already in place ({}): nothing to send",
                            change.before.describe()
                        ));
                    } else if !matches!(change.before, crate::migration::Effective::Explicit { .. })
                    {
                        notes.push(format!(
                            "{ou} inherits {v} ({}); offsync creates an explicit policy at {ou}",
                            change.before.describe()
                        ));
                    }
                }
                if step == StepId::Imap && self.settings.imap_restrict_to_ios {
                    if self.settings.imap_restriction_shape == RestrictionShape::None {
                        notes.push(format!("the client restriction has no API field (imap_restriction_shape = none): after apply, set \"Restrict which mail clients users can use\" to {IOS_CLIENT_ID} in the console"));
                    }
                    notes.extend(self.other_imap_clients(obs, &change.reach.ous).await);
                }
                StepPlan::Policy {
                    request: Box::new(self.policy_plan(&change, obs.now)),
                    change: Box::new(change),
                    noop,
                    notes,
                    // Filled in for plans shown to the admin: see `add_user_imap`.
                    user_imap: None,
                }
            }
            StepKind::DeviceActions => {
                let (imap, trust) = (obs.imap.effective(ou), obs.trust.effective(ou));
                let view = obs.view(ou, &imap, &trust);
                StepPlan::Block {
                    change: plan::block_change(ou, &sweep_targets(&view)),
                }
            }
            StepKind::Console => StepPlan::Manual {
                console_path: step.console_path().into(),
                how_verified: step.how_verified().into(),
            },
            StepKind::Users => StepPlan::Users {
                left_behind: obs
                    .funnel
                    .iter()
                    .filter(|u| {
                        crate::model::OuPath::is_within(&u.ou, ou)
                            && u.funnel.is_left_behind()
                            && !u.acknowledged
                    })
                    .cloned()
                    .collect(),
            },
        })
    }

    /// Adds the per-user Gmail IMAP diagnostic to an `imap` plan: one read per user (up to
    /// `user_imap_limit`), so only for plans shown to the admin, never before sending.
    pub async fn add_user_imap(&self, obs: &Observed, plan: &mut StepPlan) {
        if let StepPlan::Policy {
            change, user_imap, ..
        } = plan
        {
            if change.step == StepId::Imap {
                *user_imap = Some(self.user_imap(obs, &change.reach.ous).await);
            }
        }
    }

    /// Runs one action on one step. `apply`/`undo` without `yes` only return the plan.
    pub async fn step(
        &self,
        ou: &str,
        step: StepId,
        action: StepAction,
        reason: Option<&str>,
        skip_kind: SkipKind,
        yes: bool,
    ) -> Result<StepOutcome> {
        let obs = self.observe_ready().await?;
        if !obs.has_ou(ou) {
            return Err(MigrateError::NoSuchOu(ou.into()));
        }
        let now = obs.now;
        let window = self.settings.propagation_window;
        let mut out = StepOutcome {
            record: obs.record(ou, step),
            plan: None,
            // What observing and recovering found (an interrupted write, an unreadable
            // source) comes first: the admin must see it with the answer.
            messages: obs
                .warnings
                .iter()
                .map(|w| format!("warning: {w}"))
                .collect(),
            sent: false,
        };
        let mut store = self.store()?;
        match action {
            StepAction::Plan => {
                let mut p = self.plan_for(&obs, ou, step).await?;
                self.add_user_imap(&obs, &mut p).await;
                if matches!(step.kind(), StepKind::PolicyApi | StepKind::DeviceActions)
                    && !matches!(
                        p,
                        StepPlan::Policy { noop: true, .. } | StepPlan::NotApplicable { .. }
                    )
                {
                    let (rec, ()) = store
                        .migration()
                        .update_step(ou, step, now, |r| r.plan(now))?;
                    out.record = rec;
                    facts::journal_fact(
                        &mut store,
                        self,
                        now,
                        "migration.plan",
                        ou,
                        step.as_str(),
                        reason,
                    )?;
                }
                out.plan = Some(p);
            }
            StepAction::Apply => return self.apply(obs, ou, step, reason, yes).await,
            StepAction::Undo => return self.undo(obs, ou, step, reason, yes).await,
            StepAction::Attest => {
                let manual = step.kind() == StepKind::Console
                    || (step.kind() == StepKind::PolicyApi
                        && out.record.state == crate::migration::StepState::NeedsManual);
                if !manual {
                    return Err(MigrateError::Refused(format!("{step} is not a console step; offsync {} and verifies it (`offsync step {ou} {step} verify`)", if step == StepId::ReAdd { "tracks users for it" } else { "applies it through the API" })));
                }
                let who = &self.actor;
                let e = Evidence::new(
                    EvidenceKind::Attestation,
                    now,
                    true,
                    format!(
                        "{who} attests: {} done at {ou}{}",
                        step.console_path(),
                        reason.map(|r| format!(" ({r})")).unwrap_or_default()
                    ),
                );
                let (rec, ()) = store
                    .migration()
                    .update_step(ou, step, now, |r| r.attest(now, window, e))?;
                facts::journal_fact(
                    &mut store,
                    self,
                    now,
                    "migration.attest",
                    ou,
                    step.as_str(),
                    reason,
                )?;
                out.messages.push(format!(
                    "attested; offsync verifies it: {}",
                    step.how_verified()
                ));
                out.record = rec;
            }
            StepAction::Verify => out
                .messages
                .push(format!("verified from fresh data: {}", step.how_verified())),
            StepAction::Retry => {
                let (rec, ()) = store
                    .migration()
                    .update_step(ou, step, now, |r| r.retry(now))?;
                facts::journal_fact(
                    &mut store,
                    self,
                    now,
                    "migration.retry",
                    ou,
                    step.as_str(),
                    reason,
                )?;
                out.record = rec;
                out.messages
                    .push("planned again; `apply --yes` sends it".into());
            }
            StepAction::Skip => {
                let skip = Skip {
                    kind: skip_kind,
                    reason: reason.unwrap_or_default().to_string(),
                };
                let (rec, ()) = store
                    .migration()
                    .update_step(ou, step, now, |r| r.skip(now, skip))?;
                facts::journal_fact(
                    &mut store,
                    self,
                    now,
                    "migration.skip",
                    ou,
                    step.as_str(),
                    reason,
                )?;
                out.record = rec;
            }
        }
        Ok(out)
    }
}
