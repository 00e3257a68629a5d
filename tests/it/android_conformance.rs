//! Every Android Management response the simulator gives, in every upgrade state and for both
//! enterprise types, checked field by field against androidmanagement.v1.json.
use offsync::sim::{AmapiBehaviour as Behaviour, AwaitingReading, EnterpriseType};
use reqwest::Method;
use serde_json::{json, Value};

use super::android_support::*;
use super::sim_conformance::{conforms, doc};
use super::sim_util::{admin_token, get, send};

async fn all_devices(s: &Scene, t: &str) -> Vec<Value> {
    let (am, ent) = (
        doc("androidmanagement.v1.json"),
        &s.env.sim.credentials.enterprise,
    );
    let mut page = String::new();
    let mut out = Vec::new();
    loop {
        let (status, body) = get(
            &s.env.sim,
            t,
            &format!("v1/{ent}/devices?pageSize=37{page}"),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        conforms(&am, "ListDevicesResponse", &body, "devices.list");
        out.extend(body["devices"].as_array().cloned().unwrap_or_default());
        match body["nextPageToken"].as_str() {
            Some(tok) => page = format!("&pageToken={tok}"),
            None => return out,
        }
    }
}

async fn check_everything(s: &Scene) -> Vec<Value> {
    let am = doc("androidmanagement.v1.json");
    let h = &s.env.sim;
    let t = admin_token(h).await;
    let ent = &h.credentials.enterprise;
    let (status, e) = get(h, &t, &format!("v1/{ent}")).await;
    assert_eq!(status, 200);
    conforms(&am, "Enterprise", &e, "enterprises.get");
    let mut page = String::new();
    loop {
        let (status, body) = get(h, &t, &format!("v1/{ent}/policies?pageSize=3{page}")).await;
        assert_eq!(status, 200, "{body}");
        conforms(&am, "ListPoliciesResponse", &body, "policies.list");
        match body["nextPageToken"].as_str() {
            Some(tok) => page = format!("&pageToken={tok}"),
            None => break,
        }
    }
    let devices = all_devices(s, &t).await;
    for d in &devices {
        let (status, one) = get(h, &t, &format!("v1/{}", d["name"].as_str().unwrap())).await;
        assert_eq!(status, 200);
        conforms(&am, "Device", &one, "devices.get");
    }
    devices
}

fn specifics(devices: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = devices
        .iter()
        .flat_map(|d| {
            d["nonComplianceDetails"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|n| {
            format!(
                "{}/{}",
                n["nonComplianceReason"], n["specificNonComplianceReason"]
            )
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[tokio::test]
async fn every_state_and_both_enterprise_types_conform() {
    let mut cfg = frozen();
    cfg.amapi.enterprise_type = EnterpriseType::ManagedGooglePlayAccounts;
    cfg.amapi.awaiting = AwaitingReading::Pending;
    let s = scene(cfg).await;
    let h = &s.env.sim;
    let t = admin_token(h).await;
    let ent = h.credentials.enterprise.clone();
    // A Play accounts enterprise: its shape, and a device reporting a foreign account.
    s.create_policy(
        "x",
        json!({"workAccountSetupConfig": {"authenticationType": "GOOGLE_AUTHENTICATED"}}),
    )
    .await;
    s.take_device("x", Behaviour::Adds, HOUR, false);
    s.advance(2 * HOUR);
    let devices = check_everything(&s).await;
    assert!(specifics(&devices)
        .iter()
        .any(|r| r.contains("NEW_ACCOUNT_NOT_IN_ENTERPRISE")));
    let am = doc("androidmanagement.v1.json");
    let (status, url) = send(
        h,
        &t,
        Method::POST,
        &format!("v1/{ent}:generateEnterpriseUpgradeUrl"),
        &json!({"adminEmail": h.credentials.admin_email}),
    )
    .await;
    assert_eq!(status, 200, "{url}");
    conforms(
        &am,
        "GenerateEnterpriseUpgradeUrlResponse",
        &url,
        "generateEnterpriseUpgradeUrl",
    );
    let (status, _) = send(
        h,
        &t,
        Method::POST,
        &format!("v1/{ent}:generateEnterpriseUpgradeUrl"),
        &json!({"bogus": 1}),
    )
    .await;
    assert_eq!(status, 400, "unknown request fields are refused");
    reqwest::get(url["url"].as_str().unwrap())
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    // A managed Google domain enterprise, days later: every state has been reached.
    s.take_device("x", Behaviour::ForeignFirst, HOUR, false);
    s.take_device("x", Behaviour::Ignores, HOUR, false);
    s.advance(HOUR + 11 * MINUTE);
    let devices = check_everything(&s).await;
    let seen = specifics(&devices);
    for want in [
        "\"PENDING\"/null",
        "\"USER_ACTION\"/\"REQUIRED_ACCOUNT_NOT_IN_ENTERPRISE\"",
        "\"USER_ACTION\"/\"NEW_ACCOUNT_NOT_IN_ENTERPRISE\"",
    ] {
        assert!(seen.iter().any(|s| s == want), "{want} not among {seen:?}");
    }
    let (status, body) = send(
        h,
        &t,
        Method::POST,
        &format!("v1/{ent}:generateEnterpriseUpgradeUrl"),
        &json!({}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    // A masked patch of an unknown field is refused; the patched policy conforms.
    let (status, _) = send(
        h,
        &t,
        Method::PATCH,
        &format!("v1/{ent}/policies/x?updateMask=noSuchField"),
        &json!({}),
    )
    .await;
    assert_eq!(status, 400);
    let (status, body) = send(h, &t, Method::PATCH, &format!("v1/{ent}/policies/x?updateMask=policyEnforcementRules"),
        &json!({"policyEnforcementRules": [{"settingName": "workAccountSetupConfig", "blockAction": {"blockAfterDays": 1, "blockScope": "BLOCK_SCOPE_DEVICE"}, "wipeAction": {"wipeAfterDays": 2, "preserveFrp": false}}]})).await;
    assert_eq!(status, 200);
    conforms(&am, "Policy", &body, "policies.patch");
    assert_eq!(
        body["workAccountSetupConfig"]["authenticationType"], "GOOGLE_AUTHENTICATED",
        "the mask kept it"
    );
    h.advance(3 * DAY);
    check_everything(&s).await;
}
