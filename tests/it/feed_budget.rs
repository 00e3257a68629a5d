//! Request budgets are per process and count only the poller's own requests: a dashboard
//! shares one client (one pacer for Google's per-minute quota) between its feed and its
//! other work, and that other work must neither spend the feed's budget nor be hidden in it.
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use offsync::feed::{PollOutcome, Poller};
use offsync::model::Source;
use offsync::sim::SimConfig;
use offsync::store::Store;

use crate::google_util::env;

#[tokio::test]
async fn a_poll_counts_only_its_own_requests_and_defers_on_its_own_budget() {
    let e = env(SimConfig {
        users: 40,
        devices: 80,
        ..SimConfig::default()
    })
    .await;
    let clients = e.clients();
    let db = e.dir.path().join("feed.sqlite");
    let mut p = Poller::new(clients.clone(), Store::open(&db).unwrap());
    assert!(p.lease().unwrap().is_held());
    p.poll(Source::Directory).await.unwrap();
    let alone = p.poll(Source::Policy).await.unwrap();
    assert_eq!(alone.outcome, PollOutcome::Committed);
    assert!(alone.requests > 0);

    // The same client busy with other work meanwhile (a dashboard listing OUs).
    let stop = Arc::new(AtomicBool::new(false));
    let noise = Arc::new(AtomicU64::new(0));
    let other = {
        let (clients, stop, noise) = (clients.clone(), stop.clone(), noise.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                clients.directory.orgunits().await.unwrap();
                noise.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    while noise.load(Ordering::SeqCst) == 0 {
        tokio::task::yield_now().await;
    }
    let before = clients.client.stats().requests;
    let busy = p.poll(Source::Policy).await.unwrap();
    stop.store(true, Ordering::SeqCst);
    other.await.unwrap();
    let total = clients.client.stats().requests - before;
    assert_eq!(
        busy.requests, alone.requests,
        "the other task's requests are not the poll's"
    );
    assert!(
        total > busy.requests,
        "the other task did send meanwhile ({total})"
    );
    assert_eq!(p.spent_last_hour(Source::Policy), 2 * alone.requests);

    // A budget of three polls' worth: the third poll fits, the fourth waits for the hour.
    let mut settings = p.settings().clone();
    settings.source_mut(Source::Policy).requests_per_hour = (3 * alone.requests) as u32;
    let mut p = p.with_settings(settings);
    assert_eq!(
        p.poll(Source::Policy).await.unwrap().outcome,
        PollOutcome::Committed
    );
    let deferred = p.poll(Source::Policy).await.unwrap();
    assert!(
        matches!(deferred.outcome, PollOutcome::Deferred { spent, .. } if spent == 3 * alone.requests),
        "{deferred:?}"
    );
    assert_eq!(deferred.requests, 0, "a deferred poll sends nothing");

    // Another process taking the lease over starts with its own budget.
    p.release().unwrap();
    let mut q = Poller::new(e.clients(), Store::open(&db).unwrap());
    assert!(q.lease().unwrap().is_held());
    assert_eq!(q.spent_last_hour(Source::Policy), 0);
    assert_eq!(
        q.poll(Source::Policy).await.unwrap().outcome,
        PollOutcome::Committed
    );
}

/// A Directory poll reads the confirmed listing alone: the search index's fast view costs
/// a second chain of requests and is worth it only for a dashboard's first listing.
#[tokio::test]
async fn a_directory_poll_costs_one_confirmed_listing() {
    let e = env(SimConfig {
        users: 300,
        devices: 2_000,
        ..SimConfig::default()
    })
    .await;
    let clients = e.clients();
    let before = clients.client.stats().requests;
    offsync::listing::list_with(&clients, None, offsync::google::Listing::Confirmed, |_| {})
        .await
        .unwrap();
    let confirmed = clients.client.stats().requests - before;

    let headless = |name: &str| {
        let db = e.dir.path().join(name);
        Poller::new(clients.clone(), Store::open(&db).unwrap())
    };
    let mut p = headless("headless.sqlite");
    assert!(p.lease().unwrap().is_held());
    for _ in 0..2 {
        let r = p.poll(Source::Directory).await.unwrap();
        assert_eq!(r.outcome, PollOutcome::Committed);
        // The first poll may read the OU list once to learn the server's clock.
        assert!(
            r.requests <= confirmed + 1,
            "a poll took {} requests, the confirmed listing {confirmed}",
            r.requests
        );
    }
    drop(p);

    // A dashboard: its first listing shows the fast view first, later ones do not.
    let mut p = headless("dashboard.sqlite");
    p.set_listing_hooks(offsync::feed::ListingHooks {
        on_event: Box::new(|_| {}),
        on_listed: Box::new(drop),
        cache: None,
    });
    assert!(p.lease().unwrap().is_held());
    let first = p.poll(Source::Directory).await.unwrap();
    let second = p.poll(Source::Directory).await.unwrap();
    assert!(
        first.requests > confirmed + 5,
        "the first listing has the fast view: {} requests, confirmed {confirmed}",
        first.requests
    );
    assert!(second.requests <= confirmed + 1, "{}", second.requests);
}
