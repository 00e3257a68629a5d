//! Partitioned device and user listings are exactly the plain listings: property-tested
//! over small random tenants (several emails per device, devices without email, never-synced
//! devices, odd first characters at both ends of the email order, one-character local
//! parts), and while devices keep syncing (they move between `sync:` ranges).
use std::collections::BTreeSet;
use std::time::Duration;

use offsync::google::page;
use offsync::google::partition;
use offsync::sim::SimConfig;
use proptest::prelude::*;

use crate::google_util::env;

#[derive(Debug, Clone)]
struct Case {
    seed: u64,
    users: usize,
    devices: usize,
    without_email: usize,
    /// Every n-th device gets a second owner (0 = none).
    second_owner_every: usize,
    /// New first characters for the first and last users in email order (kept sorted).
    low_prefix: Option<&'static str>,
    high_prefix: Option<&'static str>,
    /// Shorten the first user of some first letter to a one-character local part.
    one_char: Option<usize>,
    google_sync_only: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        any::<u64>(),
        3usize..40,
        0usize..700,
        prop_oneof![3 => Just(0usize), 1 => 1usize..3],
        prop_oneof![Just(0usize), 2usize..9],
        proptest::option::of(prop::sample::select(vec![
            "-", "0", "9", "_", "Q", "'", "+", "!",
        ])),
        proptest::option::of(prop::sample::select(vec!["zzz", "{", "|", "~"])),
        proptest::option::of(0usize..40),
        any::<bool>(),
    )
        .prop_map(
            |(
                seed,
                users,
                devices,
                without_email,
                second_owner_every,
                low_prefix,
                high_prefix,
                one_char,
                g,
            )| Case {
                seed,
                users,
                devices,
                without_email,
                second_owner_every,
                low_prefix,
                high_prefix,
                one_char,
                google_sync_only: g,
            },
        )
}

async fn check(c: Case) -> Result<(), TestCaseError> {
    let cfg = SimConfig {
        seed: c.seed,
        users: c.users,
        devices: c.devices,
        devices_without_email: c.without_email.min(c.devices),
        devices_keep_syncing: false,
        ..SimConfig::default()
    };
    let e = env(cfg).await;
    e.sim.with_tenant(|t, _| {
        let n = t.users.len();
        let admin = t.super_admin as usize;
        let rename = |t: &mut offsync::sim::Tenant, i: usize, prefix: &str| {
            if i != admin {
                let old = t.users[i].email.clone();
                t.users[i].email = format!("{prefix}{old}");
            }
        };
        if let Some(p) = c.low_prefix {
            rename(t, 0, p);
        }
        if let Some(p) = c.high_prefix {
            rename(t, n - 1, p);
        }
        // The first user of its letter can become `x@domain` and stay in email order:
        // every earlier user starts with an earlier character, and '@' sorts before
        // letters, digits and '.', so it stays below the later users of its letter.
        if let Some(i) = c.one_char.map(|i| i % n) {
            let e = t.users[i].email.clone();
            let first = e.chars().next().unwrap_or('a');
            let fresh = i == 0 || !t.users[i - 1].email.starts_with(first);
            if i != admin && fresh && first.is_ascii_lowercase() {
                let domain = e.split_once('@').map_or("", |(_, d)| d).to_string();
                t.users[i].email = format!("{first}@{domain}");
            }
        }
        if c.second_owner_every > 0 {
            for (i, d) in t.devices.iter_mut().enumerate() {
                if i % c.second_owner_every == 0 && !d.owners.is_empty() {
                    let extra = ((i * 7919) % n) as u32;
                    if !d.owners.contains(&extra) {
                        d.owners.push(extra);
                    }
                }
            }
        }
    });
    // A quota far above what the chains use, so heavy partitions split.
    let mut profile = e.profile.clone();
    profile.http.directory_requests_per_minute = 1_000_000_000;
    let clients = offsync::google::Clients::new(&profile, None).unwrap().0;
    let dir = &clients.directory;
    let query = c.google_sync_only.then(|| "type:googlesync".to_string());
    let listing = offsync::google::directory::DeviceListing {
        query: query.clone(),
        ..Default::default()
    };
    let (plain, err) = page::collect(dir.mobiledevices(listing)).await;
    prop_assert!(err.is_none(), "{:?}", err);
    let (parts, err) = page::collect(partition::mobiledevices(dir, query.clone(), true)).await;
    prop_assert!(err.is_none(), "{:?}", err);

    let want: BTreeSet<String> = plain.iter().map(|d| d.resource_id.clone()).collect();
    let got: Vec<String> = parts.iter().map(|d| d.resource_id.clone()).collect();
    let got_set: BTreeSet<String> = got.iter().cloned().collect();
    prop_assert_eq!(got.len(), got_set.len(), "duplicates");
    prop_assert_eq!(&got_set, &want);

    // Users: the same scheme over primary emails (the simulator's user search compares
    // case-sensitively, unlike Google's, so the upper-case prefix is left out).
    if c.low_prefix != Some("Q") {
        let (plain, err) = page::collect(dir.users(None)).await;
        prop_assert!(err.is_none(), "{:?}", err);
        let (parts, err) = page::collect(partition::users(dir, None, true)).await;
        prop_assert!(err.is_none(), "{:?}", err);
        let want: BTreeSet<&String> = plain.iter().map(|u| &u.id).collect();
        let got: Vec<&String> = parts.iter().map(|u| &u.id).collect();
        prop_assert_eq!(got.len(), want.len(), "user duplicates or misses");
        prop_assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), want);
    }

    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn partitioned_listing_equals_plain_listing(c in case()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(check(c))?;
    }
}

#[tokio::test]
async fn devices_syncing_during_a_listing_are_listed_once() {
    let cfg = SimConfig {
        users: 80,
        devices: 900,
        latency: Duration::from_millis(15),
        devices_keep_syncing: false,
        ..SimConfig::default()
    };
    let mut e = env(cfg).await;
    e.profile.http.concurrency = 2;
    let c = e.clients();
    let (before, _) = page::collect(c.directory.mobiledevices(Default::default())).await;
    let ids: Vec<String> = before.iter().map(|d| d.resource_id.clone()).collect();

    let dir = c.directory.clone();
    let listing =
        tokio::spawn(
            async move { page::collect(partition::mobiledevices(&dir, None, true)).await },
        );
    let mut synced = 0;
    while !listing.is_finished() {
        for id in ids.iter().skip(synced % ids.len()).take(25) {
            e.sim.sync_device_now(id);
        }
        synced += 25;
        e.sim.advance(Duration::from_secs(60));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (after, err) = listing.await.unwrap();
    assert!(err.is_none(), "{err:?}");
    assert!(synced > 25, "the listing should have overlapped the syncs");
    let got: Vec<&String> = after.iter().map(|d| &d.resource_id).collect();
    let set: BTreeSet<&String> = got.iter().copied().collect();
    assert_eq!(got.len(), set.len(), "no duplicates");
    assert_eq!(set, ids.iter().collect::<BTreeSet<_>>());
}
