//! Crash tests with separate processes: an `offsync step … apply --yes` is killed while its
//! write is in flight; the next offsync recovers from the claim and the journal, and the
//! simulator and the journal agree: the policy exists once, nothing is applied twice.
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use offsync::migration::StepId;
use offsync::sim::{self, SimConfig};
use offsync::store::{Outcome, Store};

const BIN: &str = env!("CARGO_BIN_EXE_offsync");

fn config(dir: &std::path::Path, h: &sim::SimHandle) -> PathBuf {
    let cfg = dir.join("sim");
    offsync::cli::sim::write_config(&cfg, &h.base_url, &h.credentials).unwrap();
    let p = cfg.join("config.toml");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(
        &p,
        format!(
            "data_dir = {:?}\nlog_file = {:?}\n{text}",
            dir.join("data").to_str().unwrap(),
            dir.join("log").to_str().unwrap()
        ),
    )
    .unwrap();
    p
}

fn pilot_imap_policies(h: &sim::SimHandle) -> usize {
    let dump = h.tenant_snapshot();
    let pilot_id = dump["orgUnits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["orgUnitPath"] == "/Pilot")
        .unwrap()["orgUnitId"]
        .as_str()
        .unwrap()
        .trim_start_matches("id:")
        .to_string();
    dump["cloudIdentityPolicies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["setting"]["type"] == "settings/gmail.imap_access"
                && p["policyQuery"]["orgUnit"] == format!("orgUnits/{pilot_id}")
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apply_killed_mid_write_is_recovered_and_never_sent_twice() {
    let h = sim::start(SimConfig {
        users: 60,
        devices: 120,
        imap_policy_mutable: true,
        latency: Duration::from_millis(300),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &h);
    let db = dir.path().join("data").join("sim.sqlite");
    let run = |args: &[&str]| {
        let cfg = cfg.clone();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        async move {
            tokio::task::spawn_blocking(move || {
                Command::new(BIN)
                    .arg("--config")
                    .arg(&cfg)
                    .args(&args)
                    .output()
                    .unwrap()
            })
            .await
            .unwrap()
        }
    };

    // The database exists before the race starts: the poll below must not create it while
    // the apply does.
    drop(Store::open(&db).unwrap());
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(&cfg)
        .args(["step", "/Pilot", "imap", "apply", "--yes"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Kill it the moment its journal entry exists: the write is on the wire (or about to be).
    // Generous: the whole suite may be running on two cores.
    let deadline = Instant::now() + Duration::from_secs(240);
    let entry = loop {
        assert!(
            Instant::now() < deadline,
            "the apply never reached the journal"
        );
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            use std::io::Read;
            let _ = child.stderr.take().unwrap().read_to_string(&mut err);
            panic!("the apply ended ({status}) before it was killed: {err}");
        }
        if let Ok(mut s) = Store::open(&db) {
            if let Some(c) = s
                .migration()
                .claims()
                .ok()
                .and_then(|c| c.into_iter().next())
            {
                if let Some(e) = c.journal_entry {
                    child.kill().unwrap();
                    break e;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let _ = child.wait();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    {
        let mut s = Store::open(&db).unwrap();
        assert_eq!(
            s.migration().claims().unwrap().len(),
            1,
            "the crash left its claim"
        );
        assert_eq!(
            s.journal().unfinished().unwrap().len(),
            1,
            "and a planned journal entry"
        );
    }
    let landed = pilot_imap_policies(&h);
    eprintln!("the killed write landed: {}", landed == 1);
    assert!(landed <= 1);

    // The next offsync recovers: journal and simulator agree.
    let out = run(&["step", "/Pilot", "imap", "verify"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut s = Store::open(&db).unwrap();
    assert!(s.migration().claims().unwrap().is_empty());
    let e = s
        .journal()
        .list(100)
        .unwrap()
        .into_iter()
        .find(|j| j.id == entry)
        .unwrap();
    let state = s.migration().records().unwrap()[&("/Pilot".to_string(), StepId::Imap)]
        .state
        .as_str();
    if landed == 1 {
        assert_eq!(e.outcome, Outcome::Succeeded);
        assert_eq!(state, "pending_propagation");
    } else {
        assert!(matches!(e.outcome, Outcome::Failed(_)), "{:?}", e.outcome);
        assert_eq!(state, "planned");
    }
    drop(s);

    // Applying again sends at most what is missing: the policy exists exactly once.
    let out = run(&["step", "/Pilot", "imap", "apply", "--yes"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(pilot_imap_policies(&h), 1);
    let out = run(&["step", "/Pilot", "imap", "apply", "--yes"]).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing sent"));
    assert_eq!(pilot_imap_policies(&h), 1);
    let s = Store::open(&db).unwrap();
    assert!(s.journal().unfinished().unwrap().is_empty());
    let creates = s
        .journal()
        .list(100)
        .unwrap()
        .into_iter()
        .filter(|j| j.action == "policy.create" && j.outcome == Outcome::Succeeded)
        .count();
    assert_eq!(
        creates, 1,
        "one create succeeded, in the journal as in the simulator"
    );
    h.shutdown().await;
}

/// The other crash: the write landed but the process died before recording it. Recovery
/// reads the policy back, records the entry as succeeded and the step as applied, and the
/// next apply sends nothing.
#[tokio::test]
async fn a_write_that_landed_before_the_crash_is_recorded_once() {
    use chrono::Utc;
    use offsync::migrate::{Migrator, StepAction};
    use offsync::migration::SkipKind;
    use offsync::store::{ChangeRow, JournalEntry};

    let h = sim::start(SimConfig {
        users: 60,
        devices: 120,
        imap_policy_mutable: true,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.json");
    std::fs::write(&key, &h.credentials.key_json).unwrap();
    let profile = offsync::config::Profile::for_simulator(
        &h.base_url,
        key,
        &h.credentials.admin_email,
        h.credentials.domains.clone(),
        None,
    );
    let (clients, _) = offsync::google::Clients::new(&profile, None).unwrap();
    let db = dir.path().join("m.sqlite");
    let m = Migrator::new(clients.clone(), &profile, db.clone());

    // The crashed process: step claimed, journal entry planned, write sent and landed.
    let ous = clients.directory.orgunits().await.unwrap();
    let pilot = ous.iter().find(|o| o.org_unit_path == "/Pilot").unwrap();
    let value = serde_json::json!({"enableImapAccess": true});
    clients
        .policy
        .create(&pilot.org_unit_id, "settings/gmail.imap_access", &value)
        .await
        .unwrap();
    let then = Utc::now() - chrono::Duration::hours(2);
    let mut s = Store::open(&db).unwrap();
    s.migration()
        .update_step("/Pilot", StepId::Imap, then, |r| r.plan(then))
        .unwrap();
    s.migration()
        .claim("/Pilot", StepId::Imap, "gone-host:4242", None, 3, then)
        .unwrap();
    let id = s
        .journal()
        .append(&JournalEntry {
            id: 0,
            at: then,
            profile: "demo".into(),
            actor: "admin".into(),
            action: "policy.create".into(),
            target: "/Pilot imap".into(),
            count: 1,
            request: "POST v1/policies".into(),
            gam_command: String::new(),
            outcome: Outcome::Planned,
            dry_run: false,
            batch_id: None,
            seq: None,
        })
        .unwrap();
    s.migration()
        .record_change(&ChangeRow {
            journal_id: id,
            ou: "/Pilot".into(),
            step: "imap".into(),
            before: None,
            after: Some(value.to_string()),
            reason: None,
            operation: None,
        })
        .unwrap();
    s.migration()
        .set_claim_entry("/Pilot", StepId::Imap, "gone-host:4242", id)
        .unwrap();
    drop(s);

    let obs = m.observe_ready().await.unwrap();
    assert!(
        obs.warnings
            .iter()
            .any(|w| w.contains("reads back as written")),
        "{:?}",
        obs.warnings
    );
    let rec = obs.record("/Pilot", StepId::Imap);
    assert_eq!(rec.state.as_str(), "pending_propagation");
    assert!(
        rec.created_policy.is_some(),
        "undo can delete what the crashed process created"
    );
    let s = Store::open(&db).unwrap();
    assert_eq!(
        s.journal()
            .list(10)
            .unwrap()
            .iter()
            .find(|e| e.id == id)
            .unwrap()
            .outcome,
        Outcome::Succeeded
    );
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
    assert!(!out.sent);
    assert_eq!(pilot_imap_policies(&h), 1);
    // Undo deletes the policy offsync created; the OU inherits again.
    let out = m
        .step(
            "/Pilot",
            StepId::Imap,
            StepAction::Undo,
            None,
            SkipKind::Declined,
            true,
        )
        .await
        .unwrap();
    assert!(out.sent, "{:?}", out.messages);
    assert_eq!(pilot_imap_policies(&h), 0);
    assert_eq!(out.record.state.as_str(), "not_started");
    h.shutdown().await;
}
