//! Sending a planned policy patch: journal the plan, send `policies.patch` with its exact
//! `updateMask`, record the outcome. The journal row is written before the request, so an
//! interrupted run leaves a visible `planned` entry, which [`reconcile`] settles by reading the
//! policy back.
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

/// What reconciling an interrupted patch found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciled {
    pub journal_id: i64,
    pub policy: String,
    /// The policy now carries every planned value.
    pub applied: bool,
}

/// Patches an interrupted run left `planned`: each policy is read back and compared with the
/// journaled body, field by field of the mask, and the outcome recorded. Nothing is re-sent.
pub async fn reconcile(amapi: &Amapi, store: &Store) -> Result<Vec<Reconciled>, ApplyError> {
    let journal = store.journal();
    let mut out = Vec::new();
    for e in journal
        .unfinished()?
        .into_iter()
        .filter(|e| e.action == ACTION)
    {
        let Some((mask, body)) = parse_request(&e.request) else {
            continue;
        };
        let now = serde_json::to_value(amapi.policy(&e.target).await?).unwrap_or_default();
        let applied = mask.iter().all(|f| {
            let want = &body[f.as_str()];
            match now.get(f.as_str()) {
                Some(have) => have == want,
                // An empty list is sent for "no rules"; the policy then has no such field.
                None => want.is_null() || *want == serde_json::json!([]),
            }
        });
        let outcome = if applied {
            Outcome::Succeeded
        } else {
            Outcome::Failed(
                "interrupted; read back: the policy does not carry the planned values, so the \
                 patch did not apply (nothing was re-sent)"
                    .into(),
            )
        };
        journal.set_outcome(e.id, &outcome)?;
        out.push(Reconciled {
            journal_id: e.id,
            policy: e.target,
            applied,
        });
    }
    Ok(out)
}

/// `PATCH v1/NAME updateMask=A,B body={…}` → (mask, body).
fn parse_request(r: &str) -> Option<(Vec<String>, serde_json::Value)> {
    let (_, rest) = r.split_once(" updateMask=")?;
    let (mask, body) = rest.split_once(" body=")?;
    let body = serde_json::from_str(body).ok()?;
    Some((mask.split(',').map(str::to_string).collect(), body))
}
