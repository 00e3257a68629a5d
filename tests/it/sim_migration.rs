//! The simulator's migration behaviour, driven through offsync's own migrator: policy writes
//! propagate, each unverified reading (read-back timing, restriction shape) is handled, EMM
//! users move only after the EMM step, and Reports shows IMAP use by native accounts.
use std::time::Duration;

use offsync::config::Profile;
use offsync::google::Clients;
use offsync::migrate::{MigrateError, Migrator, StepAction};
use offsync::migration::{Funnel, RestrictionShape, SkipKind, StepId, IOS_CLIENT_ID};
use offsync::sim::{self, ImapRestrictionShape, PolicyReadback, SimConfig, SimHandle};
use serde_json::json;

struct Env {
    h: SimHandle,
    m: Migrator,
    _dir: tempfile::TempDir,
}

async fn env(cfg: SimConfig, tweak: impl FnOnce(&mut Profile)) -> Env {
    let h = sim::start(SimConfig {
        imap_policy_mutable: true,
        ..cfg
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.json");
    std::fs::write(&key, &h.credentials.key_json).unwrap();
    let mut profile = Profile::for_simulator(
        &h.base_url,
        key,
        &h.credentials.admin_email,
        h.credentials.domains.clone(),
        None,
    );
    tweak(&mut profile);
    let (clients, _) = Clients::new(&profile, None).unwrap();
    let m = Migrator::new(clients, &profile, dir.path().join("m.sqlite"));
    Env { h, m, _dir: dir }
}

async fn act(
    e: &Env,
    ou: &str,
    step: StepId,
    a: StepAction,
) -> Result<offsync::migrate::StepOutcome, MigrateError> {
    e.m.step(ou, step, a, None, SkipKind::Declined, true).await
}

fn hours(h: u64) -> Duration {
    Duration::from_secs(h * 3600)
}

#[tokio::test]
async fn a_write_read_back_only_after_propagation_is_pending_then_verified_and_never_resent() {
    let cfg = SimConfig {
        users: 80,
        devices: 160,
        policy_readback: PolicyReadback::AfterPropagation,
        propagation: hours(3),
        ..SimConfig::default()
    };
    let e = env(cfg, |_| {}).await;
    let out = act(&e, "/Pilot", StepId::Imap, StepAction::Apply)
        .await
        .unwrap();
    assert!(out.sent);
    assert_eq!(out.record.state.as_str(), "pending_propagation");
    assert!(
        out.record.evidence.iter().all(|ev| !ev.supports),
        "not visible yet: {:?}",
        out.record.evidence
    );
    // The read-back still shows the old value; a second apply must not send again.
    let again = act(&e, "/Pilot", StepId::Imap, StepAction::Apply).await;
    assert!(
        again.is_err(),
        "sent twice: {:?}",
        again.map(|o| o.messages)
    );
    e.h.advance(hours(4));
    let v = act(&e, "/Pilot", StepId::Imap, StepAction::Verify)
        .await
        .unwrap();
    assert_eq!(
        v.record.state.as_str(),
        "pending_propagation",
        "read back, but inside the 24 h window"
    );
    assert!(v.record.evidence.iter().any(|ev| ev.supports));
    e.h.advance(hours(21));
    let v = act(&e, "/Pilot", StepId::Imap, StepAction::Verify)
        .await
        .unwrap();
    assert_eq!(v.record.state.as_str(), "verified");
}

#[tokio::test]
async fn every_restriction_shape_is_handled() {
    for (sim_shape, ours) in [
        (ImapRestrictionShape::Flat, RestrictionShape::Flat),
        (ImapRestrictionShape::Nested, RestrictionShape::Nested),
        (ImapRestrictionShape::None, RestrictionShape::None),
        (ImapRestrictionShape::Nested, RestrictionShape::Flat),
    ] {
        let cfg = SimConfig {
            users: 60,
            devices: 120,
            imap_restriction_shape: sim_shape,
            ..SimConfig::default()
        };
        let e = env(cfg, |p| {
            p.migration.imap_restrict_to_ios = true;
            p.migration.imap_restriction_shape = ours;
        })
        .await;
        let plan = act(&e, "/Pilot", StepId::Imap, StepAction::Plan)
            .await
            .unwrap();
        let text = serde_json::to_string(&plan.plan).unwrap();
        let out = act(&e, "/Pilot", StepId::Imap, StepAction::Apply)
            .await
            .unwrap();
        let state = out.record.state.as_str();
        let shown = serde_json::to_string(&out.record.evidence).unwrap();
        match (sim_shape, ours) {
            (ImapRestrictionShape::None, RestrictionShape::None) => {
                assert!(text.contains("in the console"), "{text}");
                assert_eq!(state, "pending_propagation");
            }
            (ImapRestrictionShape::Nested, RestrictionShape::Flat) => {
                // The wrong guess is refused by Google and said so, never silently dropped.
                assert_eq!(state, "failed", "{out:?}");
                assert!(
                    out.record
                        .reason
                        .as_deref()
                        .unwrap()
                        .contains("Unknown name"),
                    "{:?}",
                    out.record.reason
                );
            }
            _ => {
                assert_eq!(state, "pending_propagation", "{sim_shape:?}: {out:?}");
                assert!(shown.contains(IOS_CLIENT_ID), "{shown}");
            }
        }
        e.h.shutdown().await;
    }
}

#[tokio::test]
async fn a_setting_google_will_not_mutate_becomes_a_guided_step() {
    let e = env(
        SimConfig {
            users: 60,
            devices: 120,
            ..SimConfig::default()
        },
        |_| {},
    )
    .await;
    // Writes of gmail.imap_access refused (the other reading of the unverified fact).
    let e = Env {
        h: sim::start(SimConfig {
            users: 60,
            devices: 120,
            imap_policy_mutable: false,
            ..SimConfig::default()
        })
        .await
        .unwrap(),
        ..e
    };
    let key = e._dir.path().join("key2.json");
    std::fs::write(&key, &e.h.credentials.key_json).unwrap();
    let profile = Profile::for_simulator(
        &e.h.base_url,
        key,
        &e.h.credentials.admin_email,
        e.h.credentials.domains.clone(),
        None,
    );
    let (clients, _) = Clients::new(&profile, None).unwrap();
    let m = Migrator::new(clients, &profile, e._dir.path().join("m2.sqlite"));
    let out = m
        .step(
            "/Pilot",
            StepId::Imap,
            StepAction::Apply,
            None,
            SkipKind::Declined,
            true,
        )
        .await
        .unwrap();
    assert_eq!(out.record.state.as_str(), "needs_manual");
    assert!(out
        .record
        .reason
        .as_deref()
        .unwrap()
        .contains("POP and IMAP access"));
    // The admin does it in the console and attests; verification reads the policy back.
    let out = m
        .step(
            "/Pilot",
            StepId::Imap,
            StepAction::Attest,
            None,
            SkipKind::Declined,
            true,
        )
        .await
        .unwrap();
    assert_eq!(out.record.state.as_str(), "attested");
}

fn pilot_funnel(obs: &offsync::migrate::Observed) -> Vec<Funnel> {
    obs.funnel
        .iter()
        .filter(|u| u.ou == "/Pilot")
        .map(|u| u.funnel)
        .collect()
}

#[tokio::test]
async fn emm_users_move_only_after_the_emm_step_and_reports_show_their_imap() {
    let cfg = SimConfig {
        users: 400,
        devices: 900,
        seed: 11,
        emm_ous: vec!["/Pilot".into()],
        behaviour: sim::Behaviour {
            never_pct: 0,
            reminder_pct: 0,
            switch_after: (600, 3600),
        },
        propagation: hours(1),
        ..SimConfig::default()
    };
    let e = env(cfg, |_| {}).await;
    let before = e.m.observe_ready().await.unwrap();
    let n = pilot_funnel(&before).len();
    assert!(n > 0, "the pilot has Google Sync users");
    // A native profile an EMM pushed looks like Apple's own: only a declaration reveals it.
    assert!(before
        .funnel
        .iter()
        .filter(|u| u.ou == "/Pilot")
        .any(|u| u.emm.is_none()));
    let mut d = offsync::migration::OuDeclaration::new("/Pilot");
    d.emm = true;
    e.m.declare(d).await.unwrap();
    act(&e, "/Pilot", StepId::Imap, StepAction::Apply)
        .await
        .unwrap();
    e.h.advance(hours(48));
    let obs = e.m.observe_ready().await.unwrap();
    assert!(
        !pilot_funnel(&obs).contains(&Funnel::Switched),
        "EMM users waited for the EMM"
    );
    assert!(obs
        .funnel
        .iter()
        .filter(|u| u.ou == "/Pilot")
        .all(|u| u.emm.is_some() && u.instructions.contains("EMM")));
    let r = reqwest::Client::new()
        .post(format!("{}/_sim/console", e.h.base_url))
        .json(&json!({"orgUnitPath": "/Pilot", "setting": "emm_google_account", "enabled": true}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    e.h.advance(hours(6));
    let obs = e.m.observe_ready().await.unwrap();
    let f = pilot_funnel(&obs);
    // Android Exchange users end on the Android Google account (the Gmail app).
    assert!(f.iter().all(|x| !x.is_left_behind()), "{f:?}");
    assert!(f.contains(&Funnel::Switched));
    // Apple Mail on the new Google accounts reads over IMAP: Reports says so, days later.
    e.h.advance(hours(72));
    let date = (e.h.now() - chrono::Duration::days(3))
        .format("%Y-%m-%d")
        .to_string();
    use futures::TryStreamExt;
    let rows =
        e.m.clients
            .reports
            .gmail_usage(&date)
            .try_concat()
            .await
            .unwrap();
    for u in obs
        .funnel
        .iter()
        .filter(|u| u.ou == "/Pilot" && u.funnel == Funnel::Switched)
    {
        let row = rows
            .iter()
            .find(|r| r.user_email() == Some(u.email.as_str()))
            .unwrap();
        assert!(
            row.datetime("gmail:timestamp_last_imap").is_some(),
            "{}",
            u.email
        );
    }
}

/// An attestation the devices contradict: sync-off is flagged, and the sweep blocks the
/// Google Sync devices that still sync, through the change engine (one journaled batch).
#[tokio::test]
async fn a_contradicted_sync_off_is_flagged_and_the_sweep_blocks_through_the_engine() {
    let e = env(
        SimConfig {
            users: 400,
            devices: 900,
            seed: 11,
            ..SimConfig::default()
        },
        |_| {},
    )
    .await;
    // The admin attests, but Google Sync was never turned off in the console.
    act(&e, "/Pilot", StepId::SyncOff, StepAction::Attest)
        .await
        .unwrap();
    e.h.advance(hours(30));
    let v = act(&e, "/Pilot", StepId::SyncOff, StepAction::Verify)
        .await
        .unwrap();
    assert_eq!(v.record.state.as_str(), "flagged", "{:?}", v.record);
    let plan =
        e.m.step(
            "/Pilot",
            StepId::Sweep,
            StepAction::Apply,
            None,
            SkipKind::Declined,
            false,
        )
        .await
        .unwrap();
    let targets = match plan.plan {
        Some(offsync::migrate::StepPlan::Block { change }) => change.devices,
        other => panic!("{other:?}"),
    };
    assert!(
        !targets.is_empty(),
        "some pilot Google Sync devices still sync"
    );
    assert!(!plan.sent);
    let out = act(&e, "/Pilot", StepId::Sweep, StepAction::Apply)
        .await
        .unwrap();
    assert!(out.sent, "{:?}", out.messages);
    assert_eq!(out.record.state.as_str(), "verified", "{:?}", out.record);
    let dump = e.h.tenant_snapshot();
    for (rid, _) in &targets {
        let d = dump["mobiledevices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["resourceId"] == rid.as_str())
            .unwrap();
        assert_eq!(d["status"], "BLOCKED", "{rid}");
    }
    let s = offsync::store::Store::open(&e.m.db).unwrap();
    let rows = s.journal().list(1000).unwrap();
    let batch_rows = rows
        .iter()
        .filter(|r| r.batch_id.is_some() && r.outcome == offsync::store::Outcome::Succeeded)
        .count();
    assert_eq!(
        batch_rows,
        targets.len(),
        "one journaled request per device, in one batch"
    );
}
