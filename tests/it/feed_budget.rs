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
