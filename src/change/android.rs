//! Android Management policy patches as a kind of change: one target per policy (its full
//! name), the exact masked `policies.patch`, and the read-back after a crash: the policy
//! carries the planned values (applied), still its earlier ones (not applied), or neither
//! (someone else changed it: unclear). Planning and validation are `migration::android`'s.
use serde_json::{json, Value};

use super::device::ReadBack;
use super::plan::{Request, Target};
use crate::migration::android::PolicyPlan;
use crate::model::android::{AndroidPolicy, PolicyPatch};

/// The journal's `action` for an Android policy patch.
pub const ACTION: &str = "android.policy.patch";

/// GAM has no Android Management commands; say so rather than invent one.
pub const GAM: &str = "(none: GAM does not manage Android Management API policies)";

fn mask_of(t: &Target) -> Option<&str> {
    t.request.path.split_once("?updateMask=").map(|(_, m)| m)
}

/// The masked fields of `policy` as one JSON object (absent fields as null).
fn masked(policy: &Value, mask: &str) -> Value {
    let mut out = serde_json::Map::new();
    for f in mask.split(',') {
        out.insert(f.to_string(), policy.get(f).cloned().unwrap_or(Value::Null));
    }
    Value::Object(out)
}

/// The one target of a policy plan; `before` holds the masked fields as they were.
pub fn target(plan: &PolicyPlan, before: &AndroidPolicy) -> Target {
    let mask = plan.patch.update_mask();
    let old = serde_json::to_value(before).unwrap_or_default();
    Target {
        resource_id: plan.policy.clone(),
        owner: None,
        org_unit: None,
        before: masked(&old, &mask).to_string(),
        about: format!(
            "policy {} v{}",
            before.id(),
            before.version.as_deref().unwrap_or("?")
        ),
        request: Request {
            method: "PATCH".into(),
            path: format!("v1/{}?updateMask={mask}", plan.policy),
            body: Some(plan.patch.body()),
        },
        gam: GAM.into(),
    }
}

/// The patch a target's request carries: what the engine sends.
pub fn patch(t: &Target) -> Option<PolicyPatch> {
    PolicyPatch::from_parts(mask_of(t)?, t.request.body.as_ref()?)
}

/// Whether `now` carries `want` in every masked field. A field sent as `[]` or null is
/// absent from the policy Google returns.
fn carries(now: &Value, want: &Value, mask: &str) -> bool {
    mask.split(',').all(|f| match now.get(f) {
        Some(have) => Some(have) == want.get(f),
        None => matches!(want.get(f), None | Some(Value::Null)) || want.get(f) == Some(&json!([])),
    })
}

/// Compares the policy as Google shows it now (`None`: not found) with the plan's target.
pub fn read_back(t: &Target, now: Option<&AndroidPolicy>) -> ReadBack {
    let (Some(mask), Some(want)) = (mask_of(t), t.request.body.as_ref()) else {
        return ReadBack::Unclear("the plan's request is not a masked policy patch".into());
    };
    let Some(now) = now else {
        return ReadBack::Gone;
    };
    let have = serde_json::to_value(now).unwrap_or_default();
    let before: Value = serde_json::from_str(&t.before).unwrap_or_default();
    if carries(&have, want, mask) {
        ReadBack::Applied(format!("the policy carries the planned {mask}"))
    } else if carries(&have, &before, mask) {
        ReadBack::NotApplied(format!("the policy still has its earlier {mask}"))
    } else {
        ReadBack::Unclear(format!(
            "the policy's {mask} is neither the earlier nor the planned value: changed by someone else?"
        ))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::migration::android::{plan, AccountEdit, DirectoryFacts};

    fn policy(v: Value) -> AndroidPolicy {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_target_carries_the_exact_patch_and_reads_back_three_ways() {
        let before = policy(json!({"name": "enterprises/E/policies/p", "version": "2",
            "workAccountSetupConfig": {"authenticationType": "GOOGLE_AUTHENTICATED", "requiredAccountEmail": "x@gmail.com"}}));
        let edit = AccountEdit {
            required_account_email: Some(None),
            ..AccountEdit::default()
        };
        let p = plan(&before, &edit, &DirectoryFacts::default()).unwrap();
        let t = target(&p, &before);
        assert_eq!(
            t.request.path,
            "v1/enterprises/E/policies/p?updateMask=workAccountSetupConfig"
        );
        assert_eq!(patch(&t), Some(p.patch.clone()));
        let after = policy(json!({"name": "enterprises/E/policies/p", "version": "3",
            "workAccountSetupConfig": {"authenticationType": "GOOGLE_AUTHENTICATED"}}));
        assert!(matches!(read_back(&t, Some(&after)), ReadBack::Applied(_)));
        assert!(matches!(
            read_back(&t, Some(&before)),
            ReadBack::NotApplied(_)
        ));
        let other = policy(json!({"name": "enterprises/E/policies/p", "version": "4",
            "workAccountSetupConfig": {"authenticationType": "AUTHENTICATION_TYPE_NOT_ENFORCED"}}));
        assert!(matches!(read_back(&t, Some(&other)), ReadBack::Unclear(_)));
        assert_eq!(read_back(&t, None), ReadBack::Gone);
    }
}
