//! Every event kind the diff engine emits, and that re-diffing (the same poll, or after a
//! restart that reloads the stored state) never produces a new event ID.
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::*;
use crate::model::feed_state::{AndroidSeen, AuditRecord, DeviceSeen, SettingSeen, UsageDay};
use crate::model::{EventKind, Severity};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2031, 3, 4, 9, 0, 0).unwrap()
}

fn dev(ty: &str, status: &str, owner: &str, ou: &str, last: Option<i64>) -> DeviceSeen {
    DeviceSeen {
        device_type: ty.into(),
        status: status.into(),
        last_sync: last.map(|m| t0() + Duration::minutes(m)),
        owner: Some(owner.into()),
        ou: Some(ou.into()),
        model: Some("iPhone".into()),
    }
}

fn seen<T: Clone>(items: &[(&str, T)]) -> Seen<T> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// Applies a diff to a state the way the store does, through JSON (a restart).
fn apply<T: Clone + serde::Serialize + serde::de::DeserializeOwned>(
    old: &Seen<T>,
    d: &Diff<T>,
) -> Seen<T> {
    let mut s = old.clone();
    for k in &d.remove {
        s.remove(k);
    }
    for (k, v) in &d.upsert {
        s.insert(k.clone(), v.clone());
    }
    serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap()
}

fn kinds(events: &[Event]) -> Vec<(EventKind, Option<String>)> {
    events.iter().map(|e| (e.kind, e.device.clone())).collect()
}

#[test]
fn first_poll_is_a_baseline_not_a_flood() {
    let new = seen(&[
        ("a", dev("GOOGLE_SYNC", "APPROVED", "ann@x", "/S", Some(-5))),
        ("b", dev("IOS_SYNC", "APPROVED", "bob@x", "/S", Some(-5))),
    ]);
    let d = devices(None, &new, &SyncOffs::new(), t0());
    assert_eq!(kinds(&d.events), vec![(EventKind::Baseline, None)]);
    assert!(d.events[0].detail.contains("2 devices, 1 Google Sync"));
    assert_eq!(d.upsert.len(), 2);
}

#[test]
fn device_changes_become_events_once() {
    let old = seen(&[
        (
            "gs1",
            dev("GOOGLE_SYNC", "APPROVED", "ann@x", "/S", Some(-60)),
        ),
        (
            "gs2",
            dev("GOOGLE_SYNC", "APPROVED", "cat@x", "/S", Some(-60)),
        ),
        (
            "gs3",
            dev("GOOGLE_SYNC", "APPROVED", "dan@x", "/S", Some(-60)),
        ),
        ("a1", dev("ANDROID", "PENDING", "eve@x", "/S", None)),
        ("a2", dev("ANDROID", "APPROVED", "fay@x", "/S", Some(-60))),
        ("a3", dev("ANDROID", "APPROVED", "gus@x", "/S", Some(-60))),
        ("a4", dev("ANDROID", "APPROVED", "hal@x", "/S", Some(-60))),
    ]);
    let new = seen(&[
        // gs1 gone: left Google Sync. gs2 changed type in place. gs3 blocked.
        ("gs2", dev("IOS_SYNC", "APPROVED", "cat@x", "/S", Some(-1))),
        (
            "gs3",
            dev("GOOGLE_SYNC", "BLOCKED", "dan@x", "/S", Some(-60)),
        ),
        ("a1", dev("ANDROID", "APPROVED", "eve@x", "/S", Some(-1))),
        ("a2", dev("ANDROID", "WIPED", "fay@x", "/S", Some(-60))),
        (
            "a3",
            dev("ANDROID", "UNPROVISIONED", "gus@x", "/S", Some(-60)),
        ),
        // a4 gone; ann's new iPhone is a native account; ivy's a new device.
        ("n1", dev("IOS_SYNC", "APPROVED", "ann@x", "/S", Some(-1))),
        ("n2", dev("IOS_SYNC", "APPROVED", "ivy@x", "/S", Some(-1))),
    ]);
    let d = devices(Some(&old), &new, &SyncOffs::new(), t0());
    let mut got = kinds(&d.events);
    got.sort();
    let s = |k, id: &str| (k, Some(id.to_string()));
    let mut want = vec![
        s(EventKind::LeftGoogleSync, "gs1"),
        s(EventKind::LeftGoogleSync, "gs2"),
        s(EventKind::DeviceBlocked, "gs3"),
        s(EventKind::DeviceApproved, "a1"),
        s(EventKind::DeviceWiped, "a2"),
        s(EventKind::StatusChanged, "a3"),
        s(EventKind::DeviceRemoved, "a4"),
        s(EventKind::NativeAccountAppeared, "n1"),
        s(EventKind::DeviceAppeared, "n2"),
    ];
    want.sort();
    assert_eq!(got, want);
    let blocked = d.events.iter().find(|e| e.kind == EventKind::DeviceBlocked);
    let blocked = blocked.unwrap();
    assert_eq!(blocked.user.as_deref(), Some("dan@x"));
    assert_eq!(blocked.ou.as_deref(), Some("/S"));
    assert!(
        blocked.detail.contains("APPROVED → BLOCKED"),
        "{}",
        blocked.detail
    );
    assert_eq!(blocked.severity, Severity::Notice);

    // The same poll diffed twice: the same IDs. After applying it: nothing new.
    let again = devices(Some(&old), &new, &SyncOffs::new(), t0());
    assert_eq!(ids(&again.events), ids(&d.events));
    let restarted = apply(&old, &d);
    assert_eq!(restarted, new);
    let later = t0() + Duration::minutes(15);
    assert!(devices(Some(&restarted), &new, &SyncOffs::new(), later)
        .events
        .is_empty());
    // No duplicate IDs within one diff either.
    let mut unique = ids(&d.events);
    unique.dedup();
    assert_eq!(unique.len(), d.events.len());
}

fn ids(events: &[Event]) -> Vec<String> {
    let mut v: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
    v.sort();
    v
}

#[test]
fn still_syncing_after_sync_off_alerts_once_per_device_and_inherits() {
    let mut offs = SyncOffs::new();
    offs.insert(
        "/Pilot".into(),
        SyncOff {
            effective_at: t0(),
            step: Some("sync-off".into()),
        },
    );
    let old = seen(&[
        (
            "p1",
            dev("GOOGLE_SYNC", "APPROVED", "a@x", "/Pilot/Kids", Some(-10)),
        ),
        (
            "p2",
            dev("GOOGLE_SYNC", "APPROVED", "b@x", "/Pilot", Some(-10)),
        ),
        (
            "o1",
            dev("GOOGLE_SYNC", "APPROVED", "c@x", "/Other", Some(-10)),
        ),
        (
            "i1",
            dev("IOS_SYNC", "APPROVED", "d@x", "/Pilot", Some(-10)),
        ),
    ]);
    let new = seen(&[
        // Synced after the instant (child OU inherits /Pilot's sync-off).
        (
            "p1",
            dev("GOOGLE_SYNC", "APPROVED", "a@x", "/Pilot/Kids", Some(5)),
        ),
        // Synced, but before the instant.
        (
            "p2",
            dev("GOOGLE_SYNC", "APPROVED", "b@x", "/Pilot", Some(-1)),
        ),
        // No sync-off for /Other; iOS devices are not Google Sync.
        (
            "o1",
            dev("GOOGLE_SYNC", "APPROVED", "c@x", "/Other", Some(5)),
        ),
        ("i1", dev("IOS_SYNC", "APPROVED", "d@x", "/Pilot", Some(5))),
    ]);
    let now = t0() + Duration::minutes(10);
    let d = devices(Some(&old), &new, &offs, now);
    assert_eq!(
        kinds(&d.events),
        vec![(EventKind::StillSyncingAfterSyncOff, Some("p1".into()))]
    );
    let alert = &d.events[0];
    assert_eq!(alert.severity, Severity::Alert);
    assert_eq!(alert.step.as_deref(), Some("sync-off"));
    // Still syncing at the next poll: the same alert ID (one per device per sync-off).
    let state = apply(&old, &d);
    let newer = seen(&[(
        "p1",
        dev("GOOGLE_SYNC", "APPROVED", "a@x", "/Pilot/Kids", Some(20)),
    )]);
    let mut next = state.clone();
    next.extend(newer);
    let d2 = devices(Some(&state), &next, &offs, now + Duration::minutes(15));
    assert_eq!(d2.events.len(), 1);
    assert_eq!(d2.events[0].id, alert.id);
    // Not syncing any more (lastSync unchanged): no alert.
    let d3 = devices(Some(&next), &next, &offs, now + Duration::minutes(30));
    assert!(d3.events.is_empty());
}

#[test]
fn android_compliance_and_policy_versions() {
    let a = |compliant: bool, reasons: &[&str], version: &str| AndroidSeen {
        user: Some("ann@x".into()),
        ou: Some("/S".into()),
        policy: Some("enterprises/E/policies/pilot".into()),
        policy_version: Some(version.into()),
        compliant,
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
    };
    let foreign = "USER_ACTION/NEW_ACCOUNT_NOT_IN_ENTERPRISE";
    let required = "USER_ACTION/REQUIRED_ACCOUNT_NOT_IN_ENTERPRISE";
    let old = seen(&[
        ("d1", a(true, &[], "1")),
        ("d2", a(false, &[foreign], "1")),
        ("d3", a(true, &[], "1")),
        ("d4", a(false, &[foreign], "1")),
    ]);
    let new = seen(&[
        ("d1", a(false, &[required], "1")),
        ("d2", a(true, &[], "1")),
        ("d3", a(true, &[], "2")),
        ("d4", a(false, &[foreign, required], "1")),
    ]);
    let d = android(Some(&old), &new, t0());
    let got: Vec<_> = d
        .events
        .iter()
        .map(|e| (e.kind, e.device.clone().unwrap(), e.detail.clone()))
        .collect();
    assert_eq!(got.len(), 4, "{got:?}");
    assert_eq!(got[0].0, EventKind::AndroidNonCompliant);
    assert!(got[0].2.contains("REQUIRED_ACCOUNT_NOT_IN_ENTERPRISE"));
    assert_eq!(got[1].0, EventKind::AndroidCompliant);
    assert!(got[1].2.contains("NEW_ACCOUNT_NOT_IN_ENTERPRISE"));
    assert_eq!(got[2].0, EventKind::PolicyApplied);
    assert!(got[2].2.contains("version 2 (was"), "{}", got[2].2);
    // d4 gained a reason: the event names the new one only.
    assert_eq!(got[3].0, EventKind::AndroidNonCompliant);
    assert!(got[3].2.contains("REQUIRED") && !got[3].2.contains("NEW_ACCOUNT"));
    let state = apply(&old, &d);
    assert!(android(Some(&state), &new, t0() + Duration::hours(1))
        .events
        .is_empty());
    let base = android(None, &new, t0());
    assert_eq!(base.events.len(), 1);
    assert!(base.events[0].detail.contains("2 not compliant"));
}

#[test]
fn settings_changed_outside_offsync_are_drift() {
    let s = |ou: &str, v: &str| SettingSeen {
        label: "settings/gmail.imap_access".into(),
        ou: Some(ou.into()),
        value: v.into(),
    };
    let old = seen(&[
        ("imap@/", s("/", r#"{"enableImapAccess":false}"#)),
        ("imap@/Staff", s("/Staff", r#"{"enableImapAccess":true}"#)),
    ]);
    let new = seen(&[
        ("imap@/", s("/", r#"{"enableImapAccess":true}"#)),
        ("imap@/Pilot", s("/Pilot", r#"{"enableImapAccess":true}"#)),
    ]);
    let d = settings(Source::Policy, Some(&old), &new, t0());
    let got: Vec<_> = d.events.iter().map(|e| e.ou.clone().unwrap()).collect();
    assert_eq!(got, ["/", "/Pilot", "/Staff"]);
    assert!(d.events.iter().all(|e| e.kind == EventKind::SettingDrift
        && e.severity == Severity::Alert
        && e.source == Source::Policy));
    assert!(d.events[0].detail.contains("false} → {"));
    assert!(d.events[2].detail.contains("removed outside offsync"));
    let state = apply(&old, &d);
    assert!(settings(Source::Policy, Some(&state), &new, t0())
        .events
        .is_empty());
    assert_eq!(
        settings(Source::Policy, None, &new, t0()).events[0].kind,
        EventKind::Baseline
    );
}

#[test]
fn audit_events_keep_googles_identity() {
    let r = AuditRecord {
        id: "2031-03-04T08:00:00Z/123/0".into(),
        time: t0() - Duration::hours(1),
        actor: Some("root@x".into()),
        name: "CHANGE_APPLICATION_SETTING".into(),
        parameters: vec![
            ("SETTING_NAME".into(), "IMAP_ACCESS".into()),
            ("ORG_UNIT_NAME".into(), "/Staff".into()),
            ("OLD_VALUE".into(), "false".into()),
            ("NEW_VALUE".into(), "true".into()),
        ],
    };
    let a = audit(std::slice::from_ref(&r), None, t0());
    let read_again = [r.clone()];
    let b = audit(&read_again, None, t0());
    assert_eq!(a, b, "the same activity read twice is the same event");
    assert_eq!(a[0].at, r.time, "audit events carry Google's time");
    assert_eq!(a[0].kind, EventKind::ConsoleChange);
    assert_eq!(a[0].ou.as_deref(), Some("/Staff"));
    assert!(a[0].detail.contains("IMAP_ACCESS") && a[0].detail.contains("false → true"));
    let mut other = r.clone();
    other.id.push('1');
    assert_ne!(audit(&[other], None, t0())[0].id, a[0].id);
    let first = audit(&read_again, Some(t0() - Duration::hours(24)), t0());
    assert_eq!(first[0].kind, EventKind::Baseline);
    assert_eq!(first[1], a[0]);
}

#[test]
fn usage_reports_each_new_day_once() {
    let day = |d: u32, imap: usize| UsageDay {
        day: NaiveDate::from_ymd_opt(2031, 3, d).unwrap(),
        users: 100,
        imap_users: imap,
    };
    let first = usage(None, &day(2, 30), t0()).unwrap();
    assert_eq!(first.kind, EventKind::GmailUsage);
    assert!(first.detail.contains("30 of 100"));
    assert!(usage(Some(&day(2, 30)), &day(2, 30), t0()).is_none());
    let next = usage(Some(&day(2, 30)), &day(3, 25), t0()).unwrap();
    assert!(next.detail.contains("was 30 on 2031-03-02"));
    assert_eq!(
        usage(None, &day(3, 25), t0() + Duration::hours(3))
            .unwrap()
            .id,
        next.id,
        "one event per day, whenever it is read"
    );
}
