//! Cloud Identity Policy API (`v1/policies`). Google returns only settings *explicitly set* on an
//! OU, so most OUs have no policy at all (inherited: unknown). `api_controls.*` settings are
//! read-only through the API; whether `gmail.imap_access` is writable is unverified upstream, so
//! it is a `SimConfig` switch. Writes return already-finished long-running `Operation`s.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use super::auth::Caller;
use super::data::policy::{CiPolicy, ImapRestrictionShape, PolicyReadback};
use super::data::reports::AuditEvent;
use super::error::{ApiError, ApiResult};
use super::paging;
use super::params::Params;
use super::state::Shared;
use super::tenant::{mix, Tenant};
use super::tenant_data::IMAP_SETTING;

impl CiPolicy {
    /// The value the API shows at `now`, by [`PolicyReadback`].
    fn shown(&self, s: &Shared, now: i64) -> Option<Value> {
        let prop = s.cfg.propagation.as_secs() as i64;
        match s.cfg.policy_readback {
            PolicyReadback::Immediate => Some(self.value.clone()),
            PolicyReadback::AfterPropagation => self.effect(now, prop).cloned(),
        }
    }
}

pub fn render(t: &Tenant, p: &CiPolicy) -> Value {
    render_value(t, p, &p.value)
}

fn render_value(t: &Tenant, p: &CiPolicy, value: &Value) -> Value {
    let ou = &t.org_units[p.ou].id;
    json!({
        "name": format!("policies/{}", p.id),
        "customer": format!("customers/{}", t.customer_id),
        "policyQuery": {
            "orgUnit": format!("orgUnits/{ou}"),
            "query": format!("entity.org_units.exists(org_unit, org_unit.org_unit_id == orgUnitId('{ou}'))"),
        },
        "setting": {"type": p.setting_type, "value": value},
        "type": "ADMIN",
    })
}

fn bad_filter() -> ApiError {
    ApiError::invalid("Request contains an invalid argument.")
}

/// `setting.type.matches('…')`: an RE2 search; `.*` and escaped dots cover real usage.
fn re_matches(pattern: &str, text: &str) -> bool {
    let pattern = pattern.replace("\\.", ".");
    let mut rest = text;
    for piece in pattern.split(".*") {
        match rest.find(piece) {
            Some(i) => rest = &rest[i + piece.len()..],
            None => return false,
        }
    }
    true
}

fn filter_ok(t: &Tenant, filter: &str, p: &CiPolicy) -> ApiResult<bool> {
    let mut ok = true;
    for clause in filter.split("&&").map(str::trim).filter(|c| !c.is_empty()) {
        let unq = |v: &str| v.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
        if let Some(v) = clause.strip_prefix("customer") {
            let v = unq(v.trim_start().strip_prefix("==").ok_or_else(bad_filter)?);
            let id = v.strip_prefix("customers/").ok_or_else(bad_filter)?;
            ok &= t.is_customer(id);
        } else if let Some(v) = clause.strip_prefix("setting.type.matches(") {
            ok &= re_matches(
                &unq(v.strip_suffix(')').ok_or_else(bad_filter)?),
                &p.setting_type,
            );
        } else if let Some(v) = clause.strip_prefix("setting.type") {
            let v = unq(v.trim_start().strip_prefix("==").ok_or_else(bad_filter)?);
            ok &= p.setting_type == v;
        } else {
            return Err(bad_filter());
        }
    }
    Ok(ok)
}

pub async fn list(
    State(s): State<Arc<Shared>>,
    caller: Caller,
    p: Params,
) -> ApiResult<Json<Value>> {
    let t = s.read();
    caller.require_scope("cloudidentity.policies.list")?;
    caller.require_super_admin(&t)?;
    let size = match p.get("pageSize").map(str::parse::<i64>) {
        None | Some(Ok(0)) => 50,
        Some(Ok(n)) if n > 0 => n.min(100) as usize,
        _ => return Err(ApiError::invalid("Request contains an invalid argument.")),
    };
    let filter = p.get("filter").unwrap_or_default();
    let binding = format!("policies;{filter}");
    let after = paging::cursor(p.get("pageToken"), &binding)?;
    let now = s.clock.now();
    let mut hits = Vec::new();
    for pol in &t.policies {
        if after.as_ref().is_none_or(|a| pol.id > *a) && filter_ok(&t, filter, pol)? {
            if let Some(v) = pol.shown(&s, now) {
                hits.push((pol, v));
            }
        }
    }
    let more = hits.len() > size;
    hits.truncate(size);
    let mut body =
        json!({"policies": hits.iter().map(|(p, v)| render_value(&t, p, v)).collect::<Vec<_>>()});
    if more {
        body["nextPageToken"] = json!(paging::encode(&binding, &hits.last().expect("page").0.id));
    }
    Ok(Json(body))
}

fn find(t: &Tenant, id: &str) -> ApiResult<usize> {
    t.policies
        .iter()
        .position(|p| p.id == id)
        .ok_or_else(|| ApiError::not_found("Requested entity was not found."))
}

pub async fn get(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    let t = s.read();
    caller.require_scope("cloudidentity.policies.get")?;
    caller.require_super_admin(&t)?;
    let i = find(&t, &id)?;
    let p = &t.policies[i];
    let v = p
        .shown(&s, s.clock.now())
        .ok_or_else(|| ApiError::not_found("Requested entity was not found."))?;
    Ok(Json(render_value(&t, p, &v)))
}

fn check_mutable(s: &Shared, setting_type: &str, value: &Value) -> ApiResult<()> {
    let mutable = setting_type == IMAP_SETTING && s.cfg.imap_policy_mutable;
    if !mutable {
        return Err(ApiError::failed_precondition(format!(
            "Setting type {setting_type} is not supported for mutation through the Policy API."
        )));
    }
    if !value["enableImapAccess"].is_boolean() {
        return Err(ApiError::invalid("Request contains an invalid argument."));
    }
    check_shape(s.cfg.imap_restriction_shape, value)
}

/// Refuses fields the configured shape does not have, the way Google refuses unknown names.
fn check_shape(shape: ImapRestrictionShape, value: &Value) -> ApiResult<()> {
    let allowed: &[&str] = match shape {
        ImapRestrictionShape::None => &["enableImapAccess"],
        ImapRestrictionShape::Flat => &[
            "enableImapAccess",
            "restrictToAllowedClients",
            "allowedClientIds",
        ],
        ImapRestrictionShape::Nested => &["enableImapAccess", "imapAccessRestriction"],
    };
    let obj = value
        .as_object()
        .ok_or_else(|| ApiError::invalid("Request contains an invalid argument."))?;
    if let Some(bad) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(ApiError::invalid(format!(
            "Invalid JSON payload received. Unknown name \"{bad}\" at 'policy.setting.value': Cannot find field."
        )));
    }
    let ok = match shape {
        ImapRestrictionShape::None => true,
        ImapRestrictionShape::Flat => {
            obj.get("restrictToAllowedClients")
                .is_none_or(Value::is_boolean)
                && obj.get("allowedClientIds").is_none_or(|a| {
                    a.as_array()
                        .is_some_and(|xs| xs.iter().all(Value::is_string))
                })
        }
        ImapRestrictionShape::Nested => obj.get("imapAccessRestriction").is_none_or(|r| {
            r["allowedClients"]
                .as_array()
                .is_some_and(|xs| xs.iter().all(|x| x["clientId"].is_string()))
        }),
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid("Request contains an invalid argument."))
    }
}

fn operation(t: &Tenant, response: Value) -> Json<Value> {
    Json(json!({
        "name": format!("operations/sim{:016x}", mix(t.seed ^ super::paging::fnv(&response.to_string()))),
        "done": true,
        "response": response,
    }))
}

fn policy_response(t: &Tenant, p: &CiPolicy) -> Value {
    let mut v = render(t, p);
    v["@type"] = json!("type.googleapis.com/google.apps.cloudidentity.policies.v1.Policy");
    v
}

fn audit(s: &Shared, t: &mut Tenant, caller: &Caller, ou: usize, old: &Value, new: &Value) {
    let time = s.clock.now();
    let path = t.org_units[ou].path.clone();
    t.audit.push(AuditEvent {
        time,
        actor: caller.subject.unwrap_or(t.super_admin),
        setting: "IMAP_ACCESS".into(),
        ou_path: path,
        old: old["enableImapAccess"].to_string(),
        new: new["enableImapAccess"].to_string(),
    });
}

/// The Admin console's "Enable IMAP access for all users" at an OU (Gmail, End user access,
/// POP and IMAP access): the console writes the OU's policy whether or not the API may, and
/// the audit log records it as `IMAP_ACCESS`, the one setting event name the product's sources
/// document. Returns the value now set.
pub fn console_imap(s: &Shared, t: &mut Tenant, ou: usize, enabled: bool) -> Value {
    let now = s.clock.now();
    let prop = s.cfg.propagation.as_secs() as i64;
    let value = json!({ "enableImapAccess": enabled });
    let at = t
        .policies
        .iter()
        .position(|p| p.ou == ou && p.setting_type == IMAP_SETTING);
    let old = at.map(|i| t.policies[i].value.clone()).unwrap_or(json!({}));
    let actor = t.super_admin;
    t.audit.push(AuditEvent {
        time: now,
        actor,
        setting: "IMAP_ACCESS".into(),
        ou_path: t.org_units[ou].path.clone(),
        old: old["enableImapAccess"].to_string(),
        new: value["enableImapAccess"].to_string(),
    });
    match at {
        Some(i) => {
            let p = &mut t.policies[i];
            p.prior = p.effect(now, prop).cloned();
            p.value = value.clone();
            p.written_at = Some(now);
        }
        None => {
            let id = format!(
                "ahv4hg7q{:016x}",
                mix(now as u64 ^ t.policies.len() as u64 ^ 0xc0)
            );
            t.policies.push(CiPolicy {
                id,
                ou,
                setting_type: IMAP_SETTING.into(),
                value: value.clone(),
                written_at: Some(now),
                prior: None,
            });
            t.policies.sort_by(|a, b| a.id.cmp(&b.id));
        }
    }
    t.console.active = true;
    value
}

pub async fn create(
    State(s): State<Arc<Shared>>,
    caller: Caller,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body: Value = ApiError::parse_body(&body)?;
    let mut t = s.write();
    caller.require_scope("cloudidentity.policies.create")?;
    caller.require_super_admin(&t)?;
    let setting_type = body["setting"]["type"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let value = body["setting"]["value"].clone();
    check_mutable(&s, &setting_type, &value)?;
    let ou_ref = body["policyQuery"]["orgUnit"].as_str().unwrap_or_default();
    let ou = ou_ref
        .strip_prefix("orgUnits/")
        .and_then(|id| t.ou_by_id(id))
        .ok_or_else(|| ApiError::invalid("Request contains an invalid argument."))?;
    if t.policies
        .iter()
        .any(|p| p.ou == ou && p.setting_type == setting_type)
    {
        return Err(ApiError::new(
            409,
            "ALREADY_EXISTS",
            "alreadyExists",
            "Requested entity already exists",
        ));
    }
    let id = format!(
        "ahv4hg7q{:016x}",
        mix(s.clock.now() as u64 ^ t.policies.len() as u64)
    );
    let policy = CiPolicy {
        id,
        ou,
        setting_type,
        value: value.clone(),
        written_at: Some(s.clock.now()),
        prior: None,
    };
    t.console.active = true;
    audit(&s, &mut t, &caller, ou, &json!({}), &value);
    let response = policy_response(&t, &policy);
    t.policies.push(policy);
    t.policies.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(operation(&t, response))
}

/// PATCH without an update mask: the body's setting replaces the stored one.
pub async fn patch(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    caller: Caller,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body: Value = ApiError::parse_body(&body)?;
    let mut t = s.write();
    caller.require_scope("cloudidentity.policies.patch")?;
    caller.require_super_admin(&t)?;
    let i = find(&t, &id)?;
    let setting_type = t.policies[i].setting_type.clone();
    let value = body["setting"]["value"].clone();
    check_mutable(&s, &setting_type, &value)?;
    let (ou, old) = (t.policies[i].ou, t.policies[i].value.clone());
    audit(&s, &mut t, &caller, ou, &old, &value);
    let now = s.clock.now();
    let prop = s.cfg.propagation.as_secs() as i64;
    let p = &mut t.policies[i];
    // A write during propagation: users still have what they had before the first one.
    p.prior = p.effect(now, prop).cloned();
    p.value = value;
    p.written_at = Some(now);
    t.console.active = true;
    let response = policy_response(&t, &t.policies[i]);
    Ok(operation(&t, response))
}

pub async fn delete(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    let mut t = s.write();
    caller.require_scope("cloudidentity.policies.delete")?;
    caller.require_super_admin(&t)?;
    let i = find(&t, &id)?;
    let setting_type = t.policies[i].setting_type.clone();
    check_mutable(&s, &setting_type, &json!({"enableImapAccess": false}))?;
    t.policies.remove(i);
    Ok(operation(
        &t,
        json!({"@type": "type.googleapis.com/google.protobuf.Empty"}),
    ))
}
