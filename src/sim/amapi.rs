//! Android Management API: the customer's existing enterprise, its devices (some still on
//! managed Google Play accounts, some non-compliant with `USER_ACTION` reasons) and policies with
//! `workAccountSetupConfig` / `policyEnforcementRules`. `policies.patch` without `updateMask`
//! replaces the whole policy, exactly the trap the real API sets.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};

use super::auth::Caller;
use super::clock::rfc3339;
use super::error::{ApiError, ApiResult};
use super::paging;
use super::params::Params;
use super::state::Shared;
use super::tenant::{mix, DeviceKind, Tenant};

#[derive(Debug, Clone)]
pub struct AmDevice {
    pub id: String,
    pub user: u32,
    pub policy: String,
    /// Still signed in with a managed Google Play account (to be upgraded).
    pub play_account: bool,
    /// The user added an account outside the organisation.
    pub foreign_account: bool,
    pub enrolled: i64,
    pub model: &'static str,
}

#[derive(Debug, Clone, Default)]
pub struct Enterprise {
    pub name: String,
    pub devices: Vec<AmDevice>,
    /// Short policy id → Policy JSON (wire shape).
    pub policies: BTreeMap<String, Value>,
}

impl Enterprise {
    pub fn generate(rng: &mut ChaCha8Rng, t: &Tenant) -> Enterprise {
        let name = format!("enterprises/LC0{:08x}", rng.random::<u32>());
        let mut policies = BTreeMap::new();
        let base = |id: &str| {
            json!({"name": format!("{name}/policies/{id}"), "version": "1",
            "applications": [{"packageName": "com.google.android.gm", "installType": "FORCE_INSTALLED"}]})
        };
        policies.insert("default".to_string(), base("default"));
        let mut pilot = base("pilot");
        pilot["workAccountSetupConfig"] = json!({"authenticationType": "GOOGLE_AUTHENTICATED"});
        pilot["policyEnforcementRules"] = json!([{"settingName": "workAccountSetupConfig",
            "blockAction": {"blockAfterDays": 3, "blockScope": "BLOCK_SCOPE_DEVICE"},
            "wipeAction": {"wipeAfterDays": 30, "preserveFrp": true}}]);
        policies.insert("pilot".to_string(), pilot);
        // A misconfigured policy: the required account is outside the enterprise's domains.
        let mut staff = base("staff");
        staff["workAccountSetupConfig"] = json!({"authenticationType": "GOOGLE_AUTHENTICATED", "requiredAccountEmail": "it.helpdesk@gmail.com"});
        policies.insert("staff".to_string(), staff);
        let pilot_ou = t.ou_by_path("/Pilot");
        let staff_ou = t.ou_by_path("/Staff");
        let mut devices = Vec::new();
        for d in t.devices.iter().filter(|d| d.kind == DeviceKind::Android) {
            let Some(&user) = d.owners.first() else {
                continue;
            };
            let ou = t.users[user as usize].ou;
            let policy = if pilot_ou.is_some_and(|p| t.ou_within(ou, p)) {
                "pilot"
            } else if staff_ou.is_some_and(|p| t.ou_within(ou, p)) {
                "staff"
            } else {
                "default"
            };
            devices.push(AmDevice {
                id: format!("3{:015x}", mix(d.id ^ 0xa3a3) >> 4),
                user,
                policy: policy.into(),
                play_account: rng.random_bool(0.4),
                foreign_account: rng.random_bool(0.08),
                enrolled: d.first_sync.unwrap_or(t.epoch - 86_400),
                model: d.profile().model,
            });
        }
        devices.sort_by(|a, b| a.id.cmp(&b.id));
        Enterprise {
            name,
            devices,
            policies,
        }
    }
}

/// USER_ACTION non-compliance, derived from the device and its current policy.
fn non_compliance(t: &Tenant, d: &AmDevice) -> Vec<Value> {
    let policy = &t.amapi.policies[&d.policy];
    let required = policy["workAccountSetupConfig"]["requiredAccountEmail"].as_str();
    let mut out = Vec::new();
    let detail = |reason: &str| json!({"settingName": "workAccountSetupConfig", "nonComplianceReason": "USER_ACTION", "specificNonComplianceReason": reason});
    if required.is_some_and(|e| {
        !t.domains
            .iter()
            .any(|dom| e.to_ascii_lowercase().ends_with(&format!("@{dom}")))
    }) {
        out.push(detail("REQUIRED_ACCOUNT_NOT_IN_ENTERPRISE"));
    }
    if d.foreign_account {
        out.push(detail("NEW_ACCOUNT_NOT_IN_ENTERPRISE"));
    }
    out
}

pub fn render_device(t: &Tenant, d: &AmDevice, now: i64) -> Value {
    let e = &t.amapi.name;
    let policy = &t.amapi.policies[&d.policy];
    let nc = non_compliance(t, d);
    let u = &t.users[d.user as usize];
    let mut v = json!({
        "name": format!("{e}/devices/{}", d.id),
        "userName": format!("{e}/users/{}", u.id_string()),
        "managementMode": "PROFILE_OWNER",
        "state": "ACTIVE",
        "appliedState": "ACTIVE",
        "policyCompliant": nc.is_empty(),
        "enrollmentTime": rfc3339(d.enrolled),
        "lastStatusReportTime": rfc3339(now - (mix(d.enrolled as u64) % 86_400) as i64),
        "lastPolicySyncTime": rfc3339(now - (mix(d.enrolled as u64) % 3_600) as i64),
        "policyName": policy["name"],
        "appliedPolicyName": policy["name"],
        "appliedPolicyVersion": policy["version"],
        "apiLevel": 34,
        "ownership": "PERSONALLY_OWNED",
        "hardwareInfo": {"model": d.model, "serialNumber": format!("R5{}", &d.id[..9].to_uppercase())},
        "softwareInfo": {"androidVersion": "14", "securityPatchLevel": "2026-10-01"},
    });
    if !nc.is_empty() {
        v["nonComplianceDetails"] = json!(nc);
    }
    if d.play_account {
        v["user"] = json!({"accountIdentifier": format!("mgp-{}", u.id_string())});
    }
    v
}

pub fn dump(t: &Tenant) -> Value {
    json!({
        "enterprise": t.amapi.name,
        "policies": t.amapi.policies,
        "devices": t.amapi.devices.iter().map(|d| json!({
            "id": d.id, "user": t.users[d.user as usize].email, "policy": d.policy,
            "managedGooglePlayAccount": d.play_account, "foreignAccount": d.foreign_account,
        })).collect::<Vec<_>>(),
    })
}

fn check_enterprise(t: &Tenant, e: &str) -> ApiResult<()> {
    if t.amapi.name == format!("enterprises/{e}") {
        Ok(())
    } else {
        Err(ApiError::permission_denied(
            "Caller is not authorized to manage enterprise.",
        ))
    }
}

pub async fn enterprise(
    State(s): State<Arc<Shared>>,
    Path(e): Path<String>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    caller.require_scope("androidmanagement.enterprises.get")?;
    let t = s.read();
    check_enterprise(&t, &e)?;
    Ok(Json(json!({
        "name": t.amapi.name,
        "enterpriseDisplayName": t.primary_domain(),
        "enterpriseType": "MANAGED_GOOGLE_DOMAIN",
        "managedGoogleDomainType": "TYPE_DOMAIN",
        "primaryColor": 1_668_818,
        "enabledNotificationTypes": ["STATUS_REPORT"],
    })))
}

pub async fn devices(
    State(s): State<Arc<Shared>>,
    Path(e): Path<String>,
    caller: Caller,
    p: Params,
) -> ApiResult<Json<Value>> {
    caller.require_scope("androidmanagement.enterprises.devices.list")?;
    let now = s.clock.now();
    let t = s.read();
    check_enterprise(&t, &e)?;
    let size = match p.get("pageSize").map(str::parse::<i64>) {
        None | Some(Ok(0)) => 10,
        Some(Ok(n)) if n > 0 => n.min(100) as usize,
        _ => return Err(ApiError::invalid("Request contains an invalid argument.")),
    };
    let binding = format!("amapi-devices;{e}");
    let after = paging::cursor(p.get("pageToken"), &binding)?;
    let start = after.map_or(0, |a| t.amapi.devices.partition_point(|d| d.id <= a));
    let page: Vec<&AmDevice> = t.amapi.devices[start..].iter().take(size).collect();
    let mut body = json!({});
    if !page.is_empty() {
        body["devices"] = page.iter().map(|d| render_device(&t, d, now)).collect();
    }
    if start + page.len() < t.amapi.devices.len() {
        body["nextPageToken"] = json!(paging::encode(&binding, &page.last().expect("page").id));
    }
    Ok(Json(body))
}

pub async fn device(
    State(s): State<Arc<Shared>>,
    Path((e, id)): Path<(String, String)>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    caller.require_scope("androidmanagement.enterprises.devices.get")?;
    let t = s.read();
    check_enterprise(&t, &e)?;
    let d = t
        .amapi
        .devices
        .iter()
        .find(|d| d.id == id)
        .ok_or_else(|| ApiError::not_found("Requested entity was not found."))?;
    Ok(Json(render_device(&t, d, s.clock.now())))
}

pub async fn policy(
    State(s): State<Arc<Shared>>,
    Path((e, id)): Path<(String, String)>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    caller.require_scope("androidmanagement.enterprises.policies.get")?;
    let t = s.read();
    check_enterprise(&t, &e)?;
    t.amapi
        .policies
        .get(&id)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("Requested entity was not found."))
}

fn camel(field: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in field.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.push(c.to_ascii_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn validate(body: &Map<String, Value>) -> ApiResult<()> {
    let known = super::discovery::schema("androidmanagement", "v1", "Policy")
        .and_then(|s| s["properties"].as_object());
    if let Some(bad) = known.and_then(|known| body.keys().find(|k| !known.contains_key(*k))) {
        return Err(ApiError::invalid(format!(
            "Invalid JSON payload received. Unknown name \"{bad}\" at 'policy': Cannot find field."
        )));
    }
    for rule in body
        .get("policyEnforcementRules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let block = rule["blockAction"]["blockAfterDays"].as_i64();
        let wipe = rule["wipeAction"]["wipeAfterDays"].as_i64();
        match (block, wipe) {
            (Some(b), Some(w)) if b < w => {}
            (Some(_), Some(_)) => {
                return Err(ApiError::invalid(
                    "Policy enforcement rule: wipeAfterDays must be greater than blockAfterDays.",
                ))
            }
            _ => {
                return Err(ApiError::invalid(
                    "Policy enforcement rule must have both blockAction and wipeAction.",
                ))
            }
        }
    }
    Ok(())
}

pub async fn patch_policy(
    State(s): State<Arc<Shared>>,
    Path((e, id)): Path<(String, String)>,
    caller: Caller,
    p: Params,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require_scope("androidmanagement.enterprises.policies.patch")?;
    let body: Value = ApiError::parse_body(&body)?;
    let body = body
        .as_object()
        .cloned()
        .ok_or_else(|| ApiError::invalid("Invalid JSON payload received."))?;
    validate(&body)?;
    let mut t = s.write();
    check_enterprise(&t, &e)?;
    let name = format!("{}/policies/{id}", t.amapi.name);
    let old = t.amapi.policies.get(&id).cloned();
    let version = old
        .as_ref()
        .and_then(|o| o["version"].as_str()?.parse::<i64>().ok())
        .unwrap_or(0)
        + 1;
    let mut next = match (p.text("updateMask"), old) {
        (Some(mask), Some(mut old)) => {
            for field in mask.split(',').map(|f| camel(f.trim())) {
                match body.get(&field) {
                    Some(v) => old[&field] = v.clone(),
                    None => {
                        old.as_object_mut().expect("policy object").remove(&field);
                    }
                }
            }
            old
        }
        // No mask (or a new policy): the body replaces every field.
        _ => Value::Object(body),
    };
    next["name"] = json!(name);
    next["version"] = json!(version.to_string());
    t.amapi.policies.insert(id, next.clone());
    Ok(Json(next))
}
