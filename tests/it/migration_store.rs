//! Migration state shared by two offsync processes on one database: each sees the other's
//! plan, and a step is claimed (sent) by exactly one of them.
use chrono::{Duration, TimeZone, Utc};
use offsync::migration::{StepId, StepState};
use offsync::store::{MigrationStoreError, Store};

#[test]
fn two_processes_see_one_plan_and_one_claim() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.sqlite");
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    let mut a = Store::open(&path).unwrap();
    let mut b = Store::open(&path).unwrap();

    a.migration().set_pilot("/Pilot", now).unwrap();
    assert_eq!(b.migration().add_wave(&["/Staff".into()], now).unwrap(), 1);
    assert_eq!(
        a.migration().add_wave(&["/Students".into()], now).unwrap(),
        2
    );
    let plan = b.migration().plan().unwrap();
    assert_eq!(plan.pilot.as_deref(), Some("/Pilot"));
    assert_eq!(plan.waves.len(), 2);

    a.migration()
        .update_step("/Pilot", StepId::Imap, now, |r| r.plan(now))
        .unwrap();
    assert_eq!(
        b.migration().records().unwrap()[&("/Pilot".to_string(), StepId::Imap)].state,
        StepState::Planned
    );

    let rec = a
        .migration()
        .claim("/Pilot", StepId::Imap, "host:1", None, 3, now)
        .unwrap();
    // The other process can neither claim nor change the step while it is being sent.
    match b
        .migration()
        .claim("/Pilot", StepId::Imap, "host:2", None, 3, now)
    {
        Err(MigrationStoreError::Busy { claimant, .. }) => assert_eq!(claimant, "host:1"),
        other => panic!("second claim: {other:?}"),
    }
    assert!(b
        .migration()
        .update_step("/Pilot", StepId::Imap, now, |r| r.plan(now))
        .is_err());
    assert_eq!(b.migration().claims().unwrap().len(), 1);
    // Only the holder releases it; once sent, it cannot be claimed again.
    let mut sent = rec.clone();
    sent.applied(now, Duration::hours(24), Some("policies/p1".into()), None)
        .unwrap();
    assert!(b.migration().release(&sent, "host:2", now).is_err());
    a.migration().release(&sent, "host:1", now).unwrap();
    assert!(b.migration().claims().unwrap().is_empty());
    assert!(b
        .migration()
        .claim("/Pilot", StepId::Imap, "host:2", None, 3, now)
        .is_err());
    assert_eq!(
        b.migration().records().unwrap()[&("/Pilot".to_string(), StepId::Imap)].state,
        StepState::PendingPropagation
    );
    // A wave starts once, whoever asks first.
    assert!(a.migration().start_wave(1, now).unwrap());
    assert!(!b.migration().start_wave(1, now).unwrap());
}

#[test]
fn overrides_need_words_even_in_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("m.sqlite")).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    s.migration().add_wave(&["/Staff".into()], now).unwrap();
    let o = offsync::migration::GuardOverride {
        guard: offsync::migration::GuardId::UsersReplaced,
        kind: offsync::migration::OverrideKind::AcceptedRisk,
        reason: "   ".into(),
        by: "admin@x".into(),
        at: now,
    };
    assert!(s.migration().add_override(1, &o).is_err());
}
