//! Sending a planned policy patch: journal the plan, send `policies.patch` with its exact
//! `updateMask`, record the outcome. The journal row is written before the request, so an
//! interrupted run leaves a visible `planned` entry ([`unfinished`] lists them).
use chrono::{DateTime, Utc};

use crate::google::amapi::Amapi;
use crate::google::Error;
use crate::migration::android::PolicyPlan;
use crate::model::android::AndroidPolicy;
use crate::store::{JournalEntry, Outcome, Store, StoreError};

/// The journal's `action` for an Android policy patch.
pub const ACTION: &str = "android.policy.patch";

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("read-only: patching {0} is a change; run without --readonly (and without readonly = true in the profile)")]
    ReadOnly(String),
    #[error("the plan for {policy} needs the typed confirmation `{expected}`; pass --confirm \"{expected}\"")]
    NotConfirmed { policy: String, expected: String },
    #[error(transparent)]
    Google(#[from] Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Journals and sends `plan`. `typed` is what the admin typed for a wipe rule.
pub async fn apply(
    amapi: &Amapi,
    store: &Store,
    profile: &str,
    plan: &PolicyPlan,
    typed: Option<&str>,
    now: DateTime<Utc>,
) -> Result<AndroidPolicy, ApplyError> {
    if amapi.client().readonly() {
        return Err(ApplyError::ReadOnly(plan.policy.clone()));
    }
    if let Some(expected) = &plan.typed_confirmation {
        if typed != Some(expected.as_str()) {
            return Err(ApplyError::NotConfirmed {
                policy: plan.policy.clone(),
                expected: expected.clone(),
            });
        }
    }
    let journal = store.journal();
    let entry = JournalEntry {
        id: 0,
        at: now,
        profile: profile.to_string(),
        actor: amapi.credential().to_string(),
        action: ACTION.into(),
        target: plan.policy.clone(),
        count: 1,
        // The journal drops query strings (they can carry tokens), so the mask and the body
        // are written out here: they are what a later read-back compares against.
        request: format!(
            "PATCH v1/{} updateMask={} body={}",
            plan.policy,
            plan.patch.update_mask(),
            plan.patch.body()
        ),
        // GAM has no Android Management commands; say so rather than invent one.
        gam_command: "(none: GAM does not manage Android Management API policies)".into(),
        outcome: Outcome::Planned,
        dry_run: false,
    };
    let id = journal.append(&entry)?;
    match amapi.patch_policy(&plan.policy, &plan.patch).await {
        Ok(p) => {
            journal.set_outcome(id, &Outcome::Succeeded)?;
            Ok(p)
        }
        Err(e) => {
            journal.set_outcome(id, &Outcome::Failed(e.to_string()))?;
            Err(e.into())
        }
    }
}

/// Policy patches an interrupted run left `planned`: whether each reached Google is unknown
/// until the policy is read back.
pub fn unfinished(store: &Store) -> Result<Vec<JournalEntry>, StoreError> {
    Ok(store
        .journal()
        .unfinished()?
        .into_iter()
        .filter(|e| e.action == ACTION)
        .collect())
}
