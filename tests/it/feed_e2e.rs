//! The feed end to end against the simulator: changes made in the tenant come out as events
//! in the order they happened, a restarted poller (a new process on the same database)
//! adds nothing for changes already seen, and of two pollers on one profile only the lease
//! holder's polls are stored.
use std::collections::BTreeSet;
use std::time::Duration;

use offsync::feed::follow::stored;
use offsync::feed::{PollOutcome, Poller, Tick};
use offsync::migration::evidence::{Evidence, EvidenceKind};
use offsync::migration::StepId;
use offsync::model::{EventKind, Source};
use offsync::sim::{ClockConfig, DeviceKind, DeviceStatus, SimConfig};
use offsync::store::Store;
use serde_json::json;

use crate::google_util::{env, Env};

fn tenant() -> SimConfig {
    SimConfig {
        users: 40,
        devices: 160,
        // Frozen: sync times move only when a test says so.
        clock: ClockConfig {
            start: None,
            speed: 0.0,
        },
        devices_keep_syncing: false,
        ..SimConfig::default()
    }
}

/// Approved Google Sync devices with an owner: (resource id, owner email).
fn google_sync(e: &Env) -> Vec<(String, String)> {
    e.sim.with_tenant(|t, _| {
        t.devices
            .iter()
            .filter(|d| {
                d.kind == DeviceKind::GoogleSync
                    && d.status == DeviceStatus::Approved
                    && d.owners.len() == 1
                    && d.deleted_at.is_none()
            })
            .map(|d| (d.resource_id(), t.users[d.owners[0] as usize].email.clone()))
            .collect()
    })
}

async fn poll_all(p: &mut Poller) -> usize {
    let mut n = 0;
    for s in Source::ALL {
        let r = p.poll(s).await.unwrap();
        assert_eq!(r.outcome, PollOutcome::Committed, "{s}: {r:?}");
        n += r.new_events;
    }
    n
}

async fn poll(p: &mut Poller, s: Source) -> usize {
    let r = p.poll(s).await.unwrap();
    assert_eq!(r.outcome, PollOutcome::Committed, "{s}: {r:?}");
    r.new_events
}

#[tokio::test]
async fn tenant_changes_become_ordered_events_that_survive_a_restart() {
    let e = env(tenant()).await;
    let db = e.dir.path().join("feed.sqlite");
    let sync = google_sync(&e);
    let (blocked, removed, syncing) = (&sync[0], &sync[1], &sync[2]);
    for (id, _) in &sync[..3] {
        assert!(e.sim.sync_device_now(id), "active before the baseline");
    }
    let mut a = Poller::new(e.clients(), Store::open(&db).unwrap());
    assert!(a.lease().unwrap().is_held());
    assert!(poll_all(&mut a).await >= 4, "a baseline per source");
    let first = a.store().feed_counts(Some("/")).unwrap();

    // Block one, delete another (gone for good), and give its owner a native iPhone.
    e.sim.advance(Duration::from_secs(600));
    let native = e.sim.with_tenant(|t, now| {
        let i = t.device_index(&blocked.0).unwrap();
        assert!(t.device_action(i, "block", now));
        let j = t.device_index(&removed.0).unwrap();
        t.devices[j].deleted_at = Some(now);
        t.devices[j].active = false;
        let mut phone = t
            .devices
            .iter()
            .find(|d| d.kind == DeviceKind::IosSync)
            .unwrap()
            .clone();
        phone.id = t.devices.last().unwrap().id + 1;
        phone.owners = t.devices[j].owners.clone();
        (phone.first_sync, phone.last_sync) = (Some(now), Some(now));
        let rid = phone.resource_id();
        t.devices.push(phone);
        rid
    });
    assert!(poll(&mut a, Source::Directory).await >= 3);

    // Google Sync turned off for the third device's OU; it syncs anyway.
    let ou = e.sim.with_tenant(|t, _| {
        let i = t.device_index(&syncing.0).unwrap();
        t.org_units[t.users[t.devices[i].owners[0] as usize].ou]
            .path
            .clone()
    });
    // The admin attests sync-off through the migration engine (another handle on the same
    // database, as `offsync step OU sync-off attest` would): the poller reads it from there.
    let attested = e.sim.now();
    let mut m = Store::open(&db).unwrap();
    m.migration()
        .update_step(&ou, StepId::SyncOff, attested, |r| {
            let evidence = Evidence {
                kind: EvidenceKind::Attestation,
                observed_at: attested,
                supports: true,
                summary: "the admin turned Google Sync off".into(),
                refs: Vec::new(),
            };
            r.attest(attested, chrono::Duration::zero(), evidence)
        })
        .unwrap();
    e.sim.advance(Duration::from_secs(600));
    assert!(e.sim.sync_device_now(&syncing.0));
    assert_eq!(poll(&mut a, Source::Directory).await, 1);

    // A setting changed in the console, and the audit log records a console change.
    e.sim.advance(Duration::from_secs(600));
    e.sim.with_tenant(|t, now| {
        let root_imap = t
            .policies
            .iter_mut()
            .find(|p| p.ou == 0 && p.setting_type.ends_with("imap_access"))
            .unwrap();
        root_imap.value = json!({"enableImapAccess": true});
        let mut audit = t.audit[0].clone();
        audit.time = now;
        audit.new = "true".into();
        t.audit.push(audit);
    });
    // The sim clock is frozen: let server time pass between polls so their order is defined.
    e.sim.advance(Duration::from_secs(5));
    assert_eq!(poll(&mut a, Source::Policy).await, 1);
    e.sim.advance(Duration::from_secs(5));
    poll(&mut a, Source::Android).await;
    assert_eq!(poll(&mut a, Source::Audit).await, 1);
    assert_eq!(
        poll(&mut a, Source::Audit).await,
        0,
        "the overlap is read again, stored once"
    );

    // A restart: a new poller (new holder) on the same database finds nothing new.
    a.release().unwrap();
    drop(a);
    let mut b = Poller::new(e.clients(), Store::open(&db).unwrap());
    assert!(b.lease().unwrap().is_held());
    assert_eq!(
        poll_all(&mut b).await,
        0,
        "nothing is announced twice after a restart"
    );

    let events: Vec<_> = stored(b.store(), None)
        .unwrap()
        .into_iter()
        .map(|s| s.event)
        .collect();
    let ids: BTreeSet<_> = events.iter().map(|e| e.id.clone()).collect();
    assert_eq!(ids.len(), events.len(), "no duplicates");
    let pos = |kind: EventKind, device: Option<&str>| {
        events
            .iter()
            .position(|e| e.kind == kind && device.is_none_or(|d| e.device.as_deref() == Some(d)))
            .unwrap_or_else(|| panic!("no {kind} {device:?} in {events:#?}"))
    };
    let baseline = pos(EventKind::Baseline, None);
    let block = pos(EventKind::DeviceBlocked, Some(&blocked.0));
    let left = pos(EventKind::LeftGoogleSync, Some(&removed.0));
    let new_phone = pos(EventKind::NativeAccountAppeared, Some(&native));
    let alert = pos(EventKind::StillSyncingAfterSyncOff, Some(&syncing.0));
    let drift = pos(EventKind::SettingDrift, None);
    let console = pos(EventKind::ConsoleChange, None);
    assert!(
        baseline < block && block.max(left).max(new_phone) < alert,
        "baseline {baseline} block {block} left {left} new {new_phone} alert {alert}: {events:#?}"
    );
    // The console change carries Google's own time (when it was made), before the polls
    // that observed the other changes made with it.
    assert!(
        alert < console && console < drift,
        "alert {alert} console {console} drift {drift}: {events:#?}"
    );
    assert_eq!(events[new_phone].user.as_deref(), Some(removed.1.as_str()));
    assert_eq!(
        events[alert].step.as_deref(),
        Some("sync-off"),
        "the migration step ID"
    );
    assert_eq!(events[alert].ou.as_deref(), Some(ou.as_str()));
    assert_eq!(
        events[drift].ou.as_deref(),
        Some("/"),
        "the root OU's policy names /"
    );
    assert!(events.iter().any(|e| e.kind == EventKind::GmailUsage));

    // The burndown: one blocked, one gone; the other Google Sync devices unchanged.
    let last = b.store().feed_counts(Some("/")).unwrap();
    let (f, l) = (&first[0], last.last().unwrap());
    assert_eq!(
        (l.active, l.total),
        (f.active - 2, f.total - 1),
        "{first:?} → {last:?}"
    );
}

#[tokio::test]
async fn one_poller_per_profile_and_takeover() {
    let e = env(tenant()).await;
    let db = e.dir.path().join("feed.sqlite");
    let mut settings = e.profile.feed.clone();
    settings.lease = Duration::from_secs(2);
    let mut a = Poller::new(e.clients(), Store::open(&db).unwrap()).with_settings(settings.clone());
    let mut b = Poller::new(e.clients(), Store::open(&db).unwrap()).with_settings(settings);
    assert!(a.lease().unwrap().is_held());
    assert_eq!(
        b.tick().await.unwrap(),
        Tick::Reading {
            holder: a.holder().to_string()
        }
    );
    let Tick::Polled(reports) = a.tick().await.unwrap() else {
        panic!("a holds the lease")
    };
    assert!(
        reports.iter().all(|r| r.outcome == PollOutcome::Committed),
        "{reports:?}"
    );
    let seen_by_b = b.store().events(None, 0).unwrap();
    assert!(
        seen_by_b
            .iter()
            .any(|s| s.event.kind == EventKind::Baseline),
        "b reads a's events"
    );

    // b polling without the lease: nothing it saw is stored.
    let sync = google_sync(&e);
    e.sim.with_tenant(|t, now| {
        let i = t.device_index(&sync[0].0).unwrap();
        t.device_action(i, "block", now);
    });
    let r = b.poll(Source::Directory).await.unwrap();
    assert!(matches!(r.outcome, PollOutcome::Discarded(_)), "{r:?}");
    assert_eq!(b.store().events(None, 0).unwrap().len(), seen_by_b.len());

    // a stops renewing: after the lease expires b takes over, and a's late poll is refused.
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    let Tick::Polled(_) = b.tick().await.unwrap() else {
        panic!("b takes over")
    };
    assert!(b.lease().unwrap().is_held());
    let r = a.poll(Source::Directory).await.unwrap();
    assert!(matches!(r.outcome, PollOutcome::Discarded(_)), "{r:?}");
    let events = b.store().events(None, 0).unwrap();
    let blocks = events
        .iter()
        .filter(|s| s.event.kind == EventKind::DeviceBlocked)
        .count();
    assert_eq!(blocks, 1, "the block is stored once, by the lease holder");
    let baselines = events
        .iter()
        .filter(|s| s.event.kind == EventKind::Baseline && s.event.source == Source::Directory)
        .count();
    assert_eq!(baselines, 1);
}
