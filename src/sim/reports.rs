//! Reports API: per-user Gmail usage (`usage/users/{userKey}/dates/{date}`) and Admin console
//! audit events (`activity/users/all/applications/admin`). Usage rows are derived from the user
//! and date on demand (no storage); like Google, data for the last two days is not yet available.
//! Activities are listed newest first within `startTime`..`endTime`, paged by cursor.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use chrono::NaiveDate;
use serde_json::{json, Value};

use super::auth::Caller;
use super::clock::{rfc3339, to_datetime};
use super::directory::etag;
use super::error::{ApiError, ApiResult};
use super::paging;
use super::params::Params;
use super::state::Shared;
use super::tenant::{mix, DeviceKind, Tenant};
use super::tenant_data::IOS_GMAIL_PROFILE;

const USAGE_PARAMS: &[&str] = &[
    "gmail:timestamp_last_imap",
    "gmail:timestamp_last_webmail",
    "gmail:timestamp_last_interaction",
];

pub async fn usage(
    State(s): State<Arc<Shared>>,
    Path((user_key, date)): Path<(String, String)>,
    caller: Caller,
    p: Params,
) -> ApiResult<Json<Value>> {
    let now = s.clock.now();
    let t = s.read();
    caller.admin_call("reports.userUsageReport.get", &t)?;
    let day = NaiveDate::parse_from_str(&date, "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(format!("Invalid value '{date}'")))?;
    let latest = to_datetime(now - i64::from(s.cfg.usage_lag_days) * 86_400).date_naive();
    if day > latest {
        return Err(ApiError::invalid(format!(
            "Data for dates later than {latest} is not yet available. Please check back later"
        )));
    }
    let wanted: Vec<&str> = match p.text("parameters") {
        Some(list) => list.split(',').map(str::trim).collect(),
        None => USAGE_PARAMS.to_vec(),
    };
    if let Some(bad) = wanted.iter().find(|w| !USAGE_PARAMS.contains(w)) {
        return Err(ApiError::invalid(format!(
            "Invalid value '{bad}' for parameters"
        )));
    }
    let max = p.int("maxResults", 1000, 1, 1000)? as usize;
    let ou = match p.text("orgUnitID") {
        Some(id) => Some(
            t.ou_by_id(id)
                .ok_or_else(|| ApiError::invalid_input("orgUnitID"))?,
        ),
        None => None,
    };
    let users: Vec<u32> = if user_key == "all" {
        (0..t.users.len() as u32).collect()
    } else {
        vec![t
            .user_by_key(&user_key)
            .ok_or_else(|| ApiError::not_found("Resource Not Found: userKey"))?]
    };
    let day_end = day
        .and_hms_opt(23, 59, 59)
        .expect("time")
        .and_utc()
        .timestamp();
    let binding = format!(
        "usage;{user_key};{date};{}",
        p.binding(&["parameters", "orgUnitID"])
    );
    let after: Option<u32> =
        paging::cursor(p.get("pageToken"), &binding)?.and_then(|c| c.parse().ok());
    let mut rows = Vec::new();
    let mut last = None;
    for &u in users.iter().filter(|&&u| after.is_none_or(|a| u > a)) {
        let user = &t.users[u as usize];
        if user.created > day_end || ou.is_some_and(|o| !t.ou_within(user.ou, o)) {
            continue;
        }
        if rows.len() == max {
            break;
        }
        last = Some(u);
        let h = mix(user.id ^ day_end as u64);
        let mut params = Vec::new();
        for name in &wanted {
            // Who uses what: ~30% IMAP (Apple Mail and friends), ~80% webmail, within 30 days.
            let (active, salt) = match *name {
                "gmail:timestamp_last_imap" => (mix(user.id) % 10 < 3, 1),
                "gmail:timestamp_last_webmail" => (mix(user.id) % 10 < 8, 2),
                _ => (true, 3),
            };
            let mut ts = active.then(|| day_end - (mix(h ^ salt) % (30 * 86_400)) as i64);
            if *name == "gmail:timestamp_last_imap" {
                // Apple Mail with the account added as Google reads mail over IMAP.
                ts = ts.max(native_imap(&t, u, day_end));
            }
            if let Some(ts) = ts {
                params.push(json!({"name": name, "datetimeValue": rfc3339(ts)}));
            }
        }
        rows.push(json!({
            "kind": "admin#reports#usageReport",
            "date": date,
            "etag": etag(user.id, &date),
            "entity": {"type": "USER", "customerId": t.customer_id, "userEmail": user.email, "profileId": user.id_string()},
            "parameters": params,
        }));
    }
    let more = rows.len() == max && users.iter().any(|&u| last.is_some_and(|l| u > l));
    let mut body = json!({"kind": "admin#reports#usageReports", "etag": etag(t.seed, &binding), "usageReports": rows});
    if let (true, Some(l)) = (more, last) {
        body["nextPageToken"] = json!(paging::encode(&binding, &l.to_string()));
    }
    Ok(Json(body))
}

/// The last IMAP use by `u`'s native iOS Google accounts up to `day_end`, within 30 days.
fn native_imap(t: &Tenant, u: u32, day_end: i64) -> Option<i64> {
    t.search
        .devices_of(u)
        .iter()
        .map(|&i| &t.devices[i as usize])
        .filter(|d| d.kind == DeviceKind::IosSync && d.profile != IOS_GMAIL_PROFILE)
        .filter_map(|d| {
            let last = d.last_sync_at(day_end)?;
            (d.first_sync? <= day_end).then_some(last.min(day_end))
        })
        .filter(|ts| *ts > day_end - 30 * 86_400)
        .max()
}

/// An RFC 3339 `startTime`/`endTime` (the pattern in the discovery document) as unix seconds.
fn time_param(p: &Params, name: &str) -> ApiResult<Option<i64>> {
    let Some(raw) = p.text(name) else {
        return Ok(None);
    };
    chrono::DateTime::parse_from_rfc3339(raw)
        .map(|t| Some(t.timestamp()))
        .map_err(|_| ApiError::invalid(format!("Invalid value '{raw}' for {name}")))
}

/// `activities.list`: newest first, `startTime`..`endTime` inclusive (no `startTime`, or
/// one more than 180 days back, reads the last 180 days; no `endTime` reads up to now), paged
/// by a cursor on (time, event index) so events recorded during a listing never shift pages.
pub async fn activities(
    State(s): State<Arc<Shared>>,
    Path((user_key, app)): Path<(String, String)>,
    caller: Caller,
    p: Params,
) -> ApiResult<Json<Value>> {
    let now = s.clock.now();
    let t = s.read();
    caller.admin_call("reports.activities.list", &t)?;
    let max = p.int("maxResults", 1000, 1, 1000)? as usize;
    let event = p.text("eventName");
    let start = time_param(&p, "startTime")?;
    let end = time_param(&p, "endTime")?;
    if start.is_some_and(|st| st > now || end.is_some_and(|e| st > e)) {
        return Err(ApiError::invalid(
            "Start time must be less than or equal to the end time and the current time.",
        ));
    }
    let start = start.unwrap_or(i64::MIN).max(now - 180 * 86_400);
    let end = end.unwrap_or(now).min(now);
    let actor = if user_key == "all" {
        None
    } else {
        Some(
            t.user_by_key(&user_key)
                .ok_or_else(|| ApiError::not_found("Resource Not Found: userKey"))?,
        )
    };
    let binding = format!(
        "activities;{user_key};{app};{}",
        p.binding(&["eventName", "startTime", "endTime"])
    );
    let after: Option<(i64, usize)> = paging::cursor(p.get("pageToken"), &binding)?.and_then(|c| {
        let (time, i) = c.split_once(':')?;
        Some((time.parse().ok()?, i.parse().ok()?))
    });
    let mut order: Vec<usize> = (0..t.audit.len())
        .filter(|_| app == "admin")
        .filter(|&i| {
            let e = &t.audit[i];
            (start..=end).contains(&e.time)
                && actor.is_none_or(|a| a == e.actor)
                && event.is_none_or(|n| n == "CHANGE_APPLICATION_SETTING")
        })
        .collect();
    // Newest first, as Google lists them; ties by the order they were recorded.
    order.sort_by_key(|&i| std::cmp::Reverse((t.audit[i].time, i)));
    let page: Vec<usize> = order
        .into_iter()
        .filter(|&i| after.is_none_or(|a| (t.audit[i].time, i) < a))
        .take(max + 1)
        .collect();
    let more = page.len() > max;
    let page = &page[..page.len().min(max)];
    let items: Vec<Value> = page
        .iter()
        .map(|&i| {
            let e = &t.audit[i];
            let who = &t.users[e.actor as usize];
            json!({
                "kind": "admin#reports#activity",
                "id": {"time": rfc3339(e.time), "uniqueQualifier": (mix(i as u64) >> 1).to_string(), "applicationName": "admin", "customerId": t.customer_id},
                "etag": etag(e.time as u64, "activity"),
                "actor": {"callerType": "USER", "email": who.email, "profileId": who.id_string()},
                "ipAddress": "192.0.2.10",
                "events": [{
                    "type": "APPLICATION_SETTINGS",
                    "name": "CHANGE_APPLICATION_SETTING",
                    "parameters": [
                        {"name": "APPLICATION_NAME", "value": "Gmail"},
                        {"name": "SETTING_NAME", "value": e.setting},
                        {"name": "ORG_UNIT_NAME", "value": e.ou_path},
                        {"name": "OLD_VALUE", "value": e.old},
                        {"name": "NEW_VALUE", "value": e.new},
                    ],
                }],
            })
        })
        .collect();
    let mut body = json!({"kind": "admin#reports#activities", "etag": etag(t.seed, &binding)});
    if !items.is_empty() {
        body["items"] = json!(items);
    }
    if let (true, Some(&last)) = (more, page.last()) {
        let cursor = format!("{}:{last}", t.audit[last].time);
        body["nextPageToken"] = json!(paging::encode(&binding, &cursor));
    }
    Ok(Json(body))
}
