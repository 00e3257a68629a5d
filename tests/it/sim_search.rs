//! Mobile-device search and ordering in the simulator: the documented query operators, the
//! configurable Google Sync type tokens, and `orderBy=email` in both directions.

use serde_json::Value;

use super::sim_util::*;

#[tokio::test]
async fn order_by_email_both_directions() {
    let mut cfg = small();
    cfg.devices_without_email = 3;
    let h = start(cfg).await;
    let t = admin_token(&h).await;
    let first_email = |d: &Value| d["email"][0].as_str().unwrap_or("").to_string();
    let asc = list_all(&h, &t, "&orderBy=email&sortOrder=ASCENDING").await;
    let emails: Vec<String> = asc.iter().map(first_email).collect();
    let mut sorted = emails.clone();
    sorted.sort();
    assert_eq!(emails, sorted);
    assert_eq!(emails[0], "", "devices without email sort first");
    let desc = list_all(&h, &t, "&orderBy=email&sortOrder=DESCENDING").await;
    let mut emails_desc: Vec<String> = desc.iter().map(first_email).collect();
    emails_desc.reverse();
    assert_eq!(emails_desc, sorted);
    assert_eq!(asc.len(), 250);
    h.shutdown().await;
}

#[tokio::test]
async fn search_semantics() {
    let h = start(small()).await;
    let t = admin_token(&h).await;
    let truth = h.tenant_snapshot();
    let devices = truth["mobiledevices"].as_array().unwrap();
    let search = |q: &str| format!("&query={}", enc(q));

    let sync_count = devices
        .iter()
        .filter(|d| d["type"] == "GOOGLE_SYNC")
        .count();
    for token in ["type:google_sync", "type:googlesync", "TYPE:GoogleSync"] {
        let got = list_all(&h, &t, &search(token)).await;
        assert_eq!(got.len(), sync_count, "{token}");
        assert!(got.iter().all(|d| d["type"] == "GOOGLE_SYNC"));
    }

    // email: any of the device's emails; trailing * = prefix.
    let multi = devices
        .iter()
        .find(|d| d["email"].as_array().is_some_and(|e| e.len() > 1));
    if let Some(multi) = multi {
        let second = multi["email"][1].as_str().unwrap();
        let got = list_all(&h, &t, &search(&format!("email:{second}"))).await;
        assert!(ids(&got).contains(&multi["resourceId"].as_str().unwrap().to_string()));
    }
    let someone = devices[0]["email"][0].as_str().unwrap();
    let prefix = &someone[..3];
    let got = list_all(&h, &t, &search(&format!("email:{prefix}*"))).await;
    let expect = devices
        .iter()
        .filter(|d| {
            d["email"]
                .as_array()
                .is_some_and(|e| e.iter().any(|x| x.as_str().unwrap().starts_with(prefix)))
        })
        .count();
    assert_eq!(got.len(), expect);

    // sync ranges are inclusive days; never-synced devices never match.
    let day = |d: &Value| d["lastSync"].as_str().map(|s| s[..10].to_string());
    let some_day = devices.iter().find_map(day).unwrap();
    let on_day = devices
        .iter()
        .filter(|d| day(d).as_deref() == Some(some_day.as_str()))
        .count();
    assert_eq!(
        list_all(&h, &t, &search(&format!("sync:{some_day}")))
            .await
            .len(),
        on_day
    );
    let from = devices
        .iter()
        .filter(|d| day(d).is_some_and(|x| x >= some_day))
        .count();
    assert_eq!(
        list_all(&h, &t, &search(&format!("sync:{some_day}..")))
            .await
            .len(),
        from
    );
    let until = devices
        .iter()
        .filter(|d| day(d).is_some_and(|x| x <= some_day))
        .count();
    assert_eq!(
        list_all(&h, &t, &search(&format!("sync:..{some_day}")))
            .await
            .len(),
        until
    );
    let synced = devices.iter().filter(|d| d["lastSync"].is_string()).count();
    assert!(
        synced < devices.len(),
        "the tenant has never-synced devices"
    );
    assert_eq!(
        list_all(&h, &t, &search("sync:2000-01-01..2100-01-01"))
            .await
            .len(),
        synced
    );
    let both = list_all(&h, &t, &search(&format!("type:android sync:{some_day}.."))).await;
    assert!(both.iter().all(|d| d["type"] == "ANDROID"));

    for bad in [
        "colour:red",
        "email",
        "sync:yesterday",
        "type:blackberry",
        "email:\"open",
    ] {
        let (status, body) = get(&h, &t, &format!("{DEVICES}?query={}", enc(bad))).await;
        assert_eq!(status, 400, "{bad}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("Invalid Input"),
            "{bad}"
        );
    }
    h.shutdown().await;
}

#[tokio::test]
async fn type_tokens_are_configurable() {
    let mut cfg = small();
    cfg.google_sync_type_tokens = vec!["googlesync".into()];
    let h = start(cfg).await;
    let t = admin_token(&h).await;
    assert_eq!(
        get(&h, &t, &format!("{DEVICES}?query=type:googlesync"))
            .await
            .0,
        200
    );
    assert_eq!(
        get(&h, &t, &format!("{DEVICES}?query=type:google_sync"))
            .await
            .0,
        400
    );
    h.shutdown().await;
}
