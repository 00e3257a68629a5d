//! The Admin console settings no API reaches (Google Sync on/off per OU, iOS automatic push,
//! the trusted iOS client, an EMM's Google account profile) and the simulator-only routes
//! under `/_sim/` that flip them, so tests do exactly what an admin does in the console.
//! Also reminders to users (an email the admin sends) and moving the sim clock.
//!
//! Settings inherit down the OU tree like the console's: a value set at an OU applies to
//! every child that sets none. Every change takes effect after the propagation delay.
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::data::console::{ConsoleSetting, Saved};
use super::error::{ApiError, ApiResult};
use super::state::Shared;

fn parse_setting(name: &str) -> ApiResult<ConsoleSetting> {
    ConsoleSetting::ALL
        .into_iter()
        .find(|s| s.wire() == name)
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "unknown console setting '{name}'; use google_sync, ios_push, trusted_ios, emm_google_account or imap_access"
            ))
        })
}

/// `POST /_sim/console {"orgUnitPath": "/Pilot", "setting": "google_sync", "enabled": false}`
///
/// Admin audit events: only `imap_access` leaves one (`IMAP_ACCESS`, documented). No
/// documented event name exists for Google Sync, iOS push, the trusted client or an EMM's
/// profile, so the simulator records none for them rather than invent one.
pub async fn set(State(s): State<Arc<Shared>>, body: Bytes) -> ApiResult<Json<Value>> {
    let body: Value = ApiError::parse_body(&body)?;
    let name = body["setting"].as_str().unwrap_or_default();
    let on = body["enabled"]
        .as_bool()
        .ok_or_else(|| ApiError::invalid("'enabled' must be true or false"))?;
    let path = body["orgUnitPath"].as_str().unwrap_or("/");
    let now = s.clock.now();
    let mut t = s.write();
    let ou = t
        .ou_by_path(path)
        .ok_or_else(|| ApiError::invalid(format!("no OU '{path}'")))?;
    if name == "imap_access" {
        let value = super::policy::console_imap(&s, &mut t, ou, on);
        return Ok(Json(json!({
            "orgUnitPath": t.org_units[ou].path,
            "setting": "imap_access",
            "enabled": on,
            "value": value,
            "savedAt": super::clock::rfc3339(now),
            "effectiveAt": super::clock::rfc3339(now + s.cfg.propagation.as_secs() as i64),
        })));
    }
    let setting = parse_setting(name)?;
    t.console
        .settings
        .insert((ou, setting), Saved { on, at: now });
    t.console.active = true;
    Ok(Json(json!({
        "orgUnitPath": t.org_units[ou].path,
        "setting": setting.wire(),
        "enabled": on,
        "savedAt": super::clock::rfc3339(now),
        "effectiveAt": super::clock::rfc3339(now + s.cfg.propagation.as_secs() as i64),
    })))
}

/// `GET /_sim/console`: every saved console value.
pub async fn get(State(s): State<Arc<Shared>>) -> Json<Value> {
    let t = s.read();
    let mut rows: Vec<Value> = t
        .console
        .settings
        .iter()
        .map(|((ou, st), v)| {
            json!({"orgUnitPath": t.org_units[*ou].path, "setting": st.wire(), "enabled": v.on, "savedAt": super::clock::rfc3339(v.at)})
        })
        .collect();
    rows.sort_by_key(|v| v.to_string());
    Json(
        json!({"settings": rows, "switchedUsers": t.console.switched.len(), "remindedUsers": t.console.reminded.len()}),
    )
}

/// `POST /_sim/remind {"emails": ["a@x", …]}`: the admin sent these users a reminder.
pub async fn remind(State(s): State<Arc<Shared>>, body: Bytes) -> ApiResult<Json<Value>> {
    let body: Value = ApiError::parse_body(&body)?;
    let now = s.clock.now();
    let mut t = s.write();
    let mut unknown = Vec::new();
    let mut n = 0;
    for e in body["emails"].as_array().into_iter().flatten() {
        let email = e.as_str().unwrap_or_default();
        match t.user_index(email) {
            Some(u) => {
                t.console.reminded.insert(u, now);
                n += 1;
            }
            None => unknown.push(email.to_string()),
        }
    }
    t.console.active = true;
    Ok(Json(json!({"reminded": n, "unknown": unknown})))
}

/// `POST /_sim/clock {"advanceSeconds": N}`: moves the sim clock forward.
pub async fn advance(State(s): State<Arc<Shared>>, body: Bytes) -> ApiResult<Json<Value>> {
    let body: Value = ApiError::parse_body(&body)?;
    let secs = body["advanceSeconds"]
        .as_u64()
        .ok_or_else(|| ApiError::invalid("'advanceSeconds' must be a non-negative integer"))?;
    s.clock.advance(std::time::Duration::from_secs(secs));
    let now = s.clock.now();
    super::behaviour::settle(&s, now);
    Ok(Json(json!({"simTime": super::clock::rfc3339(now)})))
}
