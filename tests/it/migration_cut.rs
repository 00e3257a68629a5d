//! Crash tests with separate processes cut at exact points: right after Google answered a
//! write, before its outcome is journaled (`OFFSYNC_TEST_ABORT_AFTER`), for a create, an undo
//! (delete) and a patch, and under reads that lag writes. The next offsync recovers through
//! the change engine's reconcile of the batch the step's claim names; the simulator and the
//! journal agree and nothing is applied twice.
use std::process::Command;
use std::time::Duration;

use offsync::migration::StepId;
use offsync::sim::{self, SimConfig};
use offsync::store::{Outcome, Store};

use super::migration_crash::{config, pilot_imap_policies};

const BIN: &str = env!("CARGO_BIN_EXE_offsync");

/// Runs `offsync ARGS` in its own process, cut right after Google answers its first write
/// (before the outcome is journaled), and checks it really was cut.
fn cut_after_first_write(cfg: &std::path::Path, args: &[&str]) {
    let out = Command::new(BIN)
        .env("OFFSYNC_TEST_ABORT_AFTER", "1")
        .arg("--config")
        .arg(cfg)
        .args(args)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "{args:?} was not cut: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

fn offsync(cfg: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .arg("--config")
        .arg(cfg)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The IMAP policies at `path` in the simulator: (name, enableImapAccess).
fn imap_at(h: &sim::SimHandle, path: &str) -> Vec<(String, serde_json::Value)> {
    let dump = h.tenant_snapshot();
    let id = if path == "/" {
        None
    } else {
        Some(
            dump["orgUnits"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["orgUnitPath"] == path)
                .unwrap()["orgUnitId"]
                .as_str()
                .unwrap()
                .trim_start_matches("id:")
                .to_string(),
        )
    };
    let root = dump["orgUnits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["parentOrgUnitPath"] == "/")
        .unwrap()["parentOrgUnitId"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("id:")
        .to_string();
    let want = format!("orgUnits/{}", id.unwrap_or(root));
    dump["cloudIdentityPolicies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["setting"]["type"] == "settings/gmail.imap_access"
                && p["policyQuery"]["orgUnit"] == want
        })
        .map(|p| {
            (
                p["name"].as_str().unwrap_or_default().to_string(),
                p["setting"]["value"]["enableImapAccess"].clone(),
            )
        })
        .collect()
}

/// (action, outcome) of the journal's policy writes, oldest first.
fn policy_rows(db: &std::path::Path) -> Vec<(String, Outcome)> {
    let s = Store::open(db).unwrap();
    let mut rows: Vec<_> = s
        .journal()
        .list(1000)
        .unwrap()
        .into_iter()
        .filter(|j| j.action.starts_with("policy."))
        .collect();
    rows.sort_by_key(|j| j.id);
    rows.into_iter().map(|j| (j.action, j.outcome)).collect()
}

fn record(db: &std::path::Path, ou: &str) -> offsync::migration::StepRecord {
    Store::open(db).unwrap().migration().records().unwrap()[&(ou.to_string(), StepId::Imap)].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_cut_after_google_answered_are_recovered_once_for_create_undo_and_patch() {
    let h = sim::start(SimConfig {
        users: 60,
        devices: 120,
        imap_policy_mutable: true,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &h);
    let db = dir.path().join("data").join("sim.sqlite");
    let cfg2 = cfg.clone();
    let run = move |args: Vec<&'static str>| {
        let cfg = cfg2.clone();
        tokio::task::spawn_blocking(move || offsync(&cfg, &args))
    };
    let cut = |args: Vec<&'static str>| {
        let cfg = cfg.clone();
        tokio::task::spawn_blocking(move || cut_after_first_write(&cfg, &args))
    };

    // 1. A create, cut after Google created the policy.
    cut(vec!["step", "/Pilot", "imap", "apply", "--yes"])
        .await
        .unwrap();
    assert_eq!(imap_at(&h, "/Pilot").len(), 1, "the create landed");
    assert_eq!(
        policy_rows(&db),
        vec![("policy.create".into(), Outcome::Planned)]
    );
    assert_eq!(
        Store::open(&db)
            .unwrap()
            .migration()
            .claims()
            .unwrap()
            .len(),
        1
    );
    run(vec!["step", "/Pilot", "imap", "verify"]).await.unwrap();
    assert_eq!(
        policy_rows(&db),
        vec![("policy.create".into(), Outcome::Succeeded)]
    );
    let rec = record(&db, "/Pilot");
    assert_eq!(rec.state.as_str(), "pending_propagation");
    let created = imap_at(&h, "/Pilot")[0].0.clone();
    assert_eq!(
        rec.created_policy.as_deref(),
        Some(created.as_str()),
        "undo can delete it"
    );
    let again = run(vec!["step", "/Pilot", "imap", "apply", "--yes"])
        .await
        .unwrap();
    assert!(again.contains("nothing sent"), "{again}");
    assert_eq!(imap_at(&h, "/Pilot").len(), 1);

    // 2. Its undo (a delete of the policy offsync created), cut after Google deleted it.
    cut(vec!["step", "/Pilot", "imap", "undo", "--yes"])
        .await
        .unwrap();
    assert!(imap_at(&h, "/Pilot").is_empty(), "the delete landed");
    run(vec!["step", "/Pilot", "imap", "verify"]).await.unwrap();
    assert_eq!(
        record(&db, "/Pilot").state.as_str(),
        "not_started",
        "the step starts over"
    );
    assert_eq!(
        policy_rows(&db),
        vec![
            ("policy.create".into(), Outcome::Succeeded),
            ("policy.delete".into(), Outcome::Succeeded)
        ]
    );

    // 3. A patch of the root's own policy (off → on), cut after Google patched it.
    assert_eq!(imap_at(&h, "/")[0].1, serde_json::json!(false));
    cut(vec!["step", "/", "imap", "apply", "--yes"])
        .await
        .unwrap();
    assert_eq!(
        imap_at(&h, "/")[0].1,
        serde_json::json!(true),
        "the patch landed"
    );
    run(vec!["step", "/", "imap", "verify"]).await.unwrap();
    let rec = record(&db, "/");
    assert_eq!(rec.state.as_str(), "pending_propagation");
    assert_eq!(
        rec.previous_value,
        Some(serde_json::json!({"enableImapAccess": false})),
        "undo can restore the earlier value"
    );
    let again = run(vec!["step", "/", "imap", "apply", "--yes"])
        .await
        .unwrap();
    assert!(again.contains("nothing sent"), "{again}");

    // Journal and simulator agree: each write once, every batch closed, nothing unfinished.
    assert_eq!(
        policy_rows(&db),
        vec![
            ("policy.create".into(), Outcome::Succeeded),
            ("policy.delete".into(), Outcome::Succeeded),
            ("policy.patch".into(), Outcome::Succeeded)
        ]
    );
    let mut s = Store::open(&db).unwrap();
    assert!(s.batches().open().unwrap().is_empty());
    assert!(s.journal().unfinished().unwrap().is_empty());
    assert!(s.migration().claims().unwrap().is_empty());
    // The migration facts of each write: OU, step, before/after and the operation name.
    let patch_id = s
        .journal()
        .list(1000)
        .unwrap()
        .into_iter()
        .find(|j| j.action == "policy.patch")
        .unwrap()
        .id;
    let facts = s.migration().change(patch_id).unwrap().unwrap();
    assert_eq!((facts.ou.as_str(), facts.step.as_str()), ("/", "imap"));
    assert_eq!(
        facts.before.as_deref(),
        Some(r#"{"enableImapAccess":false}"#)
    );
    assert_eq!(facts.after.as_deref(), Some(r#"{"enableImapAccess":true}"#));
    assert_eq!(facts.operation, None, "cut before the answer was journaled");
    h.shutdown().await;
}

/// Reads that lag writes: a create cut after Google accepted it does not read back yet, so
/// its fate is unknown. The step stays claimed (a second apply is refused, not sent) until a
/// read after the lag shows the write; then it is recorded applied, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lagging_read_after_a_cut_write_is_unknown_not_failed_and_never_resent() {
    let h = sim::start(SimConfig {
        users: 60,
        devices: 120,
        imap_policy_mutable: true,
        policy_readback: sim::PolicyReadback::AfterPropagation,
        propagation: Duration::from_secs(3 * 3600),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &h);
    let db = dir.path().join("data").join("sim.sqlite");
    let run = |args: Vec<&'static str>| {
        let cfg = cfg.clone();
        tokio::task::spawn_blocking(move || {
            Command::new(BIN)
                .arg("--config")
                .arg(&cfg)
                .args(&args)
                .output()
                .unwrap()
        })
    };
    let c = cfg.clone();
    tokio::task::spawn_blocking(move || {
        cut_after_first_write(&c, &["step", "/Pilot", "imap", "apply", "--yes"])
    })
    .await
    .unwrap();
    assert_eq!(
        pilot_imap_policies(&h),
        1,
        "landed, though reads do not show it yet"
    );
    let out = run(vec!["step", "/Pilot", "imap", "verify"]).await.unwrap();
    let err =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(err.contains("unknown so far"), "{err}");
    assert_eq!(
        policy_rows(&db),
        vec![("policy.create".into(), Outcome::Planned)]
    );
    assert_eq!(
        Store::open(&db)
            .unwrap()
            .migration()
            .claims()
            .unwrap()
            .len(),
        1
    );
    let again = run(vec!["step", "/Pilot", "imap", "apply", "--yes"])
        .await
        .unwrap();
    assert!(
        !again.status.success(),
        "a second apply is refused while unknown"
    );
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("not sent twice"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    // Nor can the engine's own resume send it behind the step's back.
    let batch = Store::open(&db).unwrap().migration().claims().unwrap()[0]
        .batch
        .unwrap()
        .to_string();
    let resume = run(vec![
        "act",
        "--resume",
        Box::leak(batch.into_boxed_str()),
        "--yes",
    ])
    .await
    .unwrap();
    assert!(!resume.status.success());
    assert!(
        String::from_utf8_lossy(&resume.stderr).contains("the migration recovers it"),
        "{}",
        String::from_utf8_lossy(&resume.stderr)
    );
    // After the sim's propagation the read shows the write: applied once.
    h.advance(Duration::from_secs(4 * 3600));
    let out = run(vec!["step", "/Pilot", "imap", "verify"]).await.unwrap();
    assert!(out.status.success());
    assert_eq!(
        policy_rows(&db),
        vec![("policy.create".into(), Outcome::Succeeded)]
    );
    assert!(Store::open(&db)
        .unwrap()
        .migration()
        .claims()
        .unwrap()
        .is_empty());
    assert_eq!(record(&db, "/Pilot").state.as_str(), "pending_propagation");
    assert_eq!(pilot_imap_policies(&h), 1);
    h.shutdown().await;
}
