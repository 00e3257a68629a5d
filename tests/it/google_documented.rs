//! Every request offsync sends must use a path and query parameters that Google's
//! discovery documents describe. The simulator records the parameter names per route;
//! this test drives every client offsync has and checks each route against
//! `assets/discovery`. It is the request-side twin of `sim_conformance`.
use std::collections::BTreeSet;

use futures::StreamExt;
use offsync::google::amapi::{PolicyPatch, WorkAccountSetupConfig};
use offsync::google::gmail::ImapSettings;
use offsync::google::load_inventory;
use offsync::model::{DeviceAction, Query};
use serde_json::Value;

use super::google_util::{env, small};

const DOCS: [&str; 5] = [
    include_str!("../../assets/discovery/admin.directory_v1.json"),
    include_str!("../../assets/discovery/admin.reports_v1.json"),
    include_str!("../../assets/discovery/cloudidentity.v1.json"),
    include_str!("../../assets/discovery/gmail.v1.json"),
    include_str!("../../assets/discovery/androidmanagement.v1.json"),
];

/// (HTTP method, path template with `{}` placeholders, allowed query parameters).
fn documented() -> Vec<(String, String, BTreeSet<String>)> {
    let mut out = Vec::new();
    for text in DOCS {
        let doc: Value = serde_json::from_str(text).unwrap();
        let service = doc["servicePath"].as_str().unwrap_or("").to_string();
        let common: BTreeSet<String> = doc["parameters"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        walk(&doc, &service, &common, &mut out);
    }
    out
}

fn walk(
    node: &Value,
    service: &str,
    common: &BTreeSet<String>,
    out: &mut Vec<(String, String, BTreeSet<String>)>,
) {
    for m in node["methods"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
    {
        let path = m["flatPath"].as_str().or(m["path"].as_str()).unwrap_or("");
        let mut params = common.clone();
        for (k, v) in m["parameters"].as_object().into_iter().flatten() {
            if v["location"] == "query" {
                params.insert(k.clone());
            }
        }
        let method = m["httpMethod"].as_str().unwrap_or("").to_string();
        out.push((method, placeholders(&format!("/{service}{path}")), params));
    }
    for r in node["resources"]
        .as_object()
        .into_iter()
        .flat_map(|r| r.values())
    {
        walk(r, service, common, out);
    }
}

/// `/a/{x}/b/{+y}` → `/a/{}/b/{}`.
fn placeholders(path: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for ch in path.chars() {
        match ch {
            '{' => {
                depth += 1;
                out.push_str("{}");
            }
            '}' => depth -= 1,
            _ if depth > 0 => {}
            c => out.push(c),
        }
    }
    out
}

#[tokio::test]
async fn every_request_offsync_sends_is_documented() {
    let env = env(small()).await;
    let c = env.clients();
    let inv = load_inventory(
        &c,
        Some(&Query::parse_google("type:google_sync").unwrap()),
        |_| {},
    )
    .await
    .expect("inventory");
    let all = load_inventory(&c, None, |_| {}).await.expect("inventory");
    let device = &all.devices[0];
    c.directory.mobiledevice(&device.resource_id).await.unwrap();
    c.directory
        .mobiledevice_action(&device.resource_id, DeviceAction::Block)
        .await
        .unwrap();
    c.directory
        .mobiledevice_action(&device.resource_id, DeviceAction::Delete)
        .await
        .unwrap();
    c.directory.customer().await.unwrap();
    c.directory.domains().await.unwrap();
    c.directory.orgunits().await.unwrap();
    let _ = c.directory.users_in_ou("/Pilot").collect::<Vec<_>>().await;
    let _ = c.policy.list(None).collect::<Vec<_>>().await;
    let _ = c
        .reports
        .gmail_usage("2026-11-01")
        .collect::<Vec<_>>()
        .await;
    let _ = c
        .reports
        .admin_activities(None, None)
        .collect::<Vec<_>>()
        .await;
    let user = &all.users[1].primary_email;
    let imap = c.gmail.get_imap(user).await.unwrap();
    c.gmail
        .update_imap(
            user,
            &ImapSettings {
                enabled: Some(true),
                ..imap
            },
        )
        .await
        .unwrap();
    let amapi = c.amapi.as_ref().expect("the simulator has an enterprise");
    let _ = amapi.devices().collect::<Vec<_>>().await;
    amapi.policy("pilot").await.unwrap();
    let _ = amapi.policies().collect::<Vec<_>>().await;
    amapi.get_enterprise().await.unwrap();
    let patch = PolicyPatch::new().work_account_setup_config(&WorkAccountSetupConfig {
        authentication_type: Some("GOOGLE_AUTHENTICATED".into()),
        required_account_email: None,
    });
    amapi.patch_policy("pilot", &patch).await.unwrap();
    // A managed Google domain enterprise refuses it (400), but the request is what counts.
    let _ = amapi.generate_enterprise_upgrade_url(None, &[]).await;
    assert!(!inv.devices.is_empty());

    let docs = documented();
    // The checker itself: a real route is found, with its own parameters and no others.
    let list = docs
        .iter()
        .find(|(m, p, _)| m == "GET" && p == "/admin/directory/v1/customer/{}/devices/mobile")
        .expect("mobiledevices.list is documented");
    assert!(list.2.contains("orderBy") && list.2.contains("fields") && !list.2.contains("bogus"));
    let stats = env.sim.stats();
    let mut problems = Vec::new();
    for (route, params) in &stats.params_by_route {
        let Some((method, path)) = route.split_once(' ') else {
            continue;
        };
        if path == "/token" {
            continue; // OAuth, not part of any API's discovery document
        }
        let mut path = placeholders(path);
        // The router cannot split `{enterprisesId}:verb` inside one segment, so the one POST
        // on an enterprise (its handler accepts only this verb) is matched as that verb.
        if method == "POST" && path == "/v1/enterprises/{}" {
            path.push_str(":generateEnterpriseUpgradeUrl");
        }
        let Some((_, _, allowed)) = docs.iter().find(|(m, p, _)| m == method && *p == path) else {
            problems.push(format!(
                "{route}: no such method in the discovery documents"
            ));
            continue;
        };
        for p in params.difference(allowed) {
            problems.push(format!("{route}: query parameter `{p}` is not documented"));
        }
    }
    assert!(
        stats.params_by_route.len() >= 15,
        "drove every client: {:?}",
        stats.params_by_route.keys()
    );
    assert!(
        problems.is_empty(),
        "undocumented requests:\n{}",
        problems.join("\n")
    );
    env.sim.shutdown().await;
}
