//! The Google Sync token `auto` proves is remembered per tenant in the database: a second
//! run sends no probe, a remembered token that stopped working is forgotten and the answer
//! is still complete, another tenant never uses it, and a database that cannot be opened
//! only costs the memory.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use offsync::config::SyncToken;
use offsync::google::{load_inventory_with, Clients, Listing, TokenSource};
use offsync::listing::StoredTokens;
use offsync::model::{Query, Tenant};
use offsync::sim::{SimConfig, UnknownTypeToken};
use offsync::store::Store;

use crate::google_util::{env, Env};

fn cfg(tokens: &[&str], unknown: UnknownTypeToken) -> SimConfig {
    SimConfig {
        users: 30,
        devices: 200,
        google_sync_type_tokens: tokens.iter().map(|t| t.to_string()).collect(),
        unknown_type_token: unknown,
        devices_keep_syncing: false,
        ..SimConfig::default()
    }
}

/// Every Google Sync device the simulator holds.
fn truth(e: &Env) -> BTreeSet<String> {
    e.sim.tenant_snapshot()["mobiledevices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["type"] == "GOOGLE_SYNC")
        .map(|d| d["resourceId"].as_str().unwrap().to_string())
        .collect()
}

struct Run {
    ids: BTreeSet<String>,
    /// Requests to the mobile devices route (probes included).
    device_requests: u64,
    source: TokenSource,
    token: Option<String>,
    forgotten: Option<String>,
}

/// One run of `offsync devices --index-only --type google-sync` as a fresh process would:
/// new clients over the database at `db` (`None`: no memory).
async fn run(e: &Env, db: Option<&Path>) -> Run {
    let mut c = Clients::new(&e.profile, None).unwrap().0;
    if let Some(db) = db {
        c = c.with_token_memory(Arc::new(StoredTokens::new(db.to_path_buf())));
    }
    let q = Query::parse_google("type:google-sync").unwrap();
    let before = e.sim.stats().count("devices/mobile");
    let inv = load_inventory_with(&c, Some(&q), Listing::IndexOnly, |_| {})
        .await
        .unwrap();
    let device_requests = e.sim.stats().count("devices/mobile") - before;
    let t = c.query_token().await.unwrap();
    Run {
        ids: inv.devices.iter().map(|d| d.resource_id.clone()).collect(),
        device_requests,
        source: t.source,
        token: t.token,
        forgotten: t.forgotten,
    }
}

fn db(e: &Env) -> PathBuf {
    e.dir.path().join("data").join("t.sqlite")
}

fn tenant(e: &Env) -> Tenant {
    let c = &e.sim.credentials;
    Tenant::configured(&c.customer_id, &c.admin_email)
}

#[tokio::test]
async fn a_second_run_uses_the_remembered_token_and_sends_no_probe() {
    let mut e = env(cfg(
        &["googlesync", "google_sync"],
        UnknownTypeToken::Reject,
    ))
    .await;
    e.profile.google_sync_query_token = SyncToken::Auto;
    let want = truth(&e);
    assert!(!want.is_empty());
    let db = db(&e);

    let first = run(&e, Some(&db)).await;
    assert_eq!(first.ids, want);
    assert_eq!(first.source, TokenSource::Probed);
    assert_eq!(first.token.as_deref(), Some("googlesync"));
    // Remembered under the resolved tenant (customer ID and subject).
    let stored = Store::open(&db).unwrap().sync_tokens().unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].tenant, tenant(&e));
    assert_eq!(stored[0].token, "googlesync");

    let second = run(&e, Some(&db)).await;
    assert_eq!(second.ids, want);
    assert_eq!(second.source, TokenSource::Remembered);
    assert_eq!(
        second.device_requests,
        first.device_requests - 2,
        "the two probes are gone"
    );
    // Exactly what a configured token costs: the listing alone.
    e.profile.google_sync_query_token = SyncToken::Explicit("googlesync".into());
    let configured = run(&e, Some(&db)).await;
    assert_eq!(configured.source, TokenSource::Configured);
    assert_eq!(second.device_requests, configured.device_requests);
}

#[tokio::test]
async fn a_stale_remembered_token_is_forgotten_and_the_answer_stays_complete() {
    for unknown in [UnknownTypeToken::Empty, UnknownTypeToken::Reject] {
        let mut e = env(cfg(&["google_sync"], unknown)).await;
        e.profile.google_sync_query_token = SyncToken::Auto;
        let want = truth(&e);
        let db = db(&e);
        // An earlier run proved `googlesync`; the tenant no longer accepts it.
        Store::open(&db)
            .unwrap()
            .remember_sync_token(&tenant(&e), "googlesync")
            .unwrap();

        let r = run(&e, Some(&db)).await;
        assert_eq!(r.ids, want, "{unknown:?}: never a silently short answer");
        assert_eq!(r.source, TokenSource::Probed, "{unknown:?}");
        assert_eq!(r.token.as_deref(), Some("google_sync"), "{unknown:?}");
        assert_eq!(r.forgotten.as_deref(), Some("googlesync"), "{unknown:?}");
        let s = Store::open(&db).unwrap();
        assert_eq!(
            s.remembered_sync_token(&tenant(&e)).unwrap().as_deref(),
            Some("google_sync"),
            "{unknown:?}"
        );

        let next = run(&e, Some(&db)).await;
        assert_eq!(next.ids, want);
        assert_eq!(next.source, TokenSource::Remembered);
        assert!(
            next.device_requests + 3 <= r.device_requests,
            "{unknown:?}: the stale run paid the recheck and both probes"
        );
        e.profile.google_sync_query_token = SyncToken::Explicit("google_sync".into());
        assert_eq!(
            run(&e, Some(&db)).await.device_requests,
            next.device_requests
        );
    }
}

#[tokio::test]
async fn a_remembered_token_with_an_empty_answer_is_checked_and_kept() {
    // No Google Sync device in the OU asked for: the remembered token is probed once, still
    // works, and stays.
    let mut e = env(cfg(&["googlesync"], UnknownTypeToken::Reject)).await;
    e.profile.google_sync_query_token = SyncToken::Auto;
    let db = db(&e);
    Store::open(&db)
        .unwrap()
        .remember_sync_token(&tenant(&e), "googlesync")
        .unwrap();
    let c = Clients::new(&e.profile, None)
        .unwrap()
        .0
        .with_token_memory(Arc::new(StoredTokens::new(db.clone())));
    let q = Query::parse_google("type:google-sync email:nobody-here@nowhere.example").unwrap();
    let inv = load_inventory_with(&c, Some(&q), Listing::IndexOnly, |_| {})
        .await
        .unwrap();
    assert!(inv.devices.is_empty());
    let t = c.query_token().await.unwrap();
    assert_eq!(t.source, TokenSource::Rechecked);
    assert_eq!(t.token.as_deref(), Some("googlesync"));
    assert_eq!(
        Store::open(&db)
            .unwrap()
            .remembered_sync_token(&tenant(&e))
            .unwrap()
            .as_deref(),
        Some("googlesync")
    );
}

#[tokio::test]
async fn another_tenants_token_is_not_used() {
    let mut e = env(cfg(&["googlesync"], UnknownTypeToken::Empty)).await;
    e.profile.google_sync_query_token = SyncToken::Auto;
    let db = db(&e);
    let other = Tenant::configured("C0other", "admin@other.example");
    Store::open(&db)
        .unwrap()
        .remember_sync_token(&other, "google_sync")
        .unwrap();
    let without_memory = run(&e, None).await;
    let r = run(&e, Some(&db)).await;
    assert_eq!(r.source, TokenSource::Probed);
    assert_eq!(r.token.as_deref(), Some("googlesync"));
    assert_eq!(r.ids, truth(&e));
    assert_eq!(r.device_requests, without_memory.device_requests);
    let s = Store::open(&db).unwrap();
    assert_eq!(
        s.remembered_sync_token(&other).unwrap().as_deref(),
        Some("google_sync"),
        "the other tenant's token is left alone"
    );
    assert_eq!(s.sync_tokens().unwrap().len(), 2);
}

#[tokio::test]
async fn a_database_that_cannot_be_opened_only_costs_the_memory() {
    let mut e = env(cfg(&["google_sync"], UnknownTypeToken::Reject)).await;
    e.profile.google_sync_query_token = SyncToken::Auto;
    // A regular file where the data directory should be: nothing can be created below it.
    let blocker = e.dir.path().join("not-a-dir");
    std::fs::write(&blocker, "").unwrap();
    let db = blocker.join("t.sqlite");
    for _ in 0..2 {
        let r = run(&e, Some(&db)).await;
        assert_eq!(r.source, TokenSource::Probed);
        assert_eq!(r.token.as_deref(), Some("google_sync"));
        assert_eq!(r.ids, truth(&e));
    }
}
