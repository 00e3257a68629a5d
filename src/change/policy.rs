//! Cloud Identity policy writes (`policies.create`, `patch`, `delete`) as a kind of change:
//! one target per write, the exact request, and the read-back after a crash. The migration
//! plans the write (`migration::PolicyChange`); this file turns it into a target the engine
//! journals and sends, with the migration facts (OU, step, before/after, reason) that go
//! into the journal's migration rows.
//!
//! Reads may lag a write (Google: up to the propagation window), so a read-back that still
//! shows the earlier value inside that window says "unknown, read again later", never "not
//! applied": a write that did land must never be sent a second time.
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::device::ReadBack;
use super::plan::{Request, Target};
use crate::google::policy::CiPolicy;
use crate::migration::{ImapValue, PolicyChange, PolicyMethod};

/// GAM has no command for Cloud Identity policy writes; say so rather than invent one.
pub const GAM: &str = "(no GAM equivalent; read with: gam print policies)";

/// What a policy write means to the migration, journaled with each request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepContext {
    /// The migration step, as spelled in the CLI (`imap`).
    pub step: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// How long after the plan a policy read may still show the earlier value (seconds).
    pub read_lag_secs: i64,
    /// The write undoes the step (restores the earlier value or deletes offsync's policy).
    #[serde(default)]
    pub undo: bool,
}

/// What Google answered to an accepted write: the long-running operation's name (Discovery
/// has no method to poll it) and, for a create, the new policy's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    pub operation: String,
    pub created: Option<String>,
}

/// The call a target's request stands for.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    Create {
        org_unit_id: String,
        setting_type: String,
        value: Value,
    },
    Patch {
        policy: String,
        setting_type: String,
        value: Value,
    },
    Delete {
        policy: String,
    },
}

/// The value set explicitly at the change's own OU (an inherited one is not this OU's).
fn explicit_before(c: &PolicyChange) -> Value {
    match &c.before {
        crate::migration::Effective::Explicit { setting } => setting.value.clone(),
        _ => Value::Null,
    }
}

/// The one target of a policy write; `before` holds the OU's explicit value (or null).
pub fn target(c: &PolicyChange, customer_id: &str) -> Target {
    let (resource_id, request) = match (&c.method, &c.after) {
        (PolicyMethod::Create { org_unit_id }, after) => {
            let id = org_unit_id.strip_prefix("id:").unwrap_or(org_unit_id);
            (
                format!("orgUnits/{id}/{}", c.setting_type),
                Request {
                    method: "POST".into(),
                    path: "v1/policies".into(),
                    body: Some(json!({
                        "customer": format!("customers/{customer_id}"),
                        "policyQuery": {"orgUnit": format!("orgUnits/{id}")},
                        "setting": {"type": c.setting_type, "value": after.clone().unwrap_or(Value::Null)},
                    })),
                },
            )
        }
        (PolicyMethod::Patch { policy }, after) => (
            policy.clone(),
            Request {
                method: "PATCH".into(),
                path: format!("v1/{policy}"),
                body: Some(json!({
                    "name": policy,
                    "setting": {"type": c.setting_type, "value": after.clone().unwrap_or(Value::Null)},
                })),
            },
        ),
        (PolicyMethod::Delete { policy }, _) => (
            policy.clone(),
            Request {
                method: "DELETE".into(),
                path: format!("v1/{policy}"),
                body: None,
            },
        ),
    };
    Target {
        resource_id,
        owner: None,
        org_unit: Some(c.ou.clone()),
        before: explicit_before(c).to_string(),
        about: format!("{} at {} ({})", c.setting_type, c.ou, c.step),
        request,
        gam: GAM.into(),
    }
}

/// The call a target's request stands for, read back from the request itself (so a saved
/// or resumed plan sends exactly what was shown).
pub fn call(t: &Target) -> Option<Call> {
    let body = t.request.body.as_ref();
    let setting = |b: &Value| -> Option<(String, Value)> {
        Some((
            b["setting"]["type"].as_str()?.to_string(),
            b["setting"]["value"].clone(),
        ))
    };
    match t.request.method.as_str() {
        "POST" => {
            let b = body?;
            let ou = b["policyQuery"]["orgUnit"].as_str()?;
            let (setting_type, value) = setting(b)?;
            Some(Call::Create {
                org_unit_id: ou.strip_prefix("orgUnits/")?.to_string(),
                setting_type,
                value,
            })
        }
        "PATCH" => {
            let b = body?;
            let (setting_type, value) = setting(b)?;
            Some(Call::Patch {
                policy: b["name"].as_str()?.to_string(),
                setting_type,
                value,
            })
        }
        "DELETE" => Some(Call::Delete {
            policy: t.request.path.strip_prefix("v1/")?.to_string(),
        }),
        _ => None,
    }
}

/// The journal's `action` for a target: `policy.create`, `policy.patch` or `policy.delete`.
pub fn action(t: &Target) -> &'static str {
    match t.request.method.as_str() {
        "POST" => "policy.create",
        "PATCH" => "policy.patch",
        _ => "policy.delete",
    }
}

/// The value the write sets (`None`: deleted, the OU inherits again).
pub fn after(t: &Target) -> Option<Value> {
    match call(t)? {
        Call::Create { value, .. } | Call::Patch { value, .. } => Some(value),
        Call::Delete { .. } => None,
    }
}

/// Google's answer for a setting the Policy API does not mutate (400 FAILED_PRECONDITION /
/// "not supported"), as opposed to a transient or permission failure.
pub fn is_not_mutable(e: &crate::google::Error) -> bool {
    (e.status() == Some(400) && e.reason() == Some("failedPrecondition"))
        || e.to_string().contains("not supported for mutation")
}

/// Whether two setting values are the same for the migration (IMAP values compare decoded,
/// so a restriction written in one shape reads back equal in another).
fn same(a: &Value, b: &Value) -> bool {
    if a.get("enableImapAccess").is_some() || b.get("enableImapAccess").is_some() {
        let (a, b) = (ImapValue::decode(a), ImapValue::decode(b));
        a.enabled.is_some() && a == b
    } else {
        a == b
    }
}

/// Compares the policy as Google shows it now (`None`: no policy for the setting at the OU,
/// or the named policy is gone) with the target. `settled`: the read lag has passed, so a
/// read showing the earlier value means the write did not land.
pub fn read_back(t: &Target, now: Option<&CiPolicy>, settled: bool) -> ReadBack {
    let Some(call) = call(t) else {
        return ReadBack::Unclear("the plan's request is not a policy write".into());
    };
    let before: Value = serde_json::from_str(&t.before).unwrap_or(Value::Null);
    let shown = now.map(|p| &p.setting.value);
    let wanted = after(t);
    let is_wanted = match (&wanted, shown) {
        (None, None) => true,
        (Some(w), Some(s)) => same(w, s),
        _ => false,
    };
    let is_before = match (before.is_null(), shown) {
        (true, None) => true,
        (false, Some(s)) => same(&before, s),
        _ => false,
    };
    let what = match &call {
        Call::Create { .. } => "the created policy",
        Call::Patch { .. } => "the patched value",
        Call::Delete { .. } => "the deletion",
    };
    if is_wanted {
        let name = now.map(|p| p.name.clone()).unwrap_or_default();
        return ReadBack::Applied(format!("a policy read shows {what} {name}").trim().into());
    }
    if is_before && settled {
        return ReadBack::NotApplied(format!(
            "a policy read after the read lag still shows the earlier value, not {what}"
        ));
    }
    if is_before {
        return ReadBack::Unclear(
            "a policy read still shows the earlier value, but reads may lag a write: read again later (`offsync status` does)".into(),
        );
    }
    ReadBack::Unclear(format!(
        "the policy shows {} now, neither the earlier nor the planned value: changed by someone else?",
        shown.map(Value::to_string).unwrap_or_else(|| "nothing".into())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::google::policy::Setting;
    use crate::migration::inherit::ExplicitSetting;
    use crate::migration::plan::Reach;
    use crate::migration::{Effective, StepId};

    fn change(method: PolicyMethod, before: Option<Value>, after: Option<Value>) -> PolicyChange {
        PolicyChange {
            step: StepId::Imap,
            ou: "/Pilot".into(),
            setting_type: "settings/gmail.imap_access".into(),
            method,
            before: match before {
                Some(v) => Effective::Explicit {
                    setting: ExplicitSetting {
                        policy: "policies/P1".into(),
                        ou: "/Pilot".into(),
                        value: v,
                    },
                },
                None => Effective::InheritedOrUnknown,
            },
            after,
            reach: Reach::default(),
        }
    }

    fn policy(name: &str, v: Value) -> CiPolicy {
        CiPolicy {
            name: name.into(),
            setting: Setting {
                setting_type: "settings/gmail.imap_access".into(),
                value: v,
            },
            ..CiPolicy::default()
        }
    }

    #[test]
    fn a_create_carries_the_exact_request_and_reads_back_with_the_lag_in_mind() {
        let on = json!({"enableImapAccess": true});
        let c = change(
            PolicyMethod::Create {
                org_unit_id: "id:03ph8a2z1".into(),
            },
            None,
            Some(on.clone()),
        );
        let t = target(&c, "C0001");
        assert_eq!(t.request.line(), "POST v1/policies");
        assert_eq!(action(&t), "policy.create");
        assert_eq!(
            call(&t),
            Some(Call::Create {
                org_unit_id: "03ph8a2z1".into(),
                setting_type: "settings/gmail.imap_access".into(),
                value: on.clone()
            })
        );
        assert_eq!(t.before, "null");
        let p = policy("policies/new", on);
        assert!(
            matches!(read_back(&t, Some(&p), false), ReadBack::Applied(w) if w.contains("policies/new"))
        );
        // Nothing there yet: inside the read lag that says nothing; after it, not applied.
        assert!(matches!(read_back(&t, None, false), ReadBack::Unclear(_)));
        assert!(matches!(read_back(&t, None, true), ReadBack::NotApplied(_)));
        let other = policy("policies/x", json!({"enableImapAccess": false}));
        assert!(
            matches!(read_back(&t, Some(&other), true), ReadBack::Unclear(w) if w.contains("someone else"))
        );
    }

    #[test]
    fn a_patch_and_a_delete_read_back_three_ways() {
        let (off, on) = (
            json!({"enableImapAccess": false}),
            json!({"enableImapAccess": true}),
        );
        let patch = target(
            &change(
                PolicyMethod::Patch {
                    policy: "policies/P1".into(),
                },
                Some(off.clone()),
                Some(on.clone()),
            ),
            "C",
        );
        assert_eq!(patch.request.line(), "PATCH v1/policies/P1");
        assert_eq!(patch.request.body.as_ref().unwrap()["name"], "policies/P1");
        assert!(matches!(
            read_back(&patch, Some(&policy("policies/P1", on.clone())), false),
            ReadBack::Applied(_)
        ));
        assert!(matches!(
            read_back(&patch, Some(&policy("policies/P1", off.clone())), true),
            ReadBack::NotApplied(_)
        ));
        let delete = target(
            &change(
                PolicyMethod::Delete {
                    policy: "policies/P1".into(),
                },
                Some(on.clone()),
                None,
            ),
            "C",
        );
        assert_eq!(delete.request.line(), "DELETE v1/policies/P1");
        assert_eq!(action(&delete), "policy.delete");
        assert_eq!(after(&delete), None);
        assert!(matches!(
            read_back(&delete, None, false),
            ReadBack::Applied(_)
        ));
        assert!(matches!(
            read_back(&delete, Some(&policy("policies/P1", on)), false),
            ReadBack::Unclear(_)
        ));
    }
}
