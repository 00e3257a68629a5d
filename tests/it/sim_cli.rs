//! `offsync sim serve --write-config` output and the harsher faults (reset, expire, latency).

use std::time::{Duration, Instant};

use offsync::sim::{FaultSpec, SimConfig};

use super::sim_util::*;

#[tokio::test]
async fn write_config_produces_a_working_profile() {
    let h = start(small()).await;
    let dir = tempfile::tempdir().unwrap();
    offsync::cli::sim::write_config(dir.path(), &h.base_url, &h.credentials).unwrap();
    let text = std::fs::read_to_string(dir.path().join("config.toml")).unwrap();
    let cfg: toml::Value = toml::from_str(&text).unwrap();
    assert_eq!(cfg["default_profile"].as_str(), Some("sim"));
    let p = &cfg["profiles"]["sim"];
    assert_eq!(
        p["subject"].as_str(),
        Some(h.credentials.admin_email.as_str())
    );
    assert_eq!(p["domains"].as_array().unwrap().len(), 2);
    assert_eq!(
        p["endpoints"]["directory"].as_str(),
        Some(h.base_url.as_str())
    );
    assert!(p["endpoints"]["enterprise"]
        .as_str()
        .unwrap()
        .starts_with("enterprises/"));
    let key_file = p["key_file"].as_str().unwrap();
    let key: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(key_file).unwrap()).unwrap();
    assert_eq!(key["type"], "service_account");
    assert_eq!(
        key["token_uri"].as_str().unwrap(),
        format!("{}/token", h.base_url)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    h.shutdown().await;
}

#[tokio::test]
async fn reset_drops_the_connection_and_expire_gives_401() {
    let mut cfg = small();
    cfg.faults = FaultSpec::parse("reset=1").unwrap();
    let h = start(cfg).await;
    let t = admin_token(&h).await;
    let err = reqwest::Client::new()
        .get(format!("{}/{DEVICES}", h.base_url))
        .bearer_auth(&t)
        .send()
        .await;
    assert!(err.is_err(), "connection closed without a response");
    h.shutdown().await;

    let mut cfg = small();
    cfg.faults = FaultSpec::parse("expire=1").unwrap();
    let h = start(cfg).await;
    let t = admin_token(&h).await;
    let (status, body) = get(&h, &t, DEVICES).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["status"], "UNAUTHENTICATED");
    h.shutdown().await;
}

#[tokio::test]
async fn latency_is_added_to_api_calls() {
    let h = start(SimConfig {
        latency: Duration::from_millis(40),
        ..small()
    })
    .await;
    let t = admin_token(&h).await;
    let started = Instant::now();
    assert_eq!(get(&h, &t, &format!("{DEVICES}?maxResults=1")).await.0, 200);
    assert!(started.elapsed() >= Duration::from_millis(40));
    h.shutdown().await;
}
