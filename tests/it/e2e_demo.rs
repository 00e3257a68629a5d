//! `offsync demo`, the real binary in tmux at 80×24, through the pilot to the first wave in
//! the Checklist pane, as an admin would: apply IMAP, attest iOS push, watch users switch,
//! remind and acknowledge the ones left behind, attest Google Sync off, see the guards pass,
//! run the final sweep, start wave 1; then `offsync journal` over the demo's own database.
//! The demo runs a small tenant at 3600x (a sim hour per real second), so the pilot's
//! 24-hour windows pass in about a minute; the screen is polled, never slept on.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::e2e_tmux::{have_tmux, Tmux, BIN};

/// The state word after `step` in the steps list (`…  imap          verified`).
fn step_state(screen: &str, step: &str) -> Option<String> {
    let needle = format!(" {step} ");
    screen.lines().find_map(|l| {
        let at = l.find(&needle)?;
        let rest = &l[at + needle.len()..];
        rest.split_whitespace()
            .next()
            .map(|w| w.trim_end_matches('│').to_string())
    })
}

/// The Pilot row of the OU tree: (steps done, Google Sync devices syncing, users left).
fn pilot_row(screen: &str) -> Option<(String, u64, u64)> {
    let line = screen.lines().find(|l| l.starts_with("│Pilot"))?;
    let row = line.trim_start_matches('│').split("││").next()?;
    let f: Vec<&str> = row.split_whitespace().collect();
    // Pilot P 0/5 17 12
    Some((f[2].to_string(), f[3].parse().ok()?, f[4].parse().ok()?))
}

/// Presses `r` (read the migration again) until `ok` holds for the screen, up to `secs`.
fn refresh_until(t: &Tmux, secs: u64, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let s = t.screen();
        if ok(&s) {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; screen:\n{s}"
        );
        t.keys(&["r"]);
        std::thread::sleep(Duration::from_millis(700));
    }
}

fn state_is(step: &'static str, want: &'static str) -> impl Fn(&str) -> bool {
    move |s| step_state(s, step).as_deref() == Some(want)
}

/// Confirms the open dialog, typing the count when it asks for it.
fn confirm(t: &Tmux, what: &str) {
    let s = t.wait_for("Enter confirm", what);
    if let Some(n) = s
        .lines()
        .find_map(|l| l.split("Type ").nth(1))
        .and_then(|r| r.split_whitespace().next())
    {
        t.text(n);
    }
    t.keys(&["Enter"]);
    t.wait_until(|s| !s.contains("Enter confirm"), "the dialog closing");
}

/// A config whose `demo` profile reads the running demo's database (for `offsync journal`).
fn journal_config(tmp: &Path, home: &Path) -> PathBuf {
    let demo_dir = std::fs::read_dir(tmp)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("offsync-demo-"))
        })
        .expect("the demo's private directory");
    let cfg = home.join("journal.toml");
    std::fs::write(
        &cfg,
        format!(
            "default_profile = \"demo\"\ndata_dir = {:?}\nlog_file = {:?}\n\n[profiles.demo]\nsubject = \"admin@example.com\"\nkey_file = {:?}\n",
            demo_dir.to_str().unwrap(),
            home.join("journal.log").to_str().unwrap(),
            demo_dir.join("demo-key.json").to_str().unwrap(),
        ),
    )
    .unwrap();
    cfg
}

#[test]
fn the_demo_from_the_pilot_to_the_first_wave_in_the_checklist() {
    if !have_tmux() {
        eprintln!("skipped e2e_demo: tmux is not installed");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let tmp = home.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let t = Tmux::new(home.path(), "demo");
    t.text(&format!(
        "TMPDIR={} {BIN} demo --users 300 --devices 700 --latency-ms 0 --time-scale 3600; echo EXITED-$?",
        tmp.display()
    ));
    t.keys(&["Enter"]);
    t.wait_until(
        |s| s.contains("of 700 dev") && !s.contains("loading") && s.contains("│ sim "),
        "the inventory, with the simulated time in the header",
    );

    // Mid-way through nothing: the pilot's twelve users on Google Sync, nothing done.
    t.keys(&["2"]);
    let s = t.wait_for("(server)", "the Checklist pane's first reading");
    assert!(s.contains("/Pilot · pilot"), "{s}");
    let (done, _, left) = pilot_row(&s).expect("the Pilot row");
    assert_eq!((done.as_str(), left), ("0/5", 12), "{s}");
    assert_eq!(
        step_state(&s, "imap").as_deref(),
        Some("not_started"),
        "{s}"
    );

    // IMAP on at the pilot: the dry-run diff, the typed count, sent.
    t.keys(&["l"]);
    t.keys(&["a"]);
    let s = t.wait_for("apply imap at /Pilot", "the IMAP plan");
    assert!(s.contains("POST v1/policies"), "{s}");
    confirm(&t, "the IMAP confirmation");
    t.wait_until(state_is("imap", "pending_propagation"), "IMAP sent");

    // iOS automatic push: the demo's stand-in turns it on in the simulated console.
    t.keys(&["j"]);
    t.keys(&["t"]);
    t.wait_for("attest ios-push at /Pilot", "the attestation dialog");
    confirm(&t, "the attestation");
    t.wait_until(state_is("ios-push", "attested"), "iOS push attested");

    // Users switch: seven on their own; the first native iOS account verifies iOS push.
    let s = refresh_until(&t, 60, "seven pilot users switching", |s| {
        step_state(s, "ios-push").as_deref() == Some("verified")
            && pilot_row(s).is_some_and(|(_, _, left)| left <= 5)
    });
    assert_eq!(pilot_row(&s).unwrap().2, 5, "{s}");

    // The five left behind get a reminder; three move, two never will and are acknowledged.
    t.keys(&["u"]);
    t.wait_for("Users · /Pilot", "the users view");
    t.keys(&["A"]);
    t.wait_for("5 selected", "every listed user selected");
    t.keys(&["m"]);
    confirm(&t, "marking them reminded");
    let s = refresh_until(&t, 60, "the reminded users switching", |s| {
        pilot_row(s).is_some_and(|(_, _, left)| left == 2)
    });
    assert!(s.contains("Users · /Pilot"), "{s}");
    t.keys(&["A"]);
    t.wait_for("2 selected", "the two left selected");
    t.keys(&["K"]);
    t.wait_for("acknowledge", "the acknowledgement dialog");
    t.text("shared ward phones, replaced next quarter");
    t.keys(&["Enter"]);
    t.wait_until(|s| !s.contains("Enter confirm"), "the dialog closing");
    t.wait_until(
        |s| pilot_row(s).is_some_and(|(_, _, l)| l == 0),
        "nobody left",
    );

    // Google Sync off: attested; the stand-in turns it off in the simulated console.
    t.keys(&["c"]);
    t.keys(&["l", "g", "j", "j", "j"]);
    t.keys(&["t"]);
    t.wait_for("attest sync-off at /Pilot", "the sync-off attestation");
    confirm(&t, "the sync-off attestation");
    t.wait_until(state_is("sync-off", "attested"), "sync-off attested");

    // The 24 h window and the 24 h quiet window pass: every pilot step verified.
    let s = refresh_until(&t, 120, "the pilot verified", |s| {
        pilot_row(s).is_some_and(|(done, _, _)| done == "5/5")
    });
    for step in ["imap", "ios-push", "re-add", "sync-off", "sweep"] {
        assert_eq!(
            step_state(&s, step).as_deref(),
            Some("verified"),
            "{step}\n{s}"
        );
    }

    // The final sweep: nothing synced after the cut-off, so nothing to block.
    t.keys(&["G"]);
    t.keys(&["a"]);
    let s = t.wait_for("nothing to block", "the sweep's answer");
    assert!(s.contains("/Pilot"), "{s}");

    // The guards pass: wave 1 starts.
    t.keys(&["w"]);
    let s = t.wait_for("Wave 1  ready to start", "the waves view");
    for g in ["steps-verified", "no-sync-after-cutoff", "users-replaced"] {
        assert!(
            s.lines().any(|l| l.contains(g) && l.contains("pass")),
            "{g}\n{s}"
        );
    }
    t.keys(&["S"]);
    confirm(&t, "starting wave 1");
    let s = t.wait_until(
        |s| !s.contains("Wave 1  ready to start") && s.contains("Wave 1"),
        "wave 1 started",
    );
    assert!(s.contains("started"), "{s}");

    let cfg = journal_config(&tmp, home.path());
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&cfg)
        .args(["journal", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let journal: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let actions: Vec<&str> = journal
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    let count = |a: &str| actions.iter().filter(|x| **x == a).count();
    assert_eq!(count("policy.create"), 1, "{actions:?}");
    assert_eq!(count("migration.attest"), 2, "{actions:?}");
    assert_eq!(count("migration.user.reminded"), 5, "{actions:?}");
    assert_eq!(count("migration.user.acknowledged"), 2, "{actions:?}");
    assert_eq!(count("migration.wave.start"), 1, "{actions:?}");

    t.keys(&["q"]);
    t.wait_for("EXITED-0", "the demo to exit");
    t.assert_restored();
    assert!(
        std::fs::read_dir(&tmp).unwrap().next().is_none(),
        "the demo's private directory is removed on exit"
    );
}
