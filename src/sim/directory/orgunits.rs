//! `customer/{customerId}/orgunits` list (`type` = all | children | allIncludingParent, under
//! `orgUnitPath`) and get. The root OU is never listed by itself, as with Google.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use super::super::auth::Caller;
use super::super::error::{ApiError, ApiResult};
use super::super::params::Params;
use super::super::state::Shared;
use super::super::tenant::{OrgUnit, Tenant};
use super::{check_customer, etag};

pub fn render(t: &Tenant, o: &OrgUnit) -> Value {
    let mut v = json!({
        "kind": "admin#directory#orgUnit",
        "etag": etag(t.seed, &o.path),
        "name": if o.path == "/" { t.primary_domain() } else { o.name() },
        "description": o.description,
        "orgUnitPath": o.path,
        "orgUnitId": format!("id:{}", o.id),
        "blockInheritance": false,
    });
    if let Some(p) = o.parent {
        v["parentOrgUnitPath"] = json!(t.org_units[p].path);
        v["parentOrgUnitId"] = json!(format!("id:{}", t.org_units[p].id));
    }
    v
}

fn resolve(t: &Tenant, path_or_id: &str) -> ApiResult<usize> {
    let key = path_or_id.trim();
    let found = if key.starts_with("id:") {
        t.ou_by_id(key)
    } else if key.is_empty() || key.starts_with('/') {
        t.ou_by_path(key)
    } else {
        t.ou_by_path(&format!("/{key}"))
    };
    found.ok_or_else(|| ApiError::not_found("Org unit not found"))
}

pub async fn list(
    State(s): State<Arc<Shared>>,
    Path(customer): Path<String>,
    caller: Caller,
    p: Params,
) -> ApiResult<Json<Value>> {
    let t = s.read();
    caller.admin_call("directory.orgunits.list", &t)?;
    check_customer(&t, &customer)?;
    let kind = p
        .one_of("type", &["all", "children", "allIncludingParent"])?
        .unwrap_or("children");
    let base = resolve(&t, p.get("orgUnitPath").unwrap_or_default())?;
    let units: Vec<Value> = t
        .org_units
        .iter()
        .enumerate()
        .filter(|(i, o)| match kind {
            "children" => o.parent == Some(base),
            "all" => *i != base && t.ou_within(*i, base),
            _ => t.ou_within(*i, base) && !(o.parent.is_none() && *i == base),
        })
        .map(|(_, o)| render(&t, o))
        .collect();
    let mut body = json!({"kind": "admin#directory#orgUnits", "etag": etag(t.seed, "orgunits")});
    if !units.is_empty() {
        body["organizationUnits"] = json!(units);
    }
    Ok(Json(body))
}

pub async fn get(
    State(s): State<Arc<Shared>>,
    Path((customer, path)): Path<(String, String)>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    let t = s.read();
    caller.admin_call("directory.orgunits.get", &t)?;
    check_customer(&t, &customer)?;
    let i = resolve(&t, &path)?;
    Ok(Json(render(&t, &t.org_units[i])))
}
