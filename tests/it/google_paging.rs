//! Listings against the simulator: every device and user arrives once, partitioned or not;
//! read-only mode sends nothing.
use std::collections::BTreeSet;

use futures::StreamExt;
use offsync::google::partition;
use offsync::google::{load_inventory, page, stream_inventory_with, Error, Listing, LoadEvent};
use offsync::model::{DeviceAction, Query};
use offsync::sim::SimConfig;

use crate::google_util::{env, small};

fn ids(devs: &[offsync::model::Device]) -> Vec<String> {
    devs.iter().map(|d| d.resource_id.clone()).collect()
}

#[tokio::test]
async fn plain_and_partitioned_listings_agree_with_the_tenant() {
    let e = env(SimConfig {
        users: 60,
        devices: 450,
        ..SimConfig::default()
    })
    .await;
    let c = e.clients();
    let (plain, err) = page::collect(c.directory.mobiledevices(Default::default())).await;
    assert!(err.is_none(), "{err:?}");
    let truth = e.sim.tenant_snapshot();
    let n = truth["devices"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(plain.len());
    assert_eq!(plain.len(), n);
    assert!(plain.len() > 400);

    let paths = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = paths.clone();
    let observer: offsync::google::CallObserver =
        std::sync::Arc::new(move |r: &offsync::google::CallRecord| {
            seen.lock().unwrap().push(r.path.clone())
        });
    let c = offsync::google::Clients::new(&e.profile, Some(observer))
        .unwrap()
        .0;
    let (parts, err) = page::collect(partition::mobiledevices(&c.directory, None, true)).await;
    let ranges: BTreeSet<String> = paths
        .lock()
        .unwrap()
        .iter()
        .filter_map(|p| {
            p.split("sync%3A")
                .nth(1)
                .map(|r| r.split('&').next().unwrap_or("").to_string())
        })
        .collect();
    assert!(ranges.len() > 2, "several sync: ranges: {ranges:?}");
    assert!(err.is_none(), "{err:?}");
    let a: BTreeSet<_> = ids(&plain).into_iter().collect();
    let b = ids(&parts);
    assert_eq!(b.len(), a.len(), "no duplicates");
    assert_eq!(a, b.into_iter().collect());
}

#[tokio::test]
async fn load_inventory_streams_pages_and_joins_owner_ous() {
    let e = env(small()).await;
    let c = e.clients();
    let (mut pages, mut progress) = (0, 0);
    let inv = load_inventory(&c, None, |ev| match ev {
        LoadEvent::Devices(_) | LoadEvent::Users(_) => pages += 1,
        LoadEvent::Progress(_) => progress += 1,
        LoadEvent::OrgUnits(_) => {}
        LoadEvent::Preview(_) => panic!("only a streamed listing sends a preview"),
    })
    .await
    .unwrap();
    assert!(pages >= 2 && progress >= pages);
    assert_eq!(inv.users.len(), 40);
    assert!(!inv.org_units.is_empty());
    assert!(inv
        .devices
        .iter()
        .filter(|d| !d.email.is_empty())
        .all(|d| d.org_unit_path.is_some()));

    let q = Query::parse_google("type:google_sync").unwrap();
    let sync = load_inventory(&c, Some(&q), |_| {}).await.unwrap();
    assert!(!sync.devices.is_empty());
    assert!(sync.devices.iter().all(|d| d.is_google_sync()));
    assert_eq!(
        sync.devices.len(),
        inv.devices.iter().filter(|d| d.is_google_sync()).count()
    );
}

#[tokio::test]
async fn read_only_refuses_mutations_before_sending() {
    let mut e = env(small()).await;
    e.profile.readonly = true;
    let c = e.clients();
    let first = c
        .directory
        .mobiledevices(Default::default())
        .next()
        .await
        .unwrap()
        .unwrap();
    let rid = first[0].resource_id.clone();
    let before = e.sim.stats().requests;
    for action in [
        DeviceAction::Block,
        DeviceAction::Delete,
        DeviceAction::AdminRemoteWipe,
    ] {
        let err = c
            .directory
            .mobiledevice_action(&rid, action)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::ReadOnly { .. }), "{err}");
        assert!(err.to_string().contains(&rid), "{err}");
    }
    let imap = offsync::google::gmail::ImapSettings {
        enabled: Some(true),
        ..Default::default()
    };
    assert!(matches!(
        c.gmail
            .update_imap(&e.sim.credentials.admin_email, &imap)
            .await,
        Err(Error::ReadOnly { .. })
    ));
    let amapi = c.amapi.as_ref().unwrap();
    let patch = offsync::google::amapi::PolicyPatch::new().policy_enforcement_rules(&[]);
    assert!(matches!(
        amapi.patch_policy("policy1", &patch).await,
        Err(Error::ReadOnly { .. })
    ));
    assert_eq!(
        e.sim.stats().requests,
        before,
        "nothing reached the simulator"
    );
    assert_eq!(c.client.stats().requests, 1);
}

#[tokio::test]
async fn mutations_reach_the_simulator_when_allowed() {
    let e = env(small()).await;
    let c = e.clients();
    let first = c
        .directory
        .mobiledevices(Default::default())
        .next()
        .await
        .unwrap()
        .unwrap();
    let rid = first[0].resource_id.clone();
    c.directory
        .mobiledevice_action(&rid, DeviceAction::Block)
        .await
        .unwrap();
    let d = c.directory.mobiledevice(&rid).await.unwrap();
    assert_eq!(d.status, offsync::model::DeviceStatus::Blocked);
}

/// The dashboard's streamed listing keeps no devices: its answer pages hold every device
/// once, exactly the kept listing's, and the owners listed after their devices come back
/// as late joins, so the joined OUs agree too.
#[tokio::test]
async fn a_streamed_listing_sends_each_device_once_and_joins_late_owners() {
    let e = env(small()).await;
    let c = e.clients();
    let kept = load_inventory(&c, None, |_| {}).await.unwrap();
    let (mut answer, mut previews) = (Vec::new(), 0);
    let streamed = stream_inventory_with(&c, None, Listing::FastThenConfirmed, |ev| match ev {
        LoadEvent::Devices(page) => answer.extend(page),
        LoadEvent::Preview(page) => previews += page.len(),
        _ => {}
    })
    .await
    .unwrap();
    assert!(streamed.inventory.devices.is_empty(), "no copy kept");
    assert_eq!(streamed.inventory.users.len(), kept.users.len());
    assert!(previews > 0, "the index-only view is shown first");
    let mut got = ids(&answer);
    got.sort();
    let distinct: BTreeSet<&String> = got.iter().collect();
    assert_eq!(distinct.len(), got.len(), "each device once");
    let mut want = ids(&kept.devices);
    want.sort();
    assert_eq!(got, want);
    for (id, ou) in &streamed.late_joins {
        let d = answer.iter_mut().find(|d| &d.resource_id == id).unwrap();
        assert!(d.org_unit_path.is_none(), "only devices sent without an OU");
        d.org_unit_path = Some(ou.clone());
    }
    for d in &kept.devices {
        let a = answer
            .iter()
            .find(|a| a.resource_id == d.resource_id)
            .unwrap();
        assert_eq!(a.org_unit_path, d.org_unit_path, "{}", d.resource_id);
    }
}
