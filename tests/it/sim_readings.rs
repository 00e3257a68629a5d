//! The simulator's readings of what Google's documentation leaves open, each an option:
//! `email:` by address prefix or by word starts, a lagging search index, what an unknown
//! `type:` token gets, documented `sync:` date-times, and the quota windows per API.
use std::time::Duration;

use offsync::sim::{EmailMatch, QuotaWindow, UnknownTypeToken};
use serde_json::Value;

use super::sim_util::*;

fn q(s: &str) -> String {
    format!("&query={}", enc(s))
}

#[tokio::test]
async fn email_by_word_starts_matches_domain_words_and_later_local_words() {
    let mut cfg = small();
    cfg.email_match = EmailMatch::WordStart;
    let h = start(cfg).await;
    let t = admin_token(&h).await;
    let truth = h.tenant_snapshot();
    let all = truth["mobiledevices"].as_array().unwrap().len();
    let domain = truth["domains"][0].as_str().unwrap().to_string();
    let first = &domain[..1];
    // Every address is at the primary or secondary domain: the primary's first letter
    // matches at least the devices of that domain, far beyond an address prefix.
    let got = list_all(&h, &t, &q(&format!("email:{first}*"))).await;
    let prefixed = |d: &Value| {
        d["email"]
            .as_array()
            .is_some_and(|e| e.iter().any(|a| a.as_str().unwrap().starts_with(first)))
    };
    assert!(got.iter().any(|d| !prefixed(d)), "word matching");
    assert!(got.len() > all / 3, "{} of {all}", got.len());
    // The same query by address prefix returns only prefixed devices.
    let h2 = start(small()).await;
    let t2 = admin_token(&h2).await;
    let got = list_all(&h2, &t2, &q(&format!("email:{first}*"))).await;
    assert!(got.iter().all(prefixed));
    h.shutdown().await;
    h2.shutdown().await;
}

#[tokio::test]
async fn a_lagging_index_hides_new_devices_from_queries_only() {
    let mut cfg = small();
    cfg.devices = 400;
    cfg.search_lag = Duration::from_secs(36 * 3600);
    cfg.search_lag_share = 0.1;
    let h = start(cfg).await;
    let t = admin_token(&h).await;
    let plain = list_all(&h, &t, "").await;
    let ordered = list_all(&h, &t, "&orderBy=lastSync&sortOrder=DESCENDING").await;
    assert_eq!(plain.len(), 400);
    assert_eq!(ordered.len(), 400);
    // Every device has one of the three types: their union is what the index holds.
    let mut queried = Vec::new();
    for ty in ["google_sync", "ios_sync", "android"] {
        queried.extend(list_all(&h, &t, &q(&format!("type:{ty}"))).await);
    }
    let hidden: Vec<&Value> = plain
        .iter()
        .filter(|d| !ids(&queried).contains(&d["resourceId"].as_str().unwrap().to_string()))
        .collect();
    assert!(!hidden.is_empty() && hidden.len() < 100, "{}", hidden.len());
    // The hidden ones are new (created within the lag), and `get` shows them.
    let now = h.now();
    for d in &hidden {
        let first: chrono::DateTime<chrono::Utc> =
            d["firstSync"].as_str().unwrap().parse().unwrap();
        assert!(now - first <= chrono::Duration::hours(36), "{d}");
    }
    let rid = hidden[0]["resourceId"].as_str().unwrap();
    let (status, _) = get(&h, &t, &format!("{DEVICES}/{rid}")).await;
    assert_eq!(status, 200);
    // Once the lag has passed, queries see them.
    h.advance(Duration::from_secs(36 * 3600));
    let mut n = 0;
    for ty in ["google_sync", "ios_sync", "android"] {
        n += list_all(&h, &t, &q(&format!("type:{ty}"))).await.len();
    }
    assert_eq!(n, 400);
    h.shutdown().await;
}

#[tokio::test]
async fn an_unknown_google_sync_token_is_a_400_or_an_empty_result() {
    for (reading, want) in [
        (UnknownTypeToken::Reject, 400),
        (UnknownTypeToken::Empty, 200),
    ] {
        let mut cfg = small();
        cfg.google_sync_type_tokens = vec!["google_sync".into()];
        cfg.unknown_type_token = reading;
        let h = start(cfg).await;
        let t = admin_token(&h).await;
        let (status, body) = get(&h, &t, &format!("{DEVICES}?query=type%3Agooglesync")).await;
        assert_eq!(status, want, "{body}");
        if want == 200 {
            assert!(body["mobiledevices"].is_null(), "empty: {body}");
        }
        let known = list_all(&h, &t, &q("type:google_sync")).await;
        assert!(!known.is_empty());
        h.shutdown().await;
    }
}

#[tokio::test]
async fn sync_takes_documented_date_times_inclusively() {
    let h = start(small()).await;
    let t = admin_token(&h).await;
    let all = list_all(&h, &t, "").await;
    let d = all.iter().find(|d| d["lastSync"].is_string()).unwrap();
    let at = &d["lastSync"].as_str().unwrap()[..19]; // 2026-01-02T03:04:05
    let rid = d["resourceId"].as_str().unwrap().to_string();
    for query in [
        format!("sync:{at}"),
        format!("sync:{at}..{at}"),
        format!("sync:..{at}"),
        format!("sync:{at}.."),
    ] {
        let got = list_all(&h, &t, &q(&query)).await;
        assert!(ids(&got).contains(&rid), "{query}");
    }
    let (status, _) = get(
        &h,
        &t,
        &format!("{DEVICES}?query={}", enc("sync:2026-01-02T25:00:00")),
    )
    .await;
    assert_eq!(status, 400);
    h.shutdown().await;
}

#[tokio::test]
async fn a_strict_per_second_quota_refuses_bursts_a_minute_window_allows() {
    for (window, refused) in [
        (QuotaWindow::FixedMinute, false),
        (QuotaWindow::StrictSecond, true),
    ] {
        let mut cfg = small();
        cfg.quota_per_minute = Some(120); // 2 per second when strict
        cfg.quota_window = window;
        let h = start(cfg).await;
        let t = admin_token(&h).await;
        let mut statuses = Vec::new();
        for _ in 0..4 {
            statuses.push(get(&h, &t, &format!("{DEVICES}?maxResults=1")).await.0);
        }
        assert_eq!(statuses.contains(&403), refused, "{window:?}: {statuses:?}");
        h.shutdown().await;
    }
}

#[tokio::test]
async fn android_management_has_its_own_per_project_quota() {
    let mut cfg = small();
    cfg.quota_per_minute = Some(1000);
    cfg.amapi_quota_per_100s = Some(2);
    let h = start(cfg).await;
    let t = token_for(
        &h,
        Some(&h.credentials.admin_email),
        "https://www.googleapis.com/auth/androidmanagement",
    )
    .await;
    let path = format!("v1/{}/devices", h.credentials.enterprise);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(get(&h, &t, &path).await.0);
    }
    assert_eq!(statuses, [200, 200, 429]);
    // The Directory quota is apart.
    let t = admin_token(&h).await;
    assert_eq!(get(&h, &t, &format!("{DEVICES}?maxResults=1")).await.0, 200);
    h.shutdown().await;
}
