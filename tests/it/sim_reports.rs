//! Reports `activities.list` as the discovery document describes it: `startTime`/`endTime`
//! bound the window, pages follow `nextPageToken` newest first without gaps or repeats, a
//! token is bound to its query, and a start after now or after the end is a 400.
use chrono::{Duration, SecondsFormat};
use offsync::sim::{ClockConfig, SimConfig};
use serde_json::Value;

use crate::sim_util::{admin_token, enc, get, start};

const ACTIVITIES: &str = "admin/reports/v1/activity/users/all/applications/admin";

fn times(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["id"]["time"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn activities_honour_the_window_and_page() {
    let h = start(SimConfig {
        users: 30,
        devices: 40,
        clock: ClockConfig {
            start: None,
            speed: 0.0,
        },
        ..SimConfig::default()
    })
    .await;
    // Twelve more console changes, one an hour over the last twelve hours.
    h.with_tenant(|t, now| {
        let proto = t.audit[0].clone();
        for i in 1..=12 {
            let mut e = proto.clone();
            e.time = now - i * 3600;
            e.new = format!("v{i}");
            t.audit.push(e);
        }
    });
    let tok = admin_token(&h).await;
    let now = h.now();
    let rfc = |d: chrono::DateTime<chrono::Utc>| enc(&d.to_rfc3339_opts(SecondsFormat::Secs, true));
    let since = rfc(now - Duration::minutes(330)); // 5.5 h: the five newest
    let (status, body) = get(&h, &tok, &format!("{ACTIVITIES}?startTime={since}")).await;
    assert_eq!(status, 200, "{body}");
    let window = body["items"].as_array().unwrap().clone();
    assert_eq!(window.len(), 5);
    let t = times(&window);
    assert!(t.windows(2).all(|w| w[0] > w[1]), "newest first: {t:?}");

    let end = rfc(now - Duration::minutes(150)); // 2.5 h ago: drops the two newest
    let (_, body) = get(
        &h,
        &tok,
        &format!("{ACTIVITIES}?startTime={since}&endTime={end}"),
    )
    .await;
    assert_eq!(body["items"].as_array().unwrap().len(), 3);

    // One per page, across everything (the generated ones are weeks old): no gaps, no repeats.
    let (_, all) = get(&h, &tok, ACTIVITIES).await;
    let all = times(all["items"].as_array().unwrap());
    let mut paged = Vec::new();
    let mut token = String::new();
    loop {
        let (status, body) = get(&h, &tok, &format!("{ACTIVITIES}?maxResults=1{token}")).await;
        assert_eq!(status, 200, "{body}");
        paged.extend(times(body["items"].as_array().unwrap()));
        match body["nextPageToken"].as_str() {
            Some(t) => token = format!("&pageToken={t}"),
            None => break,
        }
    }
    assert_eq!(paged, all);
    assert!(all.len() >= 13, "{all:?}");

    // A token from one window is refused in another.
    let (_, first) = get(
        &h,
        &tok,
        &format!("{ACTIVITIES}?maxResults=1&startTime={since}"),
    )
    .await;
    let t = first["nextPageToken"].as_str().unwrap();
    let (status, _) = get(
        &h,
        &tok,
        &format!("{ACTIVITIES}?maxResults=1&pageToken={t}"),
    )
    .await;
    assert_eq!(status, 400);

    for bad in [
        format!("startTime={}", rfc(now + Duration::hours(1))),
        format!(
            "startTime={since}&endTime={}",
            rfc(now - Duration::hours(8))
        ),
        "startTime=yesterday".to_string(),
    ] {
        let (status, body) = get(&h, &tok, &format!("{ACTIVITIES}?{bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
}
