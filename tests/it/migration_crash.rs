//! Crash tests with separate processes: an `offsync step … apply --yes` is killed while its
//! write is in flight (cuts at exact points are in `migration_cut`). The next offsync
//! recovers through the change engine's reconcile of the batch the claim names, and the
//! simulator and the journal agree: every write exists once, nothing is applied twice.
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use offsync::migration::StepId;
use offsync::sim::{self, SimConfig};
use offsync::store::{Outcome, Store};

const BIN: &str = env!("CARGO_BIN_EXE_offsync");

pub(crate) fn config(dir: &std::path::Path, h: &sim::SimHandle) -> PathBuf {
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

pub(crate) fn pilot_imap_policies(h: &sim::SimHandle) -> usize {
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
    let batch = loop {
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
                if let Some(b) = c.batch {
                    child.kill().unwrap();
                    break b;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let _ = child.wait();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    {
        let mut s = Store::open(&db).unwrap();
        let claims = s.migration().claims().unwrap();
        assert_eq!(claims.len(), 1, "the crash left its claim");
        assert_eq!(claims[0].batch, Some(batch), "naming its change batch");
        assert!(s.journal().unfinished().unwrap().len() <= 1);
    }
    let landed = pilot_imap_policies(&h);
    eprintln!("the killed write landed: {}", landed == 1);
    assert!(landed <= 1);

    // The next offsync recovers through the engine. A write that landed reads back at once;
    // one that did not is unknown until the read lag (the propagation window) has passed.
    let out = run(&["step", "/Pilot", "imap", "verify"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let state = |db: &std::path::Path| {
        Store::open(db).unwrap().migration().records().unwrap()
            [&("/Pilot".to_string(), StepId::Imap)]
            .state
            .as_str()
            .to_string()
    };
    if landed == 1 {
        assert!(Store::open(&db)
            .unwrap()
            .migration()
            .claims()
            .unwrap()
            .is_empty());
        assert_eq!(state(&db), "pending_propagation");
    } else {
        let claims = Store::open(&db).unwrap().migration().claims().unwrap();
        if !claims.is_empty() {
            // Unknown: still claimed, so a second apply is refused rather than sent.
            let again = run(&["step", "/Pilot", "imap", "apply", "--yes"]).await;
            assert!(!again.status.success());
            assert_eq!(pilot_imap_policies(&h), 0);
            h.advance(Duration::from_secs(25 * 3600));
            let out = run(&["step", "/Pilot", "imap", "verify"]).await;
            assert!(out.status.success());
        }
        assert!(Store::open(&db)
            .unwrap()
            .migration()
            .claims()
            .unwrap()
            .is_empty());
        assert_eq!(state(&db), "planned");
    }

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
    assert!(s.batches().open().unwrap().is_empty(), "every batch closed");
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
