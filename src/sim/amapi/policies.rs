//! `enterprises.policies` get, list and patch. A patch brings devices up to now first, so the
//! old policy governs everything before the write and the new one everything after.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Map, Value};

use super::super::auth::Caller;
use super::super::error::{ApiError, ApiResult};
use super::super::paging;
use super::super::params::Params;
use super::super::state::Shared;
use super::{check_enterprise, current, page_size};

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

pub async fn list_policies(
    State(s): State<Arc<Shared>>,
    Path(e): Path<String>,
    caller: Caller,
    p: Params,
) -> ApiResult<Json<Value>> {
    caller.require_scope("androidmanagement.enterprises.policies.list")?;
    let t = s.read();
    check_enterprise(&t, &e)?;
    let size = page_size(&p, 10)?;
    let binding = format!("amapi-policies;{e}");
    let after = paging::cursor(p.get("pageToken"), &binding)?;
    let mut rest = t
        .amapi
        .policies
        .iter()
        .filter(|(id, _)| after.as_ref().is_none_or(|a| id.as_str() > a.as_str()));
    let page: Vec<(&String, &Value)> = rest.by_ref().take(size).collect();
    let mut body = json!({});
    if !page.is_empty() {
        body["policies"] = page.iter().map(|(_, p)| (*p).clone()).collect();
    }
    if rest.next().is_some() {
        body["nextPageToken"] = json!(paging::encode(&binding, page.last().expect("page").0));
    }
    Ok(Json(body))
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

fn known_fields() -> Option<&'static Map<String, Value>> {
    super::super::discovery::schema("androidmanagement", "v1", "Policy")
        .and_then(|s| s["properties"].as_object())
}

fn validate(body: &Map<String, Value>) -> ApiResult<()> {
    if let Some(bad) =
        known_fields().and_then(|known| body.keys().find(|k| !known.contains_key(*k)))
    {
        return Err(ApiError::invalid(format!(
            "Invalid JSON payload received. Unknown name \"{bad}\" at 'policy': Cannot find field."
        )));
    }
    let auth = &body.get("workAccountSetupConfig").unwrap_or(&Value::Null)["authenticationType"];
    if let Some(a) = auth.as_str() {
        if ![
            "AUTHENTICATION_TYPE_UNSPECIFIED",
            "AUTHENTICATION_TYPE_NOT_ENFORCED",
            "GOOGLE_AUTHENTICATED",
        ]
        .contains(&a)
        {
            return Err(ApiError::invalid(format!(
                "Invalid value at 'policy.work_account_setup_config.authentication_type' (type.googleapis.com/google.android.devicemanagement.v1.WorkAccountSetupConfig.AuthenticationType), \"{a}\""
            )));
        }
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
    let mask: Option<Vec<String>> = p
        .text("updateMask")
        .map(|m| m.split(',').map(|f| camel(f.trim())).collect());
    if let (Some(mask), Some(known)) = (&mask, known_fields()) {
        if let Some(bad) = mask.iter().find(|f| !known.contains_key(f.as_str())) {
            return Err(ApiError::invalid(format!(
                "Invalid update mask: field \"{bad}\" does not exist in Policy."
            )));
        }
    }
    let (mut t, now) = current(&s);
    check_enterprise(&t, &e)?;
    let name = format!("{}/policies/{id}", t.amapi.name);
    let old = t.amapi.policies.get(&id).cloned();
    let version = t.amapi.policy_version(&id) + 1;
    let mut next = match (mask, old) {
        (Some(mask), Some(mut old)) => {
            for field in mask {
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
    t.amapi.policies.insert(id.clone(), next.clone());
    t.amapi.policy_written.insert(id, now);
    Ok(Json(next))
}
