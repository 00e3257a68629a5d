//! `offsync act` and crash recovery end to end: the real binary against the simulator.
//! Crashes are exact, not timed: `OFFSYNC_TEST_ABORT_AFTER=N` aborts the process right
//! after the N-th change request's response arrives, before its outcome is journaled.
use std::collections::BTreeMap;
use std::process::Output;

use offsync::change::recover::{state, TargetState};
use offsync::sim::{ClockConfig, SimConfig, SimHandle};
use offsync::store::Store;

use crate::cli_devices::{setup_with, Env};

fn tenant() -> SimConfig {
    SimConfig {
        users: 150,
        devices: 600,
        clock: ClockConfig {
            start: None,
            speed: 0.0,
        },
        devices_keep_syncing: false,
        ..SimConfig::default()
    }
}

async fn run(env: &Env, args: &[&str], abort_after: Option<usize>) -> Output {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_offsync"));
    c.arg("--config")
        .arg(&env.config)
        .args(args)
        .env("HOME", env.dir.path())
        .env_remove("OFFSYNC_CONFIG")
        .env_remove("OFFSYNC_PROFILE")
        .env_remove("OFFSYNC_TEST_ABORT_AFTER")
        .stdin(std::process::Stdio::null());
    if let Some(n) = abort_after {
        c.env("OFFSYNC_TEST_ABORT_AFTER", n.to_string());
    }
    c.output().await.expect("offsync runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Visible devices: resource ID → status, from the simulator's ground truth.
fn statuses(sim: &SimHandle) -> BTreeMap<String, String> {
    sim.tenant_snapshot()["mobiledevices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["_deleted"] != true)
        .map(|d| {
            (
                d["resourceId"].as_str().unwrap().to_string(),
                d["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// How many change requests each of `ids` received.
fn requests_per_device(sim: &SimHandle, ids: &[String]) -> Vec<u64> {
    let m = sim.stats().mutations;
    ids.iter()
        .map(|id| {
            m.iter()
                .filter(|(k, _)| k.contains(&format!("/devices/mobile/{id}")))
                .map(|(_, n)| *n)
                .sum()
        })
        .collect()
}

fn database(env: &Env) -> std::path::PathBuf {
    env.dir.path().join("data").join("sim.sqlite")
}

/// Picks `n` approved devices and writes their IDs to a file.
fn approved_ids(env: &Env, n: usize) -> (Vec<String>, std::path::PathBuf) {
    let ids: Vec<String> = statuses(&env.sim)
        .into_iter()
        .filter(|(_, st)| st == "APPROVED")
        .map(|(id, _)| id)
        .take(n)
        .collect();
    assert_eq!(ids.len(), n, "the tenant has {n} approved devices");
    let file = env.dir.path().join("ids.txt");
    std::fs::write(&file, ids.join("\n")).unwrap();
    (ids, file)
}

/// A batch of 200 blocks, cut after the N-th request at several points, reconciled by
/// the next command and resumed: the journal and the simulator agree at every step, and
/// no device receives a second request.
#[tokio::test]
async fn a_crashed_batch_is_reconciled_and_resumed_without_double_sends() {
    for cut in [1usize, 77, 200] {
        // One request at a time, so "after the N-th response" is exactly N devices.
        let env = setup_with(tenant(), "concurrency = 1\n").await;
        let (ids, file) = approved_ids(&env, 200);
        let f = file.to_str().unwrap();
        let out = run(
            &env,
            &["act", "block", "--ids-from", f, "--yes", "--count", "200"],
            Some(cut),
        )
        .await;
        assert!(
            out.status.code().is_none(),
            "cut {cut}: aborted by the hook: {}",
            text(&out.stderr)
        );
        let sim_blocked = |env: &Env| {
            let st = statuses(&env.sim);
            ids.iter().filter(|id| st[*id] == "BLOCKED").count()
        };
        assert_eq!(
            sim_blocked(&env),
            cut,
            "cut {cut}: exactly the sent requests applied"
        );

        // The whole batch was journaled before the first request.
        {
            let s = Store::open(&database(&env)).unwrap();
            let open = s.batches().open().unwrap();
            assert_eq!(open.len(), 1);
            let t = s.batches().targets(open[0].id).unwrap();
            assert_eq!(t.len(), 200, "every confirmed target is on disk");
            let ids_in_batch: Vec<&str> = t.iter().map(|t| t.resource_id.as_str()).collect();
            assert_eq!(
                ids_in_batch,
                ids.iter().map(String::as_str).collect::<Vec<_>>()
            );
            assert!(t.iter().all(|t| t.before == "APPROVED"));
            let interrupted = t
                .iter()
                .filter(|t| state(t) == TargetState::Interrupted)
                .count();
            assert_eq!(
                interrupted, 1,
                "cut {cut}: the last request's outcome was lost"
            );
        }

        // Any command that opens the database reconciles first and says so; nothing is sent.
        let before = env.sim.stats().mutations.values().sum::<u64>();
        let out = run(&env, &["journal", "--json"], None).await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        let err = text(&out.stderr);
        if cut < 200 {
            assert!(
                err.contains("interrupted batch 1") && err.contains("--resume 1"),
                "{err}"
            );
        }
        assert_eq!(
            env.sim.stats().mutations.values().sum::<u64>(),
            before,
            "reconciling never sends"
        );
        let journal: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let succeeded = journal
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["outcome"] == "succeeded")
            .count();
        assert_eq!(
            succeeded, cut,
            "cut {cut}: the journal agrees with the simulator"
        );
        {
            let s = Store::open(&database(&env)).unwrap();
            let t = s.batches().targets(1).unwrap();
            let applied = t
                .iter()
                .filter(|t| state(t) == TargetState::Applied)
                .count();
            let resumable = t.iter().filter(|t| state(t).is_resumable()).count();
            assert_eq!((applied, resumable), (cut, 200 - cut), "cut {cut}");
            assert_eq!(s.batches().open().unwrap().len(), usize::from(cut < 200));
        }

        if cut < 200 {
            let out = run(&env, &["act", "--resume", "1", "--yes"], None).await;
            assert!(
                out.status.success(),
                "{}{}",
                text(&out.stdout),
                text(&out.stderr)
            );
            assert!(
                text(&out.stdout).contains(&format!("{} applied", 200 - cut)),
                "{}",
                text(&out.stdout)
            );
        }
        assert_eq!(sim_blocked(&env), 200);
        assert!(
            requests_per_device(&env.sim, &ids).iter().all(|n| *n == 1),
            "cut {cut}: every device received exactly one request"
        );
        assert_eq!(
            env.sim.stats().mutations.len(),
            200,
            "no other device was touched"
        );
        let s = Store::open(&database(&env)).unwrap();
        assert!(
            s.batches().open().unwrap().is_empty(),
            "the batch is finished"
        );
        assert_eq!(
            s.batches().get(1).unwrap().unwrap().closed.as_deref(),
            Some("finished")
        );
        env.sim.shutdown().await;
    }
}

/// Without --yes the plan is printed and nothing changes; a saved plan runs exactly as
/// reviewed and is refused once stale; each outcome has its own exit code.
#[tokio::test]
async fn plans_confirmation_and_exit_codes() {
    let env = setup_with(tenant(), "").await;
    let (ids, file) = approved_ids(&env, 12);
    let f = file.to_str().unwrap();
    let code = |o: &Output| o.status.code();

    let out = run(&env, &["act", "block", "--ids-from", f], None).await;
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("plan: block 12 devices"), "{stdout}");
    assert!(
        stdout.contains(&format!("gam update mobile {} action block", ids[0])),
        "{stdout}"
    );
    assert!(
        stdout.contains("nothing was changed; add --yes"),
        "{stdout}"
    );
    let out = run(
        &env,
        &["act", "block", "--ids-from", f, "--yes", "--dry-run"],
        None,
    )
    .await;
    assert!(text(&out.stdout).contains("dry run: nothing was changed"));
    assert!(
        env.sim.stats().mutations.is_empty(),
        "no change without --yes"
    );

    assert_eq!(
        code(&run(&env, &["act", "block"], None).await),
        Some(2),
        "a filter is required"
    );
    assert_eq!(code(&run(&env, &["act"], None).await), Some(2));
    assert_eq!(
        code(&run(&env, &["act", "freeze", "--ou", "/"], None).await),
        Some(2)
    );
    let out = run(&env, &["act", "block", "--ids-from", f, "--yes"], None).await;
    assert_eq!(
        code(&out),
        Some(4),
        "12 > confirm_typed_above needs --count"
    );
    assert!(
        text(&out.stderr).contains("--count 12"),
        "{}",
        text(&out.stderr)
    );
    let out = run(
        &env,
        &[
            "--readonly",
            "act",
            "block",
            "--ids-from",
            f,
            "--yes",
            "--count",
            "12",
        ],
        None,
    )
    .await;
    assert_eq!(code(&out), Some(4), "read-only refuses");
    assert!(env.sim.stats().mutations.is_empty());

    // Save, change one target behind the plan's back: the saved plan is stale.
    let plan = env.dir.path().join("plan.json");
    let p = plan.to_str().unwrap();
    let out = run(
        &env,
        &["act", "block", "--ids-from", f, "--save-plan", p],
        None,
    )
    .await;
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));
    let one = env.dir.path().join("one.txt");
    std::fs::write(&one, &ids[3]).unwrap();
    let out = run(
        &env,
        &["act", "block", "--ids-from", one.to_str().unwrap(), "--yes"],
        None,
    )
    .await;
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));
    let out = run(&env, &["act", "--plan", p, "--yes", "--count", "12"], None).await;
    assert_eq!(code(&out), Some(4), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("stale"), "{}", text(&out.stderr));
    assert_eq!(env.sim.stats().mutations.len(), 1);

    // A fresh plan leaves the blocked one out, and runs exactly as saved.
    let out = run(
        &env,
        &["act", "block", "--ids-from", f, "--save-plan", p],
        None,
    )
    .await;
    assert!(
        text(&out.stdout).contains("left out: 1 already"),
        "{}",
        text(&out.stdout)
    );
    let out = run(&env, &["act", "--plan", p, "--yes", "--count", "11"], None).await;
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));
    assert_eq!(requests_per_device(&env.sim, &ids), vec![1; 12]);
    let out = run(&env, &["journal", "--since", "2000-01-01"], None).await;
    assert_eq!(
        text(&out.stdout).matches("succeeded").count(),
        12,
        "{}",
        text(&out.stdout)
    );
    env.sim.shutdown().await;
}

/// A token without the device-action scope: every request fails with the scope named, and
/// the exit code says some failed.
#[tokio::test]
async fn failures_exit_3_and_name_the_missing_scope() {
    let mut cfg = tenant();
    cfg.dwd_scopes = Some(
        offsync::google::scopes::ALL
            .iter()
            .map(|(s, _)| s.to_string())
            .filter(|s| !s.ends_with("device.mobile.action"))
            .collect(),
    );
    let env = setup_with(cfg, "").await;
    let (_, file) = approved_ids(&env, 2);
    let out = run(
        &env,
        &[
            "act",
            "approve",
            "--ids-from",
            file.to_str().unwrap(),
            "--status",
            "approved",
        ],
        None,
    )
    .await;
    assert!(
        text(&out.stdout).contains("nothing to do"),
        "approved devices are no-ops: {}",
        text(&out.stdout)
    );
    let out = run(
        &env,
        &[
            "act",
            "block",
            "--ids-from",
            file.to_str().unwrap(),
            "--yes",
        ],
        None,
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains("admin.directory.device.mobile.action"),
        "{}",
        text(&out.stderr)
    );
    env.sim.shutdown().await;
}
