//! Android Management API: the customer's existing enterprise, its policies with
//! `workAccountSetupConfig` / `policyEnforcementRules`, and devices moving from managed Google
//! Play accounts to managed Google accounts over sim time (`data::amapi`).
//!
//! `policies.patch` without `updateMask` replaces the whole policy, exactly the trap the real
//! API sets. The API quota (1,000 queries per 100 s per project) is enforced elsewhere.

mod policies;
mod render;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use super::auth::Caller;
use super::error::{ApiError, ApiResult};
use super::paging;
use super::params::Params;
use super::state::Shared;
use super::tenant::Tenant;

use super::data::amapi::{AmDevice, AwaitingReading, EnterpriseType, Phase};
pub use policies::{list_policies, patch_policy, policy};
pub use render::{dump, render_device};

/// Takes the tenant's write lock with the enterprise brought up to the sim clock's now.
pub(super) fn current(s: &Shared) -> (std::sync::RwLockWriteGuard<'_, Tenant>, i64) {
    let now = s.clock.now();
    let mut t = s.write();
    t.advance_amapi(now);
    (t, now)
}

pub(super) fn check_enterprise(t: &Tenant, e: &str) -> ApiResult<()> {
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
    Ok(Json(render::render_enterprise(&t)))
}

/// `POST v1/enterprises/{id}:generateEnterpriseUpgradeUrl`: the path segment carries the verb.
pub async fn enterprise_post(
    State(s): State<Arc<Shared>>,
    Path(segment): Path<String>,
    caller: Caller,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let Some(e) = segment.strip_suffix(":generateEnterpriseUpgradeUrl") else {
        return Err(ApiError::not_found("Not Found"));
    };
    caller.require_scope("androidmanagement.enterprises.generateEnterpriseUpgradeUrl")?;
    let req: Value = if body.is_empty() {
        json!({})
    } else {
        ApiError::parse_body(&body)?
    };
    if let Some(bad) = req.as_object().and_then(|m| {
        m.keys()
            .find(|k| !["adminEmail", "allowedDomains"].contains(&k.as_str()))
    }) {
        return Err(ApiError::invalid(format!(
            "Invalid JSON payload received. Unknown name \"{bad}\": Cannot find field."
        )));
    }
    let mut t = s.write();
    check_enterprise(&t, e)?;
    if t.amapi.enterprise_type == EnterpriseType::ManagedGoogleDomain {
        // Unverified wording; Google documents the method only for Play accounts enterprises.
        return Err(ApiError::failed_precondition(
            "The enterprise is already bound to a managed Google domain.",
        ));
    }
    let token = format!(
        "up{:x}",
        super::tenant::mix(t.seed ^ t.amapi.upgrade_tokens.len() as u64)
    );
    t.amapi.upgrade_tokens.push(token.clone());
    Ok(Json(json!({
        "url": format!("{}/_sim/enterprise-upgrade?token={token}", s.base_url)
    })))
}

/// What the admin does at the upgrade URL: the enterprise becomes a managed Google domain.
pub async fn complete_upgrade(State(s): State<Arc<Shared>>, p: Params) -> ApiResult<Json<Value>> {
    let (mut t, now) = current(&s);
    let token = p.get("token").unwrap_or_default().to_string();
    if !t.amapi.upgrade_tokens.contains(&token) {
        return Err(ApiError::not_found("Unknown or used upgrade link."));
    }
    t.amapi.upgrade_tokens.retain(|x| *x != token);
    t.amapi.enterprise_type = EnterpriseType::ManagedGoogleDomain;
    // Devices re-evaluate their policy as if it had just been written.
    let ids: Vec<String> = t.amapi.policies.keys().cloned().collect();
    for id in ids {
        t.amapi.policy_written.insert(id, now);
    }
    for d in &mut t.amapi.devices {
        d.applied_version = 0;
    }
    Ok(Json(render::render_enterprise(&t)))
}

pub async fn devices(
    State(s): State<Arc<Shared>>,
    Path(e): Path<String>,
    caller: Caller,
    p: Params,
) -> ApiResult<Json<Value>> {
    caller.require_scope("androidmanagement.enterprises.devices.list")?;
    let (t, now) = current(&s);
    check_enterprise(&t, &e)?;
    let size = page_size(&p, 10)?;
    let binding = format!("amapi-devices;{e}");
    let after = paging::cursor(p.get("pageToken"), &binding)?;
    let start = after.map_or(0, |a| t.amapi.devices.partition_point(|d| d.id <= a));
    let mut visible = t.amapi.devices[start..].iter().filter(|d| d.visible(now));
    let page: Vec<&AmDevice> = visible.by_ref().take(size).collect();
    let mut body = json!({});
    if !page.is_empty() {
        body["devices"] = page.iter().map(|d| render_device(&t, d, now)).collect();
    }
    if visible.next().is_some() {
        body["nextPageToken"] = json!(paging::encode(&binding, &page.last().expect("page").id));
    }
    Ok(Json(body))
}

/// `pageSize`: absent or 0 = `default`, capped at 100, negative = 400.
pub(super) fn page_size(p: &Params, default: usize) -> ApiResult<usize> {
    match p.get("pageSize").map(str::parse::<i64>) {
        None | Some(Ok(0)) => Ok(default),
        Some(Ok(n)) if n > 0 => Ok(n.min(100) as usize),
        _ => Err(ApiError::invalid("Request contains an invalid argument.")),
    }
}

pub async fn device(
    State(s): State<Arc<Shared>>,
    Path((e, id)): Path<(String, String)>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    caller.require_scope("androidmanagement.enterprises.devices.get")?;
    let (t, now) = current(&s);
    check_enterprise(&t, &e)?;
    let d = t
        .amapi
        .devices
        .iter()
        .find(|d| d.id == id && d.visible(now))
        .ok_or_else(|| ApiError::not_found("Requested entity was not found."))?;
    Ok(Json(render_device(&t, d, now)))
}
