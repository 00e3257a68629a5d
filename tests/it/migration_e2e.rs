//! The migration end to end, headless, as an admin runs it: `offsync sim serve --time-scale`
//! in its own process, and every step through the real `offsync` binary. The pilot goes to
//! verified through `step`, the guard first blocks and names who is left behind, then the
//! wave starts. Console-only settings are flipped through the simulator's `/_sim/` routes,
//! and sim time is skipped forward there too, so the test takes seconds on any date.
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_offsync");

struct Sim {
    child: Child,
    url: String,
    dir: tempfile::TempDir,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_sim(extra: &[&str]) -> Sim {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec![
        "sim",
        "serve",
        "--users",
        "400",
        "--devices",
        "900",
        "--seed",
        "11",
        "--time-scale",
        "600",
        "--propagation-minutes",
        "60",
        "--imap-policy-mutable",
        "--write-config",
    ];
    let cfg_dir = dir.path().join("sim");
    args.push(cfg_dir.to_str().unwrap());
    args.extend_from_slice(extra);
    let mut child = Command::new(BIN)
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        let l = lines.next().expect("sim prints its URL").unwrap();
        if l.starts_with("http://") {
            break l;
        }
    };
    // Keep reading stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let config = cfg_dir.join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let data = dir.path().join("data");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\nlog_file = {:?}\n{text}\n[profiles.sim.migration]\npropagation_window_hours = 2\nquiet_window_hours = 2\nactive_days = 1\n",
            data.to_str().unwrap(),
            dir.path().join("offsync.log").to_str().unwrap()
        ),
    )
    .unwrap();
    Sim { child, url, dir }
}

impl Sim {
    fn config(&self) -> PathBuf {
        self.dir.path().join("sim").join("config.toml")
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .arg("--config")
            .arg(self.config())
            .args(args)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "offsync {args:?} failed:\n{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    fn post(&self, route: &str, body: Value) -> Value {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let r = reqwest::Client::new()
                .post(format!("{}/_sim/{route}", self.url))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "{route}: {}", r.status());
            r.json().await.unwrap()
        })
    }

    fn advance_hours(&self, h: u64) {
        self.post("clock", json!({"advanceSeconds": h * 3600}));
    }

    fn state(&self, ou: &str, step: &str) -> String {
        let v = self.json(&["step", ou, step, "verify", "--json"]);
        v["record"]["state"].as_str().unwrap().to_string()
    }
}

fn left_behind(sim: &Sim, ou: &str) -> Vec<String> {
    let v = sim.json(&["users", "--left-behind", "--ou", ou, "--format", "json"]);
    v.as_array()
        .unwrap()
        .iter()
        .filter(|u| u["acknowledged"] == false)
        .map(|u| u["email"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn pilot_to_verified_then_the_guard_then_the_wave() {
    let sim = start_sim(&[]);
    sim.ok(&["wave", "add", "--pilot", "/Pilot"]);
    sim.ok(&["wave", "add", "/Staff"]);

    // Nothing is ready: starting the wave is refused and says why.
    let out = sim.run(&["wave", "start", "1", "--yes"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("steps-verified") && err.contains("/Pilot imap"),
        "{err}"
    );

    // Step 1: IMAP through the Policy API; read back at once, verified after the window.
    let plan = sim.ok(&["step", "/Pilot", "imap", "apply"]);
    assert!(
        plan.contains("dry run") && plan.contains("POST v1/policies"),
        "{plan}"
    );
    // The per-user Gmail IMAP diagnostic: counts and samples, read as each user.
    assert!(
        plan.contains("per-user Gmail IMAP settings (diagnostic")
            && plan.contains(" enabled, e.g. "),
        "{plan}"
    );
    let applied = sim.json(&["step", "/Pilot", "imap", "apply", "--yes", "--json"]);
    assert_eq!(applied["sent"], true);
    assert_eq!(applied["record"]["state"], "pending_propagation");
    assert!(applied["record"]["created_policy"]
        .as_str()
        .unwrap()
        .starts_with("policies/"));
    // A second apply sends nothing: the value is in place.
    let again = sim.json(&["step", "/Pilot", "imap", "apply", "--yes", "--json"]);
    assert_eq!(again["sent"], false);
    sim.advance_hours(3);
    assert_eq!(sim.state("/Pilot", "imap"), "verified");

    // Users add their accounts as Google over the next day and a half.
    sim.advance_hours(40);
    // Step 4 in the console, then attested; verified after the window and the quiet window.
    sim.post(
        "console",
        json!({"orgUnitPath": "/Pilot", "setting": "google_sync", "enabled": false}),
    );
    sim.ok(&["step", "/Pilot", "sync-off", "attest"]);
    assert_eq!(sim.state("/Pilot", "sync-off"), "attested");
    sim.advance_hours(5);
    assert_eq!(sim.state("/Pilot", "sync-off"), "verified");
    assert_eq!(sim.state("/Pilot", "sweep"), "verified");
    assert_eq!(sim.state("/Pilot", "ios-push"), "not_applicable");

    // Some pilot users never moved: the guard names them; a reminder moves some.
    sim.advance_hours(30);
    let behind = left_behind(&sim, "/Pilot");
    eprintln!("left behind after sync-off: {behind:?}");
    let status = sim.json(&["status", "--json"]);
    let wave = &status["waves"][0];
    assert_eq!(wave["ready"], false);
    if !behind.is_empty() {
        let guard = wave["guards"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["guard"] == "users-replaced")
            .unwrap();
        assert_eq!(guard["passed"], false);
        assert!(guard["blockers"][0].as_str().unwrap().contains(&behind[0]));
        let mut args = vec!["users", "--remind"];
        args.extend(behind.iter().map(String::as_str));
        sim.ok(&args);
        sim.post("remind", json!({"emails": behind}));
        sim.advance_hours(40);
    }
    // Whoever is still left behind is acknowledged, with a reason (journaled).
    let still = left_behind(&sim, "/Pilot");
    eprintln!("left behind after the reminder: {still:?}");
    if !still.is_empty() {
        let mut args = vec!["users", "--acknowledge"];
        args.extend(still.iter().map(String::as_str));
        args.extend(["--reason", "shared front-desk phone, replaced next month"]);
        sim.ok(&args);
    }
    assert_eq!(sim.state("/Pilot", "re-add"), "verified");

    // Every guard passes: the wave starts, and its IMAP step is planned.
    let check = sim.ok(&["wave", "start", "1"]);
    assert!(check.contains("may start"), "{check}");
    sim.ok(&["wave", "start", "1", "--yes"]);
    let status = sim.json(&["status", "--json"]);
    assert!(status["waves"][0]["started_at"].is_string(), "{status}");
    let staff = status["ous"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["ou"] == "/Staff")
        .unwrap();
    assert!(staff["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["state"] != "pending_propagation"));
    for ou in status["ous"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["ou"] == "/Pilot")
    {
        for s in ou["steps"].as_array().unwrap() {
            assert!(
                ["verified", "not_applicable"].contains(&s["state"].as_str().unwrap()),
                "{s}"
            );
        }
    }
    // The sim agrees: the pilot's Google Sync devices no longer sync.
    assert_journal_has(
        sim.dir.path(),
        &["policy.create", "migration.attest", "migration.wave.start"],
    );
}

fn assert_journal_has(dir: &Path, actions: &[&str]) {
    let db = dir.join("data").join("sim.sqlite");
    let store = offsync::store::Store::open(&db).unwrap();
    let rows = store.journal().list(1000).unwrap();
    for a in actions {
        assert!(rows.iter().any(|r| r.action == *a), "no journal entry {a}");
    }
    assert!(
        rows.iter()
            .all(|r| r.outcome != offsync::store::Outcome::Planned),
        "an entry was left planned"
    );
}

#[test]
fn a_wave_starts_past_a_failed_guard_only_with_a_reason() {
    let sim = start_sim(&[]);
    sim.ok(&["wave", "add", "--pilot", "/Pilot"]);
    sim.ok(&["wave", "add", "/Sales"]);
    for g in ["steps-verified", "no-sync-after-cutoff", "users-replaced"] {
        let out = sim.run(&[
            "wave", "override", "1", g, "--kind", "deadline", "--reason", " ",
        ]);
        assert!(!out.status.success(), "{g}: an empty reason was accepted");
    }
    assert!(!sim.run(&["wave", "start", "1", "--yes"]).status.success());
    for g in ["steps-verified", "no-sync-after-cutoff", "users-replaced"] {
        sim.ok(&[
            "wave",
            "override",
            "1",
            g,
            "--kind",
            "deadline",
            "--reason",
            "Google turns Sync off on Friday",
        ]);
    }
    sim.ok(&["wave", "start", "1", "--yes"]);
    let out = sim.run(&["wave", "start", "1", "--yes"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("already started"));
}
