//! The migration end to end, headless, as an admin runs it: `offsync sim serve --time-scale`
//! in its own process, and every step through the real `offsync` binary. The pilot goes to
//! verified through `step`, the guard first blocks and names who is left behind, then the
//! wave starts. Console-only settings are flipped through the simulator's `/_sim/` routes,
//! and sim time is skipped forward there too, so the test takes seconds on any date.
use serde_json::json;

use super::sim_process::{assert_journal_has, start, Sim};

fn start_sim(extra: &[&str]) -> Sim {
    let mut args = vec![
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
    ];
    args.extend_from_slice(extra);
    start(
        &args,
        "propagation_window_hours = 2\nquiet_window_hours = 2\nactive_days = 1",
    )
}

fn left_behind(sim: &Sim, ou: &str) -> Vec<String> {
    sim.left_behind(ou)
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
        &sim.database(),
        &["policy.create", "migration.attest", "migration.wave.start"],
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
