//! The demo's journey, headless: `offsync sim serve --demo` (the tenant and time scale
//! `offsync demo` runs against, at a smaller size so each listing is quick) and the real
//! `offsync` binary, from the plan the demo starts with to the first wave. What the demo's
//! stand-in admin does in the Admin console and in users' inboxes goes through the
//! simulator's `/_sim/` routes here. Sim time is skipped forward in steps, each followed by
//! a fresh `status --json`, so the test waits in simulated time, never on the wall clock.
use serde_json::{json, Value};

use super::sim_process::{assert_journal_has, start, Sim};
use offsync::cli::demo::demo_plan;

const PILOT: &str = "/Pilot";

/// Writes the plan `offsync demo` starts from, the way the demo writes it (no listing).
fn seed_demo_plan(sim: &Sim) {
    let settings = offsync::config::Settings::load(Some(&sim.config()), None, false).unwrap();
    let profile = settings.require_profile().unwrap().clone();
    let (clients, _) = offsync::google::Clients::new(&profile, None).unwrap();
    let now = sim.post("clock", json!({"advanceSeconds": 0}))["simTime"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    offsync::migrate::Migrator::new(clients, &profile, sim.database())
        .seed_plan(&demo_plan(), now)
        .unwrap();
    // Seeding twice is refused: the demo never overwrites a plan.
    let again = offsync::migrate::Migrator::new(
        offsync::google::Clients::new(&profile, None).unwrap().0,
        &profile,
        sim.database(),
    )
    .seed_plan(&demo_plan(), now);
    assert!(again.is_err());
}

fn status(sim: &Sim) -> Value {
    sim.json(&["status", "--json"])
}

fn ou<'a>(s: &'a Value, path: &str) -> &'a Value {
    s["ous"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["ou"] == path)
        .unwrap_or_else(|| panic!("no {path} in status: {s}"))
}

fn step(s: &Value, path: &str, id: &str) -> String {
    ou(s, path)["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["step"] == id)
        .unwrap_or_else(|| panic!("no step {id} at {path}"))["state"]
        .as_str()
        .unwrap()
        .to_string()
}

fn funnel(s: &Value, path: &str, bucket: &str) -> u64 {
    ou(s, path)["funnel"][bucket].as_u64().unwrap_or(0)
}

/// Users of the OU with a replacement: a native Google account, or Gmail (an Android
/// user's replacement is the Android Google account with the Gmail app).
fn moved(s: &Value, path: &str) -> u64 {
    funnel(s, path, "switched") + funnel(s, path, "gmail_app_only")
}

fn guard(s: &Value, id: &str) -> bool {
    s["waves"][0]["guards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["guard"] == id)
        .unwrap()["passed"]
        .as_bool()
        .unwrap()
}

/// Skips sim time forward `step_h` hours at a time, up to `max_h`, until `done` holds for
/// a fresh status; returns that status and the hours it took.
fn wait_until(
    sim: &Sim,
    step_h: u64,
    max_h: u64,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> (Value, u64) {
    let mut waited = 0;
    loop {
        let s = status(sim);
        if done(&s) {
            return (s, waited);
        }
        assert!(
            waited < max_h,
            "after {waited} sim hours: {what} never happened\n{s:#}"
        );
        sim.advance_hours(step_h);
        waited += step_h;
    }
}

#[test]
fn the_demo_runs_from_the_pilot_to_the_first_wave() {
    let sim = start(
        &[
            "--demo",
            "--users",
            "400",
            "--devices",
            "900",
            "--seed",
            "7",
        ],
        "",
    );
    // The demo's clock runs a simulated day per real minute.
    let t0 = sim.get("console");
    assert_eq!(t0["switchedUsers"], 0);
    seed_demo_plan(&sim);

    // Mid-way through nothing: the pilot's twelve users all on Google Sync, no step done,
    // the EMM OU declared, the first wave blocked on the pilot.
    let s = status(&sim);
    assert_eq!(s["pilot"], PILOT);
    assert_eq!(funnel(&s, PILOT, "still_on_google_sync"), 12, "{s:#}");
    assert_eq!(moved(&s, PILOT), 0);
    for id in ["imap", "ios-push", "re-add", "sync-off", "sweep"] {
        let st = step(&s, PILOT, id);
        assert!(
            ["not_started", "needs_manual"].contains(&st.as_str()),
            "{id}: {st}"
        );
    }
    assert_eq!(ou(&s, "/Sales/EMEA")["emm"], true);
    assert_eq!(s["waves"][0]["ous"], json!(["/Staff"]));
    assert_eq!(s["waves"][0]["ready"], false);

    // 1. IMAP on the pilot, through the Policy API.
    let applied = sim.json(&["step", PILOT, "imap", "apply", "--yes", "--json"]);
    assert_eq!(applied["sent"], true, "{applied:#}");
    assert_eq!(applied["record"]["state"], "pending_propagation");

    // 2. iOS automatic push in the console (the pilot is under advanced management), attested.
    sim.console(PILOT, "ios_push", true);
    let attested = sim.json(&["step", PILOT, "ios-push", "attest", "--json"]);
    assert_eq!(attested["record"]["state"], "attested");

    // 3. Users switch over the next sim hours: the seven who move on their own.
    let (s, hours) = wait_until(&sim, 3, 24, "the prompt users switching", |s| {
        moved(s, PILOT) >= 7
    });
    eprintln!("seven pilot users switched within {hours} sim hours");
    assert_eq!(step(&s, PILOT, "ios-push"), "verified", "{s:#}");
    assert_eq!(funnel(&s, PILOT, "still_on_google_sync"), 5);
    // IMAP is verified once Google's 24-hour window has passed.
    let (s, _) = wait_until(&sim, 6, 24, "IMAP verified", |s| {
        step(s, PILOT, "imap") == "verified"
    });
    assert_eq!(step(&s, PILOT, "re-add"), "needs_manual");

    // Reminders move three more; two never move and are acknowledged, with a reason.
    let behind = sim.left_behind(PILOT);
    assert_eq!(behind.len(), 5, "{behind:?}");
    let mut args = vec!["users", "--remind"];
    args.extend(behind.iter().map(String::as_str));
    sim.ok(&args);
    sim.post("remind", json!({ "emails": behind }));
    let (_, hours) = wait_until(&sim, 4, 16, "the reminded users switching", |s| {
        moved(s, PILOT) >= 10
    });
    eprintln!("three reminded users switched within {hours} sim hours");
    let never = sim.left_behind(PILOT);
    assert_eq!(never.len(), 2, "{never:?}");
    let mut args = vec!["users", "--acknowledge"];
    args.extend(never.iter().map(String::as_str));
    args.extend(["--reason", "shared ward phones, replaced next quarter"]);
    sim.ok(&args);

    // 4. Google Sync off in the console, attested: the guard waits for the window and the
    // quiet window, then passes.
    sim.console(PILOT, "google_sync", false);
    sim.ok(&["step", PILOT, "sync-off", "attest"]);
    let s = status(&sim);
    assert_eq!(step(&s, PILOT, "sync-off"), "attested");
    assert_eq!(step(&s, PILOT, "re-add"), "verified", "{s:#}");
    assert!(guard(&s, "users-replaced"));
    assert_eq!(s["waves"][0]["ready"], false);
    let (s, hours) = wait_until(&sim, 12, 60, "the first wave's guards passing", |s| {
        s["waves"][0]["ready"] == true
    });
    eprintln!("guards passed {hours} sim hours after sync-off");
    assert!(
        hours >= 48,
        "the 24 h window and the 24 h quiet window: {hours}"
    );
    for id in ["imap", "ios-push", "re-add", "sync-off", "sweep"] {
        assert_eq!(step(&s, PILOT, id), "verified", "{id}\n{s:#}");
    }

    // The final sweep: no Google Sync device of the pilot synced after the cut-off, so the
    // change engine has nothing to block and says so.
    let sweep = sim.json(&["step", PILOT, "sweep", "apply", "--yes", "--json"]);
    assert_eq!(sweep["sent"], false, "{sweep:#}");
    assert_eq!(sweep["plan"]["change"]["devices"], json!([]), "{sweep:#}");
    assert_eq!(sweep["record"]["state"], "verified");

    // 5. The first wave starts; its IMAP step is planned unless /Staff already has IMAP on
    // (the tenant's own policies), and nothing is sent by the start.
    let before = s;
    sim.ok(&["wave", "start", "1", "--yes"]);
    let s = status(&sim);
    assert!(s["waves"][0]["started_at"].is_string(), "{s:#}");
    let staff_imap = step(&s, "/Staff", "imap");
    if step(&before, "/Staff", "imap") == "verified" {
        assert_eq!(staff_imap, "verified");
    } else {
        assert_eq!(staff_imap, "planned", "{s:#}");
    }

    let journal = sim.json(&["journal", "--json"]);
    let actions: Vec<&str> = journal
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    let count = |a: &str| actions.iter().filter(|x| **x == a).count();
    assert_eq!(count("policy.create"), 1, "{actions:?}");
    assert_eq!(count("migration.attest"), 2);
    assert_eq!(count("migration.user.reminded"), 5);
    assert_eq!(count("migration.user.acknowledged"), 2);
    assert_eq!(count("migration.wave.start"), 1);
    assert_journal_has(
        &sim.database(),
        &["migration.pilot", "migration.declare", "migration.wave.add"],
    );
}
