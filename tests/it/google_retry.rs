//! Retries: injected 429/503/403-rate faults change nothing in the result; `Retry-After` is
//! honoured; exhausted retries produce errors that keep what was fetched and say what to do.
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use offsync::google::{page, Error};
use offsync::sim::{FaultSpec, SimConfig};
use serde_json::json;

use crate::google_util::{env, profile_for, write_key};

fn ids(v: &[offsync::model::Device]) -> BTreeSet<String> {
    v.iter().map(|d| d.resource_id.clone()).collect()
}

#[tokio::test]
async fn faults_are_retried_into_the_same_result() {
    let cfg = SimConfig {
        users: 40,
        devices: 400,
        ..SimConfig::default()
    };
    let clean = env(cfg.clone()).await;
    let (want, err) =
        page::collect(clean.clients().directory.mobiledevices(Default::default())).await;
    assert!(err.is_none());

    let faults = FaultSpec::parse("429=0.1,503=0.1,500=0.05,403rate=0.1,reset=0.05").unwrap();
    let mut faulty = env(SimConfig { faults, ..cfg }).await;
    // 40% of requests fail here: with eight tries a request still gives up once in ~1,500,
    // and a partitioned listing sends hundreds. Twelve tries make that one in ~60,000 per
    // request, so the test checks retries, not luck.
    faulty.profile.http.max_tries = 12;
    let c = faulty.clients();
    let (got, err) = page::collect(c.directory.mobiledevices(Default::default())).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(ids(&got), ids(&want));
    assert_eq!(got.len(), want.len());
    let s = c.client.stats();
    assert!(s.retries > 0, "{s:?}");
    let (parts, err) = page::collect(offsync::google::partition::mobiledevices(
        &c.directory,
        None,
        true,
    ))
    .await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(ids(&parts), ids(&want));
}

#[tokio::test]
async fn quota_errors_exhausted_say_so() {
    let mut e = env(SimConfig {
        faults: FaultSpec::parse("429=1").unwrap(),
        ..SimConfig::default()
    })
    .await;
    e.profile.http.max_tries = 2;
    let err = e.clients().directory.orgunits().await.unwrap_err();
    assert_eq!(err.status(), Some(429), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("after 2 tries") && msg.contains("quota"),
        "{msg}"
    );
}

/// A stand-in API: `/token` always grants; the device list answers 429 (Retry-After: 1)
/// once, then page 1, then 503 forever for page 2.
async fn flaky_server() -> (String, Arc<AtomicU32>) {
    let hits = Arc::new(AtomicU32::new(0));
    let h = hits.clone();
    let app = Router::new()
        .route("/token", post(|| async { axum::Json(json!({"access_token": "t", "expires_in": 3600, "token_type": "Bearer"})) }))
        .route(
            "/admin/directory/v1/customer/{c}/devices/mobile",
            get(move |q: axum::extract::RawQuery| {
                let h = h.clone();
                async move {
                    let n = h.fetch_add(1, Ordering::SeqCst);
                    let mut headers = HeaderMap::new();
                    let body = |code: u16, reason: &str| {
                        json!({"error": {"code": code, "message": "nope", "errors": [{"reason": reason}]}})
                    };
                    if n == 0 {
                        headers.insert("retry-after", "1".parse().unwrap());
                        return (StatusCode::TOO_MANY_REQUESTS, headers, axum::Json(body(429, "rateLimitExceeded")));
                    }
                    if q.0.unwrap_or_default().contains("pageToken=p2") {
                        return (StatusCode::SERVICE_UNAVAILABLE, headers, axum::Json(body(503, "backendError")));
                    }
                    let page = json!({"mobiledevices": [{"resourceId": "r1"}, {"resourceId": "r2"}], "nextPageToken": "p2"});
                    (StatusCode::OK, headers, axum::Json(page))
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, hits)
}

#[tokio::test]
async fn retry_after_is_honoured_and_failed_pages_keep_earlier_items() {
    let e = env(SimConfig {
        users: 5,
        devices: 5,
        ..SimConfig::default()
    })
    .await;
    let (url, hits) = flaky_server().await;
    let mut key: serde_json::Value = serde_json::from_str(&e.sim.credentials.key_json).unwrap();
    key["token_uri"] = format!("{url}/token").into();
    let path = write_key(e.dir.path(), "flaky.json", &key.to_string());
    let mut p = profile_for(&e.sim, path);
    p.endpoints.directory = format!("{url}/");
    p.http.max_tries = 3;
    let c = offsync::google::Clients::new(&p, None).unwrap().0;

    let t = Instant::now();
    let (items, err) = page::collect(c.directory.mobiledevices(Default::default())).await;
    assert!(
        t.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was not honoured"
    );
    assert_eq!(items.len(), 2, "page 1 is kept");
    let err = err.unwrap();
    assert!(matches!(err, Error::Listing { fetched: 2, .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("stopped after 2 items")
            && msg.contains("HTTP 503")
            && msg.contains("after 3 tries"),
        "{msg}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 1 + 1 + 3);
}
