//! The inventory cache: what is saved comes back unchanged, newest snapshot wins, and the
//! history is pruned.
use chrono::{DateTime, Utc};
use offsync::model::{Device, DeviceStatus, DeviceType, Inventory, OrgUnit, Tenant, User};
use offsync::store::{Store, KEEP_SNAPSHOTS};

pub fn sample_inventory(n: usize) -> Inventory {
    let types = [
        DeviceType::GoogleSync,
        DeviceType::IosSync,
        DeviceType::Android,
        DeviceType::Other("WINDOWS_PHONE".into()),
    ];
    let ous = ["/", "/Pilot", "/Sales", "/Sales/EMEA"];
    let users: Vec<User> = (0..n.div_ceil(2).max(1))
        .map(|i| User {
            id: format!("u{i}"),
            primary_email: format!("user{i}@example.com"),
            org_unit_path: ous[i % ous.len()].into(),
            aliases: if i % 5 == 0 {
                vec![format!("alias{i}@example.com")]
            } else {
                vec![]
            },
            ..Default::default()
        })
        .collect();
    let base: DateTime<Utc> = "2025-01-01T00:00:00Z".parse().unwrap();
    let devices: Vec<Device> = (0..n)
        .map(|i| Device {
            resource_id: format!("AFiQxQ8{i:08}"),
            device_id: Some(format!("dev{i}").into()),
            email: if i % 17 == 0 {
                vec![]
            } else {
                vec![format!("user{}@example.com", i / 2)]
            },
            name: vec![format!("User {}", i / 2)],
            model: Some(if i % 3 == 0 {
                "iPhone 15".into()
            } else {
                "Pixel 8".into()
            }),
            os: Some(format!("iOS 17.{}", i % 7).into()),
            device_type: types[i % types.len()].clone(),
            status: if i % 11 == 0 {
                DeviceStatus::Other("QUARANTINED".into())
            } else {
                DeviceStatus::Approved
            },
            first_sync: Some(base + chrono::Duration::hours(i as i64)),
            last_sync: (i % 13 != 0).then(|| base + chrono::Duration::hours(2 * i as i64)),
            user_agent: Some(format!("Apple-iPhone15C2/2101.{i}").into()),
            serial_number: Some(format!("SN{i}").into()),
            ..Default::default()
        })
        .collect();
    let org_units = ous[1..]
        .iter()
        .map(|p| OrgUnit {
            name: p.rsplit('/').next().unwrap().into(),
            org_unit_path: (*p).into(),
            org_unit_id: format!("id:{p}"),
            ..Default::default()
        })
        .collect();
    let mut inv = Inventory::new(devices, users, org_units);
    inv.fetched_at = Some("2025-03-10T12:00:00.123456Z".parse().unwrap());
    inv
}

#[test]
fn empty_store_has_no_inventory() {
    let s = Store::open_in_memory().unwrap();
    assert!(s.load_inventory().unwrap().is_none());
}

#[test]
fn round_trip_keeps_every_field_and_the_owner_ou() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dir/acme.sqlite");
    let inv = sample_inventory(5000); // several chunks for the parallel parser
    {
        let mut s = Store::open(&path).unwrap();
        s.save_inventory(&inv).unwrap();
    }
    let s = Store::open(&path).unwrap();
    let back = s.load_inventory().unwrap().unwrap();
    assert_eq!(back.devices, inv.devices);
    assert_eq!(back.users, inv.users);
    assert_eq!(back.org_units, inv.org_units);
    assert_eq!(back.fetched_at, inv.fetched_at);
    assert!(back
        .devices
        .iter()
        .any(|d| d.org_unit_path.as_deref() == Some("/Sales/EMEA")));
    assert_eq!(back.counts_by_ou(), inv.counts_by_ou());
}

#[test]
fn newest_snapshot_wins_and_history_is_pruned() {
    let mut s = Store::open_in_memory().unwrap();
    for n in 1..=KEEP_SNAPSHOTS + 2 {
        s.save_inventory(&sample_inventory(n)).unwrap();
    }
    let latest = s.load_inventory().unwrap().unwrap();
    assert_eq!(latest.devices.len(), KEEP_SNAPSHOTS + 2);
    let snaps = s.snapshots().unwrap();
    assert_eq!(snaps.len(), KEEP_SNAPSHOTS);
    assert_eq!(snaps[0].devices, KEEP_SNAPSHOTS + 2);
    assert_eq!(
        snaps.last().unwrap().devices,
        3,
        "the two oldest snapshots are gone"
    );
}

/// Not a correctness test: prints how long 100k devices take to load. Run with
/// `cargo test --release --test it store_load_100k -- --ignored --nocapture`.
#[test]
#[ignore]
fn store_load_100k_timing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.sqlite");
    let inv = sample_inventory(100_000);
    let mut s = Store::open(&path).unwrap();
    let t = std::time::Instant::now();
    s.save_inventory(&inv).unwrap();
    println!("save 100k devices: {:?}", t.elapsed());
    drop(s);
    let s = Store::open(&path).unwrap();
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let back = s.load_inventory().unwrap().unwrap();
        println!(
            "load 100k devices: {:?} ({} devices)",
            t.elapsed(),
            back.devices.len()
        );
    }
}

#[test]
fn a_snapshot_listed_with_a_query_is_never_taken_for_the_whole_inventory() {
    let mut s = Store::open_in_memory().unwrap();
    let t = Tenant::configured("C0abc", "admin@example.com");
    s.save_inventory_for(&sample_inventory(40), &t, None, KEEP_SNAPSHOTS)
        .unwrap();
    let partial = sample_inventory(4);
    s.save_inventory_for(&partial, &t, Some("type:googlesync"), KEEP_SNAPSHOTS)
        .unwrap();
    assert_eq!(
        s.load_inventory_for(&t, None)
            .unwrap()
            .unwrap()
            .devices
            .len(),
        40
    );
    let same = s
        .load_inventory_for(&t, Some("type:googlesync"))
        .unwrap()
        .unwrap();
    assert_eq!(
        same.devices.len(),
        4,
        "the newest listing for the same query"
    );
    let other = s
        .load_inventory_for(&t, Some("type:android"))
        .unwrap()
        .unwrap();
    assert_eq!(
        other.devices.len(),
        40,
        "a different query falls back to the complete one"
    );
    assert_eq!(
        s.snapshots().unwrap()[0].server_query.as_deref(),
        Some("type:googlesync")
    );
}

/// Each tenant reads only its own snapshots, and the retention counts complete snapshots
/// (query-listed ones are kept as many again, so they never push out the last complete one).
#[test]
fn snapshots_are_keyed_by_tenant_and_retention_is_configurable() {
    let mut s = Store::open_in_memory().unwrap();
    let a = Tenant::configured("C0aaa", "admin@a.example");
    let b = Tenant::configured("C0bbb", "admin@b.example");
    for n in 1..=5 {
        s.save_inventory_for(&sample_inventory(n), &a, None, 2)
            .unwrap();
    }
    s.save_inventory_for(&sample_inventory(7), &b, Some("type:android"), 2)
        .unwrap();
    for _ in 0..3 {
        s.save_inventory_for(&sample_inventory(9), &b, Some("type:android"), 2)
            .unwrap();
    }
    let snaps = s.snapshots().unwrap();
    let complete = snaps.iter().filter(|x| x.server_query.is_none()).count();
    assert_eq!(complete, 2, "{snaps:?}");
    assert_eq!(snaps.len(), 4, "2 complete + 2 query-listed: {snaps:?}");
    assert_eq!(
        s.load_inventory_for(&a, None)
            .unwrap()
            .unwrap()
            .devices
            .len(),
        5
    );
    assert!(
        s.load_inventory_for(&b, None).unwrap().is_none(),
        "b has no complete listing, and a's is never b's"
    );
    let unresolved = Tenant::configured("my_customer", "ADMIN@a.example");
    assert_eq!(
        s.load_inventory_for(&unresolved, None)
            .unwrap()
            .unwrap()
            .devices
            .len(),
        5,
        "my_customer: the subject decides"
    );
    assert_eq!(snaps[0].tenant.as_ref(), Some(&b));
}

/// A snapshot written page by page while its listing runs is invisible until finished (a
/// reader keeps the previous one), gets the OUs of owners listed after their devices, and
/// a listing that fails leaves the previous cache as it was.
#[test]
fn a_snapshot_written_page_by_page_counts_only_once_finished() {
    let mut s = Store::open_in_memory().unwrap();
    let t = Tenant::configured("C0mine", "admin@example.com");
    let before = sample_inventory(10);
    s.save_inventory_for(&before, &t, None, KEEP_SNAPSHOTS)
        .unwrap();
    let mut inv = sample_inventory(40);
    // Listed before its owner was known: no OU yet when written.
    let late = 3;
    let ou = inv.devices[late].org_unit_path.take().unwrap();
    let mut w = s.begin_snapshot(&t, None).unwrap();
    for page in inv.devices.chunks(15) {
        s.append_devices(&mut w, page).unwrap();
        let shown = s.load_devices_for(&t, None).unwrap().unwrap();
        assert_eq!(
            shown.devices.len(),
            10,
            "the unfinished snapshot is not read"
        );
        assert_eq!(s.snapshots().unwrap().len(), 1);
    }
    assert_eq!(w.devices(), 40);
    let joins = vec![(inv.devices[late].resource_id.clone(), ou.clone())];
    let mut rest = inv.clone();
    rest.devices.clear();
    s.finish_snapshot(w, &t, &rest, &joins, KEEP_SNAPSHOTS)
        .unwrap();
    inv.devices[late].org_unit_path = Some(ou);
    let got = s.load_inventory_for(&t, None).unwrap().unwrap();
    assert_eq!(got.devices, inv.devices, "every device, in order, joined");
    assert_eq!(got.users, inv.users);
    assert_eq!(got.org_units, inv.org_units);
    assert_eq!(got.fetched_at, inv.fetched_at);
    let snaps = s.snapshots().unwrap();
    assert_eq!(snaps.len(), 2);
    assert_eq!(snaps[0].devices, 40);
    assert_eq!(snaps[0].tenant.as_ref(), Some(&t));
    // A listing that fails: its pages are dropped, the newest complete snapshot stays.
    let mut w = s.begin_snapshot(&t, None).unwrap();
    s.append_devices(&mut w, &inv.devices[..5]).unwrap();
    s.discard_snapshot(w).unwrap();
    assert_eq!(s.snapshots().unwrap().len(), 2);
    assert_eq!(
        s.load_devices_for(&t, None).unwrap().unwrap().devices.len(),
        40
    );
}
