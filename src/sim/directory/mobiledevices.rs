//! `customer/{customerId}/devices/mobile`: list (search, paging, ordering, projection), get,
//! delete and action. Pages are ordered by an immutable key unless `orderBy` is given, and the
//! page token holds the last key returned, so a device that syncs mid-listing is seen exactly once.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::super::auth::Caller;
use super::super::clock::rfc3339;
use super::super::error::{ApiError, ApiResult};
use super::super::paging;
use super::super::params::Params;
use super::super::search::DeviceQuery;
use super::super::state::Shared;
use super::super::tenant::{mix, Device, DeviceKind, Tenant};
use super::{check_customer, etag, imei, serial};

const ORDER_BY: &[&str] = &[
    "deviceId", "email", "lastSync", "model", "name", "os", "status", "type",
];

/// The wire `MobileDevice`. FULL adds the hardware details Google knows for managed devices.
pub fn render(t: &Tenant, d: &Device, now: i64, full: bool) -> Value {
    let p = d.profile();
    let rid = d.resource_id();
    let mut v = json!({
        "kind": "admin#directory#mobiledevice",
        "etag": etag(d.id ^ d.last_sync_at(now).unwrap_or(0) as u64, d.status.wire()),
        "resourceId": rid,
        "deviceId": device_id(d),
        "email": d.owners.iter().map(|&u| t.users[u as usize].email.as_str()).collect::<Vec<_>>(),
        "name": d.owners.iter().map(|&u| t.users[u as usize].full_name()).collect::<Vec<_>>(),
        "model": p.model,
        "os": d.os(),
        "type": d.kind.wire(),
        "status": d.status.wire(),
    });
    if d.owners.is_empty() {
        let o = v.as_object_mut().expect("object");
        o.remove("email");
        o.remove("name");
    }
    if let Some(first) = d.first_sync {
        v["firstSync"] = json!(rfc3339(first));
    }
    if let Some(last) = d.last_sync_at(now) {
        v["lastSync"] = json!(rfc3339(last));
    }
    if !d.user_agent().is_empty() {
        v["userAgent"] = json!(d.user_agent());
    }
    if !full {
        return v;
    }
    v["manufacturer"] = json!(p.manufacturer);
    v["managedAccountIsOnOwnerProfile"] = json!(false);
    match d.kind {
        DeviceKind::Android => {
            let h = mix(d.id ^ 0xa2);
            v["brand"] = json!(p.brand);
            v["serialNumber"] = json!(serial(d));
            v["imei"] = json!(imei(d));
            v["hardwareId"] = json!(format!("{:016x}", h));
            v["wifiMacAddress"] = json!(mac(h));
            v["releaseVersion"] = json!(d.os().trim_start_matches("Android ").to_string());
            v["buildNumber"] = json!(format!("UQ1A.{}.00{}", 240105, h % 10));
            v["securityPatchLevel"] =
                json!(((d.first_sync.unwrap_or(0) - 86_400 * 40) * 1000).to_string());
            v["privilege"] = json!("Device administrator");
            v["encryptionStatus"] = json!("Encrypted");
            v["devicePasswordStatus"] = json!("On");
            v["adbStatus"] = json!(false);
            v["developerOptionsStatus"] = json!(h % 17 == 0);
            v["unknownSourcesStatus"] = json!(false);
            v["supportsWorkProfile"] = json!(true);
            v["defaultLanguage"] = json!("English");
            v["networkOperator"] =
                json!(["Telia", "Vodafone", "T-Mobile", "Orange"][(h % 4) as usize]);
            v["deviceCompromisedStatus"] = json!("No compromise detected");
        }
        DeviceKind::IosSync => {
            v["serialNumber"] = json!(serial(d));
            v["deviceCompromisedStatus"] = json!("No compromise detected");
            v["devicePasswordStatus"] = json!("On");
            v["encryptionStatus"] = json!("Encrypted");
        }
        DeviceKind::GoogleSync => {}
    }
    v
}

/// Exchange ActiveSync clients report their own device id (upper-case hex); others a GUID-ish id.
fn device_id(d: &Device) -> String {
    let h = mix(d.id ^ 0xd1);
    match d.kind {
        DeviceKind::GoogleSync => format!("{:016X}{:016X}", h, mix(h)),
        _ => format!("{:016x}", h),
    }
}

fn mac(h: u64) -> String {
    let b = h.to_be_bytes();
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        b[0] & 0xfe,
        b[1],
        b[2],
        b[3],
        b[4],
        b[5]
    )
}

/// A sort key: numeric part, text part, then the immutable id as the tie-breaker.
type Key = (i64, String, u64);

fn key(t: &Tenant, d: &Device, order: Option<&str>, now: i64) -> Key {
    let text = |s: &str| (0, s.to_lowercase(), d.id);
    match order {
        // Users are sorted by email, so the first owner's index orders by first email;
        // devices without an email sort first.
        Some("email") => (
            d.owners.first().map_or(-1, |&u| u as i64),
            String::new(),
            d.id,
        ),
        Some("lastSync") => (d.last_sync_at(now).unwrap_or(i64::MIN), String::new(), d.id),
        Some("deviceId") => text(&device_id(d)),
        Some("model") => text(d.profile().model),
        Some("name") => text(
            &d.owners
                .first()
                .map(|&u| t.users[u as usize].full_name())
                .unwrap_or_default(),
        ),
        Some("os") => text(d.os()),
        Some("status") => text(d.status.wire()),
        Some("type") => text(d.kind.wire()),
        _ => (0, String::new(), d.id),
    }
}

fn encode_key(k: &Key) -> String {
    format!("{}|{}|{}", k.0, k.2, k.1)
}

fn decode_key(s: &str) -> Option<Key> {
    let mut parts = s.splitn(3, '|');
    let num = parts.next()?.parse().ok()?;
    let id = parts.next()?.parse().ok()?;
    Some((num, parts.next()?.to_string(), id))
}

pub async fn list(
    State(s): State<Arc<Shared>>,
    Path(customer): Path<String>,
    caller: Caller,
    p: Params,
) -> ApiResult<Json<Value>> {
    let now = s.clock.now();
    let t = s.read();
    caller.admin_call("directory.mobiledevices.list", &t)?;
    check_customer(&t, &customer)?;
    let max = p.int("maxResults", 100, 1, 100)? as usize;
    let order = p.one_of("orderBy", ORDER_BY)?;
    let desc = p.one_of("sortOrder", &["ASCENDING", "DESCENDING"])? == Some("DESCENDING");
    let full = p.one_of("projection", &["BASIC", "FULL"])? != Some("BASIC");
    let query = DeviceQuery::parse(p.get("query").unwrap_or_default(), &s.cfg)
        .map_err(ApiError::invalid_input)?;
    // The search index lags: any query misses devices created or changed within the lag.
    let lag = (!query.is_empty()).then(|| s.cfg.search_lag.as_secs() as i64);
    let binding = format!(
        "devices;{};{}",
        t.customer_id,
        p.binding(&["query", "orderBy", "sortOrder", "projection"])
    );
    let after = match paging::cursor(p.get("pageToken"), &binding)? {
        Some(c) => {
            Some(decode_key(&c).ok_or_else(|| ApiError::invalid_input("Invalid page token"))?)
        }
        None => None,
    };
    let beyond = |k: &Key| {
        after
            .as_ref()
            .is_none_or(|a| if desc { k < a } else { k > a })
    };
    let wanted = |d: &Device| {
        d.visible(now)
            && lag.is_none_or(|lag| d.in_search_index(now, lag))
            && query.matches(&t, d, now)
    };
    // An `email:` clause narrows the scan to the index's candidates (in device order);
    // every clause is still applied to them.
    let candidates = query.candidates(&t);
    let mut page: Vec<(Key, usize)> = Vec::with_capacity(max + 1);
    if order.is_none() && !desc {
        // Fast path: devices are stored in key order; start right after the cursor.
        let start = after
            .as_ref()
            .map_or(0, |a| t.devices.partition_point(|d| d.id <= a.2));
        let rest: Box<dyn Iterator<Item = usize>> = match &candidates {
            Some(c) => Box::new(c[c.partition_point(|&i| i < start)..].iter().copied()),
            None => Box::new(start..t.devices.len()),
        };
        for i in rest {
            let d = &t.devices[i];
            if wanted(d) {
                page.push((key(&t, d, None, now), i));
                if page.len() > max {
                    break;
                }
            }
        }
    } else if order == Some("email") && candidates.is_none() {
        // Indexed: walk the email order from the cursor, either way.
        let ord = &t.search.by_email;
        let k = |i: u32| super::super::email_index::email_key(&t.devices[i as usize]);
        let walk: Box<dyn Iterator<Item = &u32>> = match (&after, desc) {
            (None, false) => Box::new(ord.iter()),
            (None, true) => Box::new(ord.iter().rev()),
            (Some(a), false) => {
                Box::new(ord[ord.partition_point(|&i| k(i) <= (a.0, a.2))..].iter())
            }
            (Some(a), true) => Box::new(
                ord[..ord.partition_point(|&i| k(i) < (a.0, a.2))]
                    .iter()
                    .rev(),
            ),
        };
        for &i in walk {
            let d = &t.devices[i as usize];
            if wanted(d) {
                page.push((key(&t, d, order, now), i as usize));
                if page.len() > max {
                    break;
                }
            }
        }
    } else {
        let all: Box<dyn Iterator<Item = usize>> = match candidates {
            Some(c) => Box::new(c.into_iter()),
            None => Box::new(0..t.devices.len()),
        };
        page = all
            .map(|i| (i, &t.devices[i]))
            .filter(|(_, d)| wanted(d))
            .map(|(i, d)| (key(&t, d, order, now), i))
            .filter(|(k, _)| beyond(k))
            .collect();
        let cmp = |a: &(Key, usize), b: &(Key, usize)| {
            if desc {
                b.0.cmp(&a.0)
            } else {
                a.0.cmp(&b.0)
            }
        };
        // Only the first `max + 1` matter: select them in linear time, then sort those.
        if page.len() > max + 1 {
            page.select_nth_unstable_by(max, cmp);
            page.truncate(max + 1);
        }
        page.sort_unstable_by(cmp);
    }
    let more = page.len() > max;
    page.truncate(max);
    let mut body = json!({"kind": "admin#directory#mobiledevices", "etag": etag(t.seed, &binding)});
    if !page.is_empty() {
        body["mobiledevices"] = page
            .iter()
            .map(|(_, i)| render(&t, &t.devices[*i], now, full))
            .collect();
    }
    if more {
        let last = &page.last().expect("non-empty").0;
        body["nextPageToken"] = json!(paging::encode(&binding, &encode_key(last)));
    }
    Ok(Json(body))
}

fn find(t: &Tenant, rid: &str, now: i64) -> ApiResult<usize> {
    t.device_index(rid)
        .filter(|&i| t.devices[i].visible(now))
        .ok_or_else(|| ApiError::not_found("Resource Not Found: resourceId"))
}

pub async fn get(
    State(s): State<Arc<Shared>>,
    Path((customer, rid)): Path<(String, String)>,
    caller: Caller,
    p: Params,
) -> ApiResult<Json<Value>> {
    let now = s.clock.now();
    let t = s.read();
    caller.admin_call("directory.mobiledevices.get", &t)?;
    check_customer(&t, &customer)?;
    let full = p.one_of("projection", &["BASIC", "FULL"])? != Some("BASIC");
    let i = find(&t, &rid, now)?;
    Ok(Json(render(&t, &t.devices[i], now, full)))
}

pub async fn delete(
    State(s): State<Arc<Shared>>,
    Path((customer, rid)): Path<(String, String)>,
    caller: Caller,
) -> ApiResult<StatusCode> {
    let now = s.clock.now();
    let mut t = s.write();
    caller.admin_call("directory.mobiledevices.delete", &t)?;
    check_customer(&t, &customer)?;
    let i = find(&t, &rid, now)?;
    let d = &mut t.devices[i];
    d.last_sync = d.last_sync_at(now);
    d.deleted_at = Some(now);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct ActionBody {
    action: Option<String>,
}

pub async fn action(
    State(s): State<Arc<Shared>>,
    Path((customer, rid)): Path<(String, String)>,
    caller: Caller,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let now = s.clock.now();
    let mut t = s.write();
    caller.admin_call("directory.mobiledevices.action", &t)?;
    check_customer(&t, &customer)?;
    let body: ActionBody = serde_json::from_slice(&body)
        .map_err(|_| ApiError::new(400, "INVALID_ARGUMENT", "parseError", "Parse Error"))?;
    let i = find(&t, &rid, now)?;
    let action = body.action.unwrap_or_default();
    if !t.device_action(i, &action, now) {
        return Err(ApiError::invalid_input(format!("action: {action}")));
    }
    Ok(StatusCode::NO_CONTENT)
}
