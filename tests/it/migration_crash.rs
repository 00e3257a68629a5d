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
        format!("data_dir = {:?}\nlog_file = {:?}\n{text}", dir.join("data").to_str().unwrap(), dir.join("log").to_str().unwrap()),
    )
    .unwrap();
    p
}

fn pilot_imap_policies(h: &sim::SimHandle) -> usize {
    let dump = h.tenant_snapshot();
    let pilot_id = dump["orgUnits"].as_array().unwrap().iter().find(|o| o["orgUnitPath"] == "/Pilot").unwrap()["orgUnitId"]
        .as_str()
        .unwrap()
        .trim_start_matches("id:")
        .to_string();
    dump["cloudIdentityPolicies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["setting"]["type"] == "settings/gmail.imap_access" && p["policyQuery"]["orgUnit"] == format!("orgUnits/{pilot_id}"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apply_killed_mid_write_is_recovered_and_never_sent_twice() {
    let h = sim::start(SimConfig {
        users: 60,
        devices: 120,
        imap_policy_mutable: true,
        latency: Duration::from_millis(700),
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
            tokio::task::spawn_blocking(move || Command::new(BIN).arg("--config").arg(&cfg).args(&args).output().unwrap())
                .await
                .unwrap()
        }
    };

    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(&cfg)
        .args(["step", "/Pilot", "imap", "apply", "--yes"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it the moment its journal entry exists: the write is on the wire (or about to be).
    let deadline = Instant::now() + Duration::from_secs(60);
    let entry = loop {
        assert!(Instant::now() < deadline, "the apply never reached the journal");
        if let Ok(mut s) = Store::open(&db) {
            if let Some(c) = s.migration().claims().ok().and_then(|c| c.into_iter().next()) {
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
        assert_eq!(s.migration().claims().unwrap().len(), 1, "the crash left its claim");
        assert_eq!(s.journal().unfinished().unwrap().len(), 1, "and a planned journal entry");
    }
    let landed = pilot_imap_policies(&h);
    eprintln!("the killed write landed: {}", landed == 1);
    assert!(landed <= 1);

    // The next offsync recovers: journal and simulator agree.
    let out = run(&["step", "/Pilot", "imap", "verify"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut s = Store::open(&db).unwrap();
    assert!(s.migration().claims().unwrap().is_empty());
    let e = s.journal().list(100).unwrap().into_iter().find(|j| j.id == entry).unwrap();
    let state = s.migration().records().unwrap()[&("/Pilot".to_string(), StepId::Imap)].state.as_str();
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
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(pilot_imap_policies(&h), 1);
    let out = run(&["step", "/Pilot", "imap", "apply", "--yes"]).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing sent"));
    assert_eq!(pilot_imap_policies(&h), 1);
    let s = Store::open(&db).unwrap();
    assert!(s.journal().unfinished().unwrap().is_empty());
    let creates = s.journal().list(100).unwrap().into_iter().filter(|j| j.action == "policy.create" && j.outcome == Outcome::Succeeded).count();
    assert_eq!(creates, 1, "one create succeeded, in the journal as in the simulator");
    h.shutdown().await;
}
