//! Conformance: every JSON response the simulator gives, on every route, is checked field by
//! field against Google's discovery schemas in `assets/discovery` — each field documented, JSON
//! types right (`int64` as strings), enum values valid. Generic over schemas, so a field invented
//! anywhere in the simulator fails here.

use reqwest::Method;
use serde_json::{json, Value};

use offsync::sim::SimConfig;

use super::sim_util::*;

pub(super) fn doc(file: &str) -> Value {
    let path = format!("{}/assets/discovery/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Checks `v` against `schema` (resolving `$ref` in `d`), collecting problems with their paths.
fn check(d: &Value, schema: &Value, v: &Value, path: &str, errs: &mut Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        let target = &d["schemas"][r];
        assert!(target.is_object(), "unknown $ref {r}");
        return check(d, target, v, path, errs);
    }
    let ty = schema["type"].as_str().unwrap_or("any");
    let mut bad = |what: &str| errs.push(format!("{path}: {what}, got {v}"));
    match ty {
        "any" => {}
        "string" => match v.as_str() {
            None => bad("expected a JSON string"),
            Some(s) => {
                if let Some(allowed) = schema["enum"].as_array() {
                    if !allowed.iter().any(|a| a == s) {
                        bad("value not in enum");
                    }
                }
                match schema["format"].as_str() {
                    Some("int64" | "uint64") if s.parse::<i128>().is_err() => {
                        bad("int64 must be a decimal string")
                    }
                    Some("date-time" | "google-datetime")
                        if chrono::DateTime::parse_from_rfc3339(s).is_err() =>
                    {
                        bad("not RFC 3339")
                    }
                    _ => {}
                }
            }
        },
        "integer" if !(v.is_i64() || v.is_u64()) => bad("expected an integer"),
        "number" if !v.is_number() => bad("expected a number"),
        "boolean" if !v.is_boolean() => bad("expected a boolean"),
        "array" => match v.as_array() {
            None => bad("expected an array"),
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    check(d, &schema["items"], item, &format!("{path}[{i}]"), errs);
                }
            }
        },
        "object" => match v.as_object() {
            None => bad("expected an object"),
            Some(map) => {
                for (k, val) in map {
                    let sub = format!("{path}.{k}");
                    if let Some(p) = schema["properties"].get(k) {
                        check(d, p, val, &sub, errs);
                    } else if let Some(extra) = schema.get("additionalProperties") {
                        check(d, extra, val, &sub, errs);
                    } else {
                        errs.push(format!("{sub}: field not documented in discovery"));
                    }
                }
            }
        },
        _ => {}
    }
}

pub(super) fn conforms(d: &Value, schema: &str, v: &Value, what: &str) {
    assert!(v.is_object(), "{what}: no JSON body");
    let mut errs = Vec::new();
    check(d, &json!({"$ref": schema}), v, schema, &mut errs);
    assert!(
        errs.is_empty(),
        "{what} does not conform:\n{}",
        errs.join("\n")
    );
}

async fn ok(h: &offsync::sim::SimHandle, t: &str, path: &str) -> Value {
    let (status, body) = get(h, t, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

#[tokio::test]
async fn every_response_matches_discovery() {
    let mut cfg = SimConfig {
        users: 80,
        devices: 300,
        ..SimConfig::default()
    };
    cfg.devices_without_email = 2;
    cfg.imap_policy_mutable = true;
    let h = start(cfg).await;
    let t = admin_token(&h).await;
    let dir = doc("admin.directory_v1.json");
    let rep = doc("admin.reports_v1.json");
    let ci = doc("cloudidentity.v1.json");
    let gm = doc("gmail.v1.json");
    let am = doc("androidmanagement.v1.json");

    // Directory.
    for q in [
        "",
        "&projection=BASIC",
        "&projection=FULL&orderBy=lastSync",
        "&query=type:android",
    ] {
        let body = ok(&h, &t, &format!("{DEVICES}?maxResults=100{q}")).await;
        conforms(&dir, "MobileDevices", &body, DEVICES);
    }
    let all = list_all(&h, &t, "").await;
    for d in &all {
        conforms(&dir, "MobileDevice", d, "mobile device");
    }
    let rid = all[0]["resourceId"].as_str().unwrap();
    conforms(
        &dir,
        "MobileDevice",
        &ok(&h, &t, &format!("{DEVICES}/{rid}")).await,
        "device get",
    );
    let users = ok(
        &h,
        &t,
        "admin/directory/v1/users?customer=my_customer&maxResults=500&projection=full",
    )
    .await;
    conforms(&dir, "Users", &users, "users list");
    let admin = h.credentials.admin_email.clone();
    conforms(
        &dir,
        "User",
        &ok(&h, &t, &format!("admin/directory/v1/users/{admin}")).await,
        "user get",
    );
    for ty in ["all", "children", "allIncludingParent"] {
        let body = ok(
            &h,
            &t,
            &format!("admin/directory/v1/customer/my_customer/orgunits?type={ty}"),
        )
        .await;
        conforms(&dir, "OrgUnits", &body, "orgunits");
    }
    conforms(
        &dir,
        "OrgUnit",
        &ok(
            &h,
            &t,
            "admin/directory/v1/customer/my_customer/orgunits/Staff/Teachers",
        )
        .await,
        "ou get",
    );
    conforms(
        &dir,
        "Domains2",
        &ok(&h, &t, "admin/directory/v1/customer/my_customer/domains").await,
        "domains",
    );
    conforms(
        &dir,
        "Customer",
        &ok(&h, &t, "admin/directory/v1/customers/my_customer").await,
        "customer",
    );

    // Reports.
    let date = (h.now() - chrono::Duration::days(3))
        .format("%Y-%m-%d")
        .to_string();
    let usage = ok(&h, &t, &format!("admin/reports/v1/usage/users/all/dates/{date}?parameters={}", enc("gmail:timestamp_last_imap,gmail:timestamp_last_webmail,gmail:timestamp_last_interaction"))).await;
    assert!(!usage["usageReports"].as_array().unwrap().is_empty());
    conforms(&rep, "UsageReports", &usage, "usage");
    let acts = ok(&h, &t, "admin/reports/v1/activity/users/all/applications/admin?eventName=CHANGE_APPLICATION_SETTING").await;
    assert!(!acts["items"].as_array().unwrap().is_empty());
    conforms(&rep, "Activities", &acts, "activities");

    // Cloud Identity Policy.
    let pols = ok(
        &h,
        &t,
        &format!(
            "v1/policies?filter={}",
            enc("setting.type.matches('gmail.imap_access')")
        ),
    )
    .await;
    conforms(&ci, "ListPoliciesResponse", &pols, "policies");
    let first = pols["policies"][0]["name"].as_str().unwrap().to_string();
    conforms(
        &ci,
        "Policy",
        &ok(&h, &t, &format!("v1/{first}")).await,
        "policy get",
    );
    let all_pols = ok(&h, &t, "v1/policies").await;
    conforms(&ci, "ListPoliciesResponse", &all_pols, "policies");
    let (status, op) = send(&h, &t, Method::PATCH, &format!("v1/{first}"), &json!({"setting": {"type": "settings/gmail.imap_access", "value": {"enableImapAccess": true}}})).await;
    assert_eq!(status, 200, "{op}");
    conforms(&ci, "Operation", &op, "policy patch");
    let pilot = ok(
        &h,
        &t,
        "admin/directory/v1/customer/my_customer/orgunits/Pilot",
    )
    .await;
    let pilot_id = pilot["orgUnitId"]
        .as_str()
        .unwrap()
        .trim_start_matches("id:")
        .to_string();
    let (status, op) = send(&h, &t, Method::POST, "v1/policies", &json!({"customer": "customers/my_customer", "policyQuery": {"orgUnit": format!("orgUnits/{pilot_id}")}, "setting": {"type": "settings/gmail.imap_access", "value": {"enableImapAccess": true}}})).await;
    assert_eq!(status, 200, "{op}");
    conforms(&ci, "Operation", &op, "policy create");
    let api_control = all_pols["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["setting"]["type"]
                .as_str()
                .unwrap()
                .contains("api_controls")
        })
        .unwrap();
    let (status, _) = send(
        &h,
        &t,
        Method::PATCH,
        &format!("v1/{}", api_control["name"].as_str().unwrap()),
        &json!({"setting": {"type": api_control["setting"]["type"], "value": {}}}),
    )
    .await;
    assert_eq!(status, 400, "api_controls settings are not mutable");

    // Gmail, as the user (domain-wide delegation as the subject itself).
    let gt = token_for(
        &h,
        Some(&admin),
        "https://www.googleapis.com/auth/gmail.settings.basic",
    )
    .await;
    conforms(
        &gm,
        "ImapSettings",
        &ok(&h, &gt, "gmail/v1/users/me/settings/imap").await,
        "imap get",
    );
    let (status, body) = send(
        &h,
        &gt,
        Method::PUT,
        &format!("gmail/v1/users/{admin}/settings/imap"),
        &json!({"enabled": true, "maxFolderSize": 1000}),
    )
    .await;
    assert_eq!(status, 200);
    conforms(&gm, "ImapSettings", &body, "imap put");
    let someone = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["primaryEmail"] != admin.as_str())
        .unwrap()["primaryEmail"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        get(&h, &gt, &format!("gmail/v1/users/{someone}/settings/imap"))
            .await
            .0,
        403
    );

    // Android Management.
    let ent = h.credentials.enterprise.clone();
    conforms(
        &am,
        "Enterprise",
        &ok(&h, &t, &format!("v1/{ent}")).await,
        "enterprise",
    );
    let mut page = String::new();
    let mut devices = Vec::new();
    loop {
        let body = ok(&h, &t, &format!("v1/{ent}/devices?pageSize=100{page}")).await;
        conforms(&am, "ListDevicesResponse", &body, "amapi devices");
        devices.extend(body["devices"].as_array().cloned().unwrap_or_default());
        match body["nextPageToken"].as_str() {
            Some(tok) => page = format!("&pageToken={tok}"),
            None => break,
        }
    }
    assert!(devices.iter().any(|d| d["nonComplianceDetails"].is_array()));
    let dname = devices[0]["name"].as_str().unwrap();
    conforms(
        &am,
        "Device",
        &ok(&h, &t, &format!("v1/{dname}")).await,
        "amapi device",
    );
    for p in ["default", "pilot", "staff"] {
        conforms(
            &am,
            "Policy",
            &ok(&h, &t, &format!("v1/{ent}/policies/{p}")).await,
            "amapi policy",
        );
    }
    let (status, body) = send(&h, &t, Method::PATCH, &format!("v1/{ent}/policies/pilot?updateMask=workAccountSetupConfig"), &json!({"workAccountSetupConfig": {"authenticationType": "GOOGLE_AUTHENTICATED", "requiredAccountEmail": admin}})).await;
    assert_eq!(status, 200);
    conforms(&am, "Policy", &body, "amapi patch");
    assert!(
        body["policyEnforcementRules"].is_array(),
        "a masked patch keeps other fields"
    );
    let (status, body) = send(
        &h,
        &t,
        Method::PATCH,
        &format!("v1/{ent}/policies/pilot"),
        &json!({"workAccountSetupConfig": {"authenticationType": "GOOGLE_AUTHENTICATED"}}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        body.get("policyEnforcementRules").is_none(),
        "no mask overwrites every field"
    );
    let rules = json!({"policyEnforcementRules": [{"settingName": "workAccountSetupConfig", "blockAction": {"blockAfterDays": 30}, "wipeAction": {"wipeAfterDays": 30}}]});
    assert_eq!(
        send(
            &h,
            &t,
            Method::PATCH,
            &format!("v1/{ent}/policies/pilot?updateMask=policyEnforcementRules"),
            &rules
        )
        .await
        .0,
        400
    );

    // Discovery documents are served with the simulator as root.
    let d = ok(&h, &t, "$discovery/rest?version=directory_v1").await;
    assert_eq!(d["rootUrl"], format!("{}/", h.base_url));
    let d = ok(&h, &t, "discovery/v1/apis/androidmanagement/v1/rest").await;
    assert_eq!(d["name"], "androidmanagement");
    h.shutdown().await;
}

#[test]
fn the_checker_rejects_invented_fields_and_wrong_types() {
    let dir = doc("admin.directory_v1.json");
    let mut errs = Vec::new();
    let v = json!({"resourceId": "x", "ownerOu": "/Sales", "securityPatchLevel": 5, "firstSync": "yesterday"});
    check(
        &dir,
        &json!({"$ref": "MobileDevice"}),
        &v,
        "MobileDevice",
        &mut errs,
    );
    assert_eq!(errs.len(), 3, "{errs:?}");
    let am = doc("androidmanagement.v1.json");
    let mut errs = Vec::new();
    check(
        &am,
        &json!({"$ref": "Device"}),
        &json!({"state": "HAPPY"}),
        "Device",
        &mut errs,
    );
    assert_eq!(errs.len(), 1);
}
