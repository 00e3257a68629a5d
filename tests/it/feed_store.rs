//! The feed's storage: events kept once by ID, a commit is all or nothing and refused to a
//! process that lost the lease or diffed a stale state, the burndown stores only changes,
//! and the lease serialises two handles on one file.
use chrono::{Duration, TimeZone, Utc};
use offsync::model::feed_state::OuBurndown;
use offsync::model::{Event, EventKind, Source};
use offsync::store::{Commit, Lease, Store, StoreError};

fn ev(subject: &str, minute: i64) -> Event {
    let at = Utc.with_ymd_and_hms(2031, 1, 2, 3, 0, 0).unwrap() + Duration::minutes(minute);
    Event::new(
        Source::Directory,
        EventKind::DeviceAppeared,
        subject,
        &at.timestamp().to_string(),
        at,
    )
    .device(subject)
    .ou(Some("/S"))
}

fn commit<'a>(
    holder: &'a str,
    generation: i64,
    events: &'a [Event],
    upsert: &'a [(String, String)],
) -> Commit<'a, String> {
    Commit {
        state: "directory",
        holder,
        now_ms: 1_000,
        generation,
        events,
        upsert,
        remove: &[],
        cursor: None,
        counts: None,
        at: events.first().map_or_else(Utc::now, |e| e.at),
        requests: 3,
    }
}

#[test]
fn events_are_kept_once_and_listed_in_order() {
    let mut s = Store::open_in_memory().unwrap();
    assert_eq!(s.insert_events(&[ev("a", 0), ev("b", 1)]).unwrap(), 2);
    assert_eq!(s.insert_events(&[ev("b", 1), ev("c", 2)]).unwrap(), 1);
    let all = s.events(None, 0).unwrap();
    let subjects: Vec<_> = all
        .iter()
        .map(|e| e.event.device.clone().unwrap())
        .collect();
    assert_eq!(subjects, ["a", "b", "c"]);
    assert_eq!(
        all[0].event,
        ev("a", 0),
        "an event reads back as it was stored"
    );
    let since = ev("b", 1).at;
    assert_eq!(s.events(Some(since), 0).unwrap().len(), 2);
    assert_eq!(s.events(None, all[1].seq).unwrap().len(), 1);
}

#[test]
fn a_commit_needs_the_lease_and_the_state_it_diffed() {
    let mut s = Store::open_in_memory().unwrap();
    let events = [ev("a", 0)];
    let rows = [("a".to_string(), "x".to_string())];
    // Without the lease: refused, nothing stored.
    let e = s.feed_commit(commit("p1", 0, &events, &rows)).unwrap_err();
    assert!(matches!(e, StoreError::NotLeaseHolder { .. }), "{e}");
    assert!(s.events(None, 0).unwrap().is_empty());
    assert!(s.acquire_lease("p1", 0, 60_000).unwrap().is_held());
    s.feed_commit(commit("p1", 0, &events, &rows)).unwrap();
    let st = s.feed_state::<String>("directory").unwrap();
    assert_eq!(st.generation, 1);
    assert_eq!(st.seen.unwrap().get("a").map(String::as_str), Some("x"));
    // Diffed against generation 0 again (a second poller, a retry): refused as stale.
    let later = [ev("b", 5)];
    let e = s.feed_commit(commit("p1", 0, &later, &rows)).unwrap_err();
    assert!(matches!(e, StoreError::StaleFeedState { .. }), "{e}");
    assert_eq!(s.events(None, 0).unwrap().len(), 1);
    // Remembering what offsync set moves the generation too.
    s.feed_remember("directory", "a", &"y".to_string()).unwrap();
    assert_eq!(s.feed_state::<String>("directory").unwrap().generation, 2);
    let status = s.feed_sources().unwrap();
    assert_eq!(status[0].source, "directory");
    assert_eq!(status[0].last_requests, Some(3));
}

#[test]
fn the_burndown_stores_changes_only() {
    let mut s = Store::open_in_memory().unwrap();
    assert!(s.acquire_lease("p", 0, 60_000).unwrap().is_held());
    let mut counts = std::collections::BTreeMap::new();
    counts.insert(
        "/".to_string(),
        OuBurndown {
            active: 5,
            total: 9,
        },
    );
    counts.insert(
        "/S".to_string(),
        OuBurndown {
            active: 2,
            total: 3,
        },
    );
    for (generation, minute, active_s) in [(0, 0, 2), (1, 15, 2), (2, 30, 1)] {
        counts.get_mut("/S").unwrap().active = active_s;
        let events = [ev("x", minute)];
        let mut c = commit("p", generation, &events, &[]);
        c.counts = Some(&counts);
        s.feed_commit(c).unwrap();
    }
    let root = s.feed_counts(Some("/")).unwrap();
    assert_eq!(root.len(), 1, "unchanged counts add no rows");
    let ou = s.feed_counts(Some("/S")).unwrap();
    assert_eq!(ou.iter().map(|r| r.active).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(s.feed_counts(None).unwrap().len(), 3);
}

#[test]
fn two_handles_share_one_lease() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.sqlite");
    let mut a = Store::open(&db).unwrap();
    let mut b = Store::open(&db).unwrap();
    assert!(a.acquire_lease("A", 1_000, 10_000).unwrap().is_held());
    assert_eq!(
        b.acquire_lease("B", 2_000, 10_000).unwrap(),
        Lease::Other {
            holder: "A".into(),
            expires_ms: 11_000
        }
    );
    // Renewal by the holder extends it.
    assert_eq!(
        a.acquire_lease("A", 5_000, 10_000).unwrap(),
        Lease::Held { expires_ms: 15_000 }
    );
    // Expired: B takes over, and A's commit is refused.
    assert!(b.acquire_lease("B", 15_001, 10_000).unwrap().is_held());
    let events = [ev("a", 0)];
    let mut c = commit("A", 0, &events, &[]);
    c.now_ms = 15_002;
    assert!(matches!(
        a.feed_commit(c).unwrap_err(),
        StoreError::NotLeaseHolder { .. }
    ));
    // A graceful release hands over at once; releasing someone else's lease does nothing.
    a.release_lease("B-not").unwrap();
    b.release_lease("B").unwrap();
    assert!(a.acquire_lease("A", 15_003, 10_000).unwrap().is_held());
    assert_eq!(b.lease_holder().unwrap().unwrap().0, "A");
}
