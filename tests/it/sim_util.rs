//! Helpers for the simulator tests: start a small tenant, sign JWT assertions with the key the
//! simulator issued (plain jsonwebtoken, never offsync's own client), fetch tokens, call APIs.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use offsync::sim::{self, SimConfig, SimHandle};
use serde_json::{json, Value};

pub const DEVICE_MOBILE_RO: &str =
    "https://www.googleapis.com/auth/admin.directory.device.mobile.readonly";
pub const USER_RO: &str = "https://www.googleapis.com/auth/admin.directory.user.readonly";
pub const ALL_DIRECTORY: &str =
    "https://www.googleapis.com/auth/admin.directory.device.mobile.readonly \
    https://www.googleapis.com/auth/admin.directory.device.mobile \
    https://www.googleapis.com/auth/admin.directory.user.readonly \
    https://www.googleapis.com/auth/admin.directory.orgunit.readonly \
    https://www.googleapis.com/auth/admin.directory.domain.readonly \
    https://www.googleapis.com/auth/admin.directory.customer.readonly \
    https://www.googleapis.com/auth/admin.reports.usage.readonly \
    https://www.googleapis.com/auth/admin.reports.audit.readonly \
    https://www.googleapis.com/auth/cloud-identity.policies \
    https://www.googleapis.com/auth/gmail.settings.basic \
    https://www.googleapis.com/auth/androidmanagement";

pub fn small() -> SimConfig {
    SimConfig {
        users: 60,
        devices: 250,
        ..SimConfig::default()
    }
}

pub async fn start(cfg: SimConfig) -> SimHandle {
    sim::start(cfg).await.expect("simulator starts")
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

pub fn key(h: &SimHandle) -> Value {
    serde_json::from_str(&h.credentials.key_json).unwrap()
}

/// Signs `claims` with the service account's private key.
pub fn sign(h: &SimHandle, claims: &Value) -> String {
    let k = key(h);
    let mut header = Header::new(Algorithm::RS256);
    header.kid = k["private_key_id"].as_str().map(String::from);
    let enc = EncodingKey::from_rsa_pem(k["private_key"].as_str().unwrap().as_bytes()).unwrap();
    jsonwebtoken::encode(&header, claims, &enc).unwrap()
}

/// The standard claims for `sub` and `scope`, with `aud` = the key's token_uri.
pub fn claims(h: &SimHandle, sub: Option<&str>, scope: &str) -> Value {
    let k = key(h);
    let mut c = json!({
        "iss": k["client_email"], "scope": scope, "aud": k["token_uri"],
        "iat": now(), "exp": now() + 3600,
    });
    if let Some(sub) = sub {
        c["sub"] = json!(sub);
    }
    c
}

/// POSTs an assertion to /token: (status, body).
pub async fn grant(h: &SimHandle, assertion: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/token", h.base_url))
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion),
        ])
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

/// An access token for `sub` with `scope`.
pub async fn token_for(h: &SimHandle, sub: Option<&str>, scope: &str) -> String {
    let (status, body) = grant(h, &sign(h, &claims(h, sub, scope))).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

/// A token for the tenant's super admin with every scope the tests use.
pub async fn admin_token(h: &SimHandle) -> String {
    token_for(h, Some(&h.credentials.admin_email.clone()), ALL_DIRECTORY).await
}

/// GET `path` (relative to the base URL, with query) → (status, JSON body).
pub async fn get(h: &SimHandle, token: &str, path: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .get(format!("{}/{}", h.base_url, path.trim_start_matches('/')))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Sends `method` with a JSON body → (status, JSON body or Null).
pub async fn send(
    h: &SimHandle,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: &Value,
) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .request(
            method,
            format!("{}/{}", h.base_url, path.trim_start_matches('/')),
        )
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub const DEVICES: &str = "admin/directory/v1/customer/my_customer/devices/mobile";

/// Lists every device matching `query` (page by page) and returns them.
pub async fn list_all(h: &SimHandle, token: &str, extra: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut page = String::new();
    loop {
        let path = format!("{DEVICES}?maxResults=100{extra}{page}");
        let (status, body) = get(h, token, &path).await;
        assert_eq!(status, 200, "{body}");
        out.extend(
            body["mobiledevices"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
        match body["nextPageToken"].as_str() {
            Some(t) => page = format!("&pageToken={t}"),
            None => return out,
        }
    }
}

/// The `resourceId`s of wire devices, in order.
pub fn ids(devices: &[Value]) -> Vec<String> {
    devices
        .iter()
        .map(|d| d["resourceId"].as_str().unwrap().to_string())
        .collect()
}

pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
