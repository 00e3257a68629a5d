//! What `offsync demo` starts before its dashboard: the shaped tenant at the demo's time
//! scale, the seeded plan, and the stand-in console that does in the simulated Admin console
//! what the admin attests (and sends the reminders the admin marks). Driven through the same
//! headless layer the dashboard calls.
use std::time::{Duration, Instant};

use offsync::cli::demo::{Backend, DemoArgs};
use offsync::google::Clients;
use offsync::migrate::{Migrator, StepAction};
use offsync::migration::{SkipKind, StepId, StepState};
use offsync::sim::DEMO_TIME_SCALE;
use serde_json::Value;

async fn console(base: &str) -> Value {
    reqwest::get(format!("{base}/_sim/console"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn has(v: &Value, setting: &str, enabled: bool) -> bool {
    v["settings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["orgUnitPath"] == "/Pilot" && s["setting"] == setting && s["enabled"] == enabled)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_starts_from_its_plan_and_its_console_does_what_the_admin_attests() {
    let args = DemoArgs {
        users: 300,
        devices: 700,
        seed: 7,
        latency_ms: 0,
        faults: None,
        time_scale: DEMO_TIME_SCALE,
        feed_every: 60,
        deadline_hours: 48,
    };
    let b = Backend::start(&args, false).await.unwrap();
    assert_eq!(b.scale, DEMO_TIME_SCALE);
    let dir = b.database.parent().unwrap().to_path_buf();
    let (clients, _) = Clients::new(&b.profile, None).unwrap();
    let m = Migrator::new(clients, &b.profile, b.database.clone());

    let obs = m.observe_ready().await.unwrap();
    let status = m.status(&obs, None);
    assert_eq!(status.pilot.as_deref(), Some("/Pilot"));
    assert_eq!(status.waves.len(), 3);
    assert!(status.waves.iter().all(|w| w.wave.started_at.is_none()));
    assert_eq!(
        obs.record("/Pilot", StepId::Imap).state,
        StepState::NotStarted
    );
    let pilot_user = obs
        .funnel
        .iter()
        .find(|u| u.ou == "/Pilot")
        .unwrap()
        .email
        .clone();
    // Nothing in the console yet: the stand-in acts only on what the admin does.
    let before = console(&b.sim.base_url).await;
    assert_eq!(before["settings"].as_array().unwrap().len(), 0, "{before}");

    let attest = |step| {
        m.step(
            "/Pilot",
            step,
            StepAction::Attest,
            None,
            SkipKind::NotNeeded,
            false,
        )
    };
    attest(StepId::IosPush).await.unwrap();
    attest(StepId::SyncOff).await.unwrap();
    m.mark_users(&[pilot_user], "reminded", None).await.unwrap();

    let started = Instant::now();
    let seen = loop {
        let v = console(&b.sim.base_url).await;
        if has(&v, "ios_push", true) && has(&v, "google_sync", false) && v["remindedUsers"] == 1 {
            break v;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the stand-in console did not act: {v}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(seen["settings"].as_array().unwrap().len(), 2, "{seen}");

    b.shutdown().await;
    assert!(
        !dir.exists(),
        "the demo's private directory (with its key) is removed"
    );
}
