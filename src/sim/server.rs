//! The router (Google's URL paths, from discovery `servicePath` + `path`) and the layers every
//! request passes through, outermost first: stats (counts the bytes that really leave, after
//! gzip) → gzip → response format (`fields=`, `prettyPrint`) → latency and faults → handler.
//! The order matters: injected faults must look like any other Google error to the client.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::{MatchedPath, Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;
use tower_http::compression::CompressionLayer;

use super::auth::ForceExpired;
use super::directory::{customers, mobiledevices, orgunits, users};
use super::error::{ApiError, ApiResult};
use super::faults::Fault;
use super::fields::Selection;
use super::params::Params;
use super::state::Shared;
use super::{amapi, behaviour, console, discovery, gmail, oauth, oidc, policy, reports};

pub async fn run(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(shared))
        .with_graceful_shutdown(shutdown)
        .await
}

fn router(s: Arc<Shared>) -> Router {
    const DIR: &str = "/admin/directory/v1";
    let devices = format!("{DIR}/customer/{{customerId}}/devices/mobile");
    Router::new()
        .route("/token", post(oauth::token))
        .route("/oauth2/v1/certs", get(oidc::certs_v1))
        .route("/oauth2/v3/certs", get(oidc::certs_v3))
        .route(&devices, get(mobiledevices::list))
        .route(
            &format!("{devices}/{{resourceId}}"),
            get(mobiledevices::get).delete(mobiledevices::delete),
        )
        .route(
            &format!("{devices}/{{resourceId}}/action"),
            post(mobiledevices::action),
        )
        .route(&format!("{DIR}/users"), get(users::list))
        .route(&format!("{DIR}/users/{{userKey}}"), get(users::get))
        .route(
            &format!("{DIR}/customer/{{customerId}}/orgunits"),
            get(orgunits::list),
        )
        .route(
            &format!("{DIR}/customer/{{customerId}}/orgunits/{{*orgUnitPath}}"),
            get(orgunits::get),
        )
        .route(
            &format!("{DIR}/customer/{{customer}}/domains"),
            get(customers::domains),
        )
        .route(
            &format!("{DIR}/customers/{{customerKey}}"),
            get(customers::get),
        )
        .route(
            "/admin/reports/v1/usage/users/{userKey}/dates/{date}",
            get(reports::usage),
        )
        .route(
            "/admin/reports/v1/activity/users/{userKey}/applications/{applicationName}",
            get(reports::activities),
        )
        .route(
            "/gmail/v1/users/{userId}/settings/imap",
            get(gmail::get).put(gmail::update),
        )
        .route("/v1/policies", get(policy::list).post(policy::create))
        .route(
            "/v1/policies/{policiesId}",
            get(policy::get).patch(policy::patch).delete(policy::delete),
        )
        .route(
            "/v1/enterprises/{enterprisesId}",
            get(amapi::enterprise).post(amapi::enterprise_post),
        )
        .route(
            "/v1/enterprises/{enterprisesId}/policies",
            get(amapi::list_policies),
        )
        .route(
            "/v1/enterprises/{enterprisesId}/devices",
            get(amapi::devices),
        )
        .route(
            "/v1/enterprises/{enterprisesId}/devices/{devicesId}",
            get(amapi::device),
        )
        .route(
            "/v1/enterprises/{enterprisesId}/policies/{policiesId}",
            get(amapi::policy).patch(amapi::patch_policy),
        )
        .route("/$discovery/rest", get(discovery_short))
        .route(
            "/discovery/v1/apis/{api}/{version}/rest",
            get(discovery_doc),
        )
        .route("/_sim/dump", get(dump))
        .route("/_sim/console", get(console::get).post(console::set))
        .route("/_sim/remind", post(console::remind))
        .route("/_sim/clock", post(console::advance))
        .route("/_sim/enterprise-upgrade", get(amapi::complete_upgrade))
        .route("/_sim/stats", get(stats))
        .fallback(|| async { ApiError::not_found("Not Found") })
        .layer(from_fn_with_state(s.clone(), behave))
        .layer(from_fn_with_state(s.clone(), faults))
        .layer(from_fn(format))
        .layer(CompressionLayer::new())
        .layer(from_fn_with_state(s.clone(), count))
        .layer(from_fn_with_state(s.clone(), date))
        .with_state(s)
}

/// Every response carries the sim clock in `Date`, as Google's carry Google's. Hyper adds a `Date`
/// from the machine's clock only when the response has none, so this one wins.
async fn date(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let at = std::time::UNIX_EPOCH + Duration::from_secs(s.clock.now().max(0) as u64);
    if let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(at)) {
        resp.headers_mut().insert(header::DATE, v);
    }
    resp
}

/// Simulated users catch up with the sim clock before an API request reads the tenant.
async fn behave(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    if is_api(req.uri().path()) {
        behaviour::settle(&s, s.clock.now());
    }
    next.run(req).await
}

fn is_api(path: &str) -> bool {
    path.starts_with("/admin/") || path.starts_with("/gmail/") || path.starts_with("/v1/")
}

async fn faults(State(s): State<Arc<Shared>>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let (api, token) = (is_api(path), path == "/token");
    if !api && !token {
        return next.run(req).await;
    }
    if !s.cfg.latency.is_zero() {
        tokio::time::sleep(s.cfg.latency).await;
    }
    if api || s.cfg.faults.include_token {
        let fault = s.dice.lock().expect("dice lock").roll(&s.cfg.faults);
        match fault {
            None => {}
            Some(Fault::TooManyRequests { retry_after }) => {
                return ApiError::too_many_requests(retry_after).into_response()
            }
            Some(Fault::Unavailable) => return ApiError::backend(503).into_response(),
            Some(Fault::Internal) => return ApiError::backend(500).into_response(),
            Some(Fault::RateLimit403) => return ApiError::rate_limit().into_response(),
            Some(Fault::Timeout) => tokio::time::sleep(Duration::from_secs(30)).await,
            // Unwinding out of the connection task drops the socket without a response, which
            // is what a reset looks like to the client. `resume_unwind` skips the panic hook,
            // so nothing is printed.
            Some(Fault::Reset) => std::panic::resume_unwind(Box::new("simulated connection reset")),
            Some(Fault::Expire) => {
                req.extensions_mut().insert(ForceExpired);
            }
        }
    }
    next.run(req).await
}

/// Applies `fields=` to successful JSON bodies and pretty-prints unless `prettyPrint=false`.
async fn format(params: Params, req: Request, next: Next) -> Response {
    let selection = match params.text("fields").map(Selection::parse) {
        Some(Err(msg)) => {
            let mut e = ApiError::new(400, "INVALID_ARGUMENT", "invalidParameter", msg);
            e.location = Some(&["fields", "parameter"]);
            return e.into_response();
        }
        Some(Ok(sel)) => Some(sel),
        None => None,
    };
    let route = req.extensions().get::<MatchedPath>();
    let known = route.and_then(|r| discovery::response_schema(req.method().as_str(), r.as_str()));
    if let (Some(sel), Some((doc, schema))) = (&selection, known) {
        if let Some(name) = sel.unknown_field(doc, schema) {
            let mut e = ApiError::new(
                400,
                "INVALID_ARGUMENT",
                "invalidParameter",
                format!("Invalid field selection {name}"),
            );
            e.location = Some(&["fields", "parameter"]);
            return e.into_response();
        }
    }
    let pretty = params.get("prettyPrint").is_none_or(|v| v != "false");
    let resp = next.run(req).await;
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !is_json {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    if let (Some(sel), true) = (&selection, parts.status.is_success()) {
        value = sel.apply(&value);
    }
    let out = if pretty {
        serde_json::to_vec_pretty(&value)
    } else {
        serde_json::to_vec(&value)
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    Response::from_parts(parts, Body::from(out.unwrap_or_default()))
}

async fn count(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let params: Vec<String> =
        url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .map(|(k, _)| k.into_owned())
            .collect();
    let route = match req.extensions().get::<MatchedPath>() {
        Some(m) => format!("{} {}", req.method(), m.as_str()),
        None => format!("{} (unmatched)", req.method()),
    };
    let resp = next.run(req).await;
    if path.starts_with("/_sim/") {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let mut stats = s.stats.lock().expect("stats lock");
    if method != axum::http::Method::GET && is_api(&path) {
        stats.record_mutation(method.as_str(), &path);
    }
    stats.record_with_params(
        &route,
        parts.status.as_u16(),
        bytes.len() as u64,
        params.iter().map(String::as_str),
    );
    drop(stats);
    Response::from_parts(parts, Body::from(bytes))
}

async fn dump(State(s): State<Arc<Shared>>) -> Json<Value> {
    let (t, now) = amapi::current(&s);
    Json(t.dump(now))
}

async fn stats(State(s): State<Arc<Shared>>) -> Json<Value> {
    Json(serde_json::to_value(&*s.stats.lock().expect("stats lock")).unwrap_or_default())
}

/// `/$discovery/rest?version=…` as each API host serves it. The host names the API (a client
/// whose Google hosts are redirected here keeps Google's `Host` header, so gmail's `v1` is
/// told from cloudidentity's); on the simulator's own address only unambiguous versions work.
async fn discovery_short(
    State(s): State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
    p: Params,
) -> ApiResult<Json<Value>> {
    let version = p.get("version").unwrap_or_default().to_string();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if let Some(api) = host.strip_suffix(".googleapis.com") {
        return discovery_doc(State(s), Path((api.to_string(), version))).await;
    }
    let api = match version.as_str() {
        "directory_v1" | "reports_v1" => "admin",
        "v1beta1" => "cloudidentity",
        _ => {
            return Err(ApiError::not_found(
                "Discovery document not found for API service",
            ))
        }
    };
    discovery_doc(State(s), Path((api.to_string(), version))).await
}

async fn discovery_doc(
    State(s): State<Arc<Shared>>,
    Path((api, version)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    discovery::document(&api, &version, &format!("{}/", s.base_url))
        .map(Json)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Discovery document not found for API service: {api}.googleapis.com"
            ))
        })
}
