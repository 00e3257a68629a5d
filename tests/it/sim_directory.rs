//! Directory API semantics of the simulator: paging, search, ordering, partial responses,
//! gzip, errors, quota, faults and determinism.

use std::collections::HashSet;

use offsync::sim::{FaultSpec, SimConfig, Tenant};
use serde_json::Value;

use super::sim_util::*;

#[tokio::test]
async fn paging_returns_every_device_exactly_once_even_while_devices_sync() {
    let h = start(SimConfig {
        users: 120,
        devices: 330,
        ..SimConfig::default()
    })
    .await;
    let t = admin_token(&h).await;
    let (status, first) = get(&h, &t, &format!("{DEVICES}?maxResults=100")).await;
    assert_eq!(status, 200);
    assert_eq!(first["mobiledevices"].as_array().unwrap().len(), 100);
    // A device on a later page syncs between page requests: it must still appear once.
    let snapshot = h.tenant_snapshot();
    let last = snapshot["mobiledevices"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()["resourceId"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(h.sync_device_now(&last));
    let all = list_all(&h, &t, "").await;
    let got = ids(&all);
    let unique: HashSet<_> = got.iter().collect();
    assert_eq!(got.len(), 330);
    assert_eq!(unique.len(), 330);

    let (status, body) = get(&h, &t, &format!("{DEVICES}?maxResults=101")).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["errors"][0]["reason"], "invalid");

    // A page token is bound to its query.
    let token = first["nextPageToken"].as_str().unwrap();
    let (status, _) = get(
        &h,
        &t,
        &format!("{DEVICES}?query={}&pageToken={token}", enc("type:android")),
    )
    .await;
    assert_eq!(status, 400);
    h.shutdown().await;
}

#[tokio::test]
async fn fields_pretty_print_and_gzip() {
    let h = start(small()).await;
    let t = admin_token(&h).await;
    let (status, body) = get(
        &h,
        &t,
        &format!(
            "{DEVICES}?maxResults=5&fields={}",
            enc("nextPageToken,mobiledevices(resourceId,email,type)")
        ),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.get("kind").is_none());
    assert!(body["nextPageToken"].is_string());
    for d in body["mobiledevices"].as_array().unwrap() {
        let keys: HashSet<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
        assert!(
            keys.is_subset(&HashSet::from(["resourceId", "email", "type"])),
            "{keys:?}"
        );
    }
    let (status, body) = get(
        &h,
        &t,
        "admin/directory/v1/customers/my_customer?fields=postalAddress/countryCode,id",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body.as_object().unwrap().len(), 2);
    assert_eq!(body["postalAddress"].as_object().unwrap().len(), 1);

    let client = reqwest::Client::builder().no_gzip().build().unwrap();
    let url = format!("{}/{DEVICES}?prettyPrint=false", h.base_url);
    let plain = client
        .get(&url)
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!plain.contains('\n'), "compact JSON");
    let resp = client
        .get(&url)
        .bearer_auth(&t)
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-encoding"], "gzip");
    let zipped = resp.bytes().await.unwrap();
    assert!(zipped.len() < plain.len() / 2);
    assert!(h.stats().bytes_sent > 0);
    h.shutdown().await;
}

#[tokio::test]
async fn users_orgunits_domains_customer() {
    let h = start(SimConfig {
        users: 400,
        devices: 10,
        ..SimConfig::default()
    })
    .await;
    let t = admin_token(&h).await;
    let truth = h.tenant_snapshot();
    let staff = truth["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["orgUnitPath"].as_str().unwrap().starts_with("/Staff"))
        .count();
    let mut seen = 0;
    let mut page = String::new();
    loop {
        let (status, body) = get(&h, &t, &format!("admin/directory/v1/users?customer=my_customer&maxResults=50&orderBy=email&query={}{page}", enc("orgUnitPath='/Staff'"))).await;
        assert_eq!(status, 200, "{body}");
        seen += body["users"].as_array().map_or(0, Vec::len);
        match body["nextPageToken"].as_str() {
            Some(tok) => page = format!("&pageToken={tok}"),
            None => break,
        }
    }
    assert_eq!(seen, staff, "orgUnitPath= includes sub-OUs");
    assert_eq!(
        get(
            &h,
            &t,
            "admin/directory/v1/users?customer=my_customer&maxResults=501"
        )
        .await
        .0,
        400
    );
    let (status, body) = get(
        &h,
        &t,
        "admin/directory/v1/customer/my_customer/orgunits?type=all",
    )
    .await;
    assert_eq!(status, 200);
    let paths: Vec<&str> = body["organizationUnits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["orgUnitPath"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"/Pilot") && paths.contains(&"/Staff/Teachers"));
    assert_eq!(
        get(
            &h,
            &t,
            "admin/directory/v1/customer/my_customer/orgunits?orgUnitPath=/Nope"
        )
        .await
        .0,
        404
    );
    let (status, body) = get(&h, &t, "admin/directory/v1/customer/C999/domains").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["errors"][0]["reason"], "notFound");
    let cid = h.credentials.customer_id.clone();
    let (status, body) = get(
        &h,
        &t,
        &format!("admin/directory/v1/customer/{cid}/domains"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["domains"].as_array().unwrap().len(), 2);
    let admin = h.credentials.admin_email.clone();
    let (status, body) = get(&h, &t, &format!("admin/directory/v1/users/{admin}")).await;
    assert_eq!((status, body["isAdmin"].as_bool()), (200, Some(true)));
    h.shutdown().await;
}

#[tokio::test]
async fn device_actions_and_delete() {
    let h = start(small()).await;
    let t = admin_token(&h).await;
    let truth = h.tenant_snapshot();
    let d = truth["mobiledevices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["type"] == "GOOGLE_SYNC" && d["status"] == "APPROVED")
        .unwrap();
    let rid = d["resourceId"].as_str().unwrap();
    let path = format!("{DEVICES}/{rid}");
    let (status, _) = send(
        &h,
        &t,
        reqwest::Method::POST,
        &format!("{path}/action"),
        &serde_json::json!({"action": "block"}),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(get(&h, &t, &path).await.1["status"], "BLOCKED");
    let (status, _) = send(
        &h,
        &t,
        reqwest::Method::POST,
        &format!("{path}/action"),
        &serde_json::json!({"action": "explode"}),
    )
    .await;
    assert_eq!(status, 400);
    let resp = reqwest::Client::new()
        .delete(format!("{}/{path}", h.base_url))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(get(&h, &t, &path).await.0, 404);
    h.shutdown().await;
}

#[tokio::test]
async fn quota_exceeded_is_user_rate_limit() {
    let mut cfg = small();
    cfg.quota_per_minute = Some(3);
    let h = start(cfg).await;
    let t = admin_token(&h).await;
    let mut last = (0, Value::Null);
    for _ in 0..4 {
        last = get(&h, &t, &format!("{DEVICES}?maxResults=1")).await;
    }
    assert_eq!(last.0, 403);
    assert_eq!(
        last.1["error"]["errors"][0]["reason"],
        "userRateLimitExceeded"
    );
    assert!(last.1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Queries per minute per user"));
    h.shutdown().await;
}

#[test]
fn fault_spec_parsing() {
    let spec = FaultSpec::parse(
        "429=0.05,503=0.03,500=0.02,403rate=0.02,timeout=0.01,reset=0.01,expire=0.01",
    )
    .unwrap();
    assert_eq!(spec.unavailable, 0.03);
    assert_eq!(FaultSpec::parse("").unwrap(), FaultSpec::default());
    for bad in ["404=0.1", "503", "503=x", "503=1.5", "503=0.6,500=0.6"] {
        let err = FaultSpec::parse(bad).unwrap_err();
        assert!(!err.is_empty(), "{bad}");
    }
    assert!(FaultSpec::parse("418=0.1")
        .unwrap_err()
        .contains("unknown fault"));
}

#[tokio::test]
async fn faults_are_injected_deterministically() {
    let mut cfg = small();
    cfg.faults = FaultSpec::parse("503=0.3,429=0.2,403rate=0.1").unwrap();
    let h = start(cfg.clone()).await;
    let t = admin_token(&h).await;
    let mut statuses = Vec::new();
    for _ in 0..30 {
        statuses.push(get(&h, &t, &format!("{DEVICES}?maxResults=1")).await.0);
    }
    assert!(statuses.contains(&503) && statuses.contains(&200));
    h.shutdown().await;
    let h = start(cfg).await;
    let t = admin_token(&h).await;
    let mut again = Vec::new();
    for _ in 0..30 {
        again.push(get(&h, &t, &format!("{DEVICES}?maxResults=1")).await.0);
    }
    assert_eq!(statuses, again);
    assert_eq!(
        h.stats().count_status("devices/mobile", 503),
        statuses.iter().filter(|s| **s == 503).count() as u64
    );
    h.shutdown().await;
}

#[test]
fn same_seed_same_tenant() {
    // Unpinned, the clock starts at the real now: pin it to compare two generations.
    let cfg = SimConfig {
        users: 500,
        devices: 900,
        clock: offsync::sim::ClockConfig {
            start: Some("2026-03-02T09:00:00Z".parse().unwrap()),
            speed: 1.0,
        },
        ..SimConfig::default()
    };
    let now = offsync::sim::clock_start(&cfg);
    let a = Tenant::generate(&cfg).dump(now);
    let b = Tenant::generate(&cfg).dump(now);
    assert_eq!(a, b);
    assert_eq!(a["users"].as_array().unwrap().len(), 500);
    assert_eq!(a["mobiledevices"].as_array().unwrap().len(), 900);
    let c = Tenant::generate(&SimConfig { seed: 8, ..cfg }).dump(now);
    assert_ne!(a, c);
}

#[test]
fn large_tenants_have_exact_counts() {
    let cfg = SimConfig {
        users: 50_000,
        devices: 100_000,
        devices_without_email: 10,
        ..SimConfig::default()
    };
    let started = std::time::Instant::now();
    let t = Tenant::generate(&cfg);
    eprintln!(
        "generated 50k users / 100k devices in {:?}",
        started.elapsed()
    );
    assert_eq!(t.users.len(), 50_000);
    assert_eq!(t.devices.len(), 100_000);
    assert_eq!(t.devices.iter().filter(|d| d.owners.is_empty()).count(), 10);
    let pilot = t.ou_by_path("/Pilot").unwrap();
    let in_pilot = t.users.iter().filter(|u| u.ou == pilot).count();
    assert!((1_000..=1_500).contains(&in_pilot), "{in_pilot}");
}
