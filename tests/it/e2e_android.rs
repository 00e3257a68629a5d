//! End to end in a real terminal: a simulated tenant whose `staff` policy requires an account
//! outside the enterprise (its devices report REQUIRED_ACCOUNT_NOT_IN_ENTERPRISE). The admin
//! opens the Android pane, is refused a bad address, clears requiredAccountEmail, confirms the
//! dry run, and with sim time running 100,000 times faster watches the devices upgrade. The
//! journal holds the patch at the end.
use std::process::Command;
use std::time::{Duration, Instant};

use crate::e2e_tmux::{have_tmux, serve_with, Tmux, BIN};

/// The staff row of the policy table: (devices, need action, upgraded).
fn staff_row(screen: &str) -> Option<(usize, usize, usize)> {
    let line = screen.lines().find(|l| l.contains(" staff "))?;
    let n: Vec<usize> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    match n.as_slice() {
        [d, a, u, ..] => Some((*d, *a, *u)),
        _ => None,
    }
}

#[test]
fn fixing_a_required_account_outside_the_enterprise() {
    if !have_tmux() {
        eprintln!("skipped e2e_android: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let _sim = serve_with(
        dir.path(),
        &[
            "--users",
            "60",
            "--devices",
            "240",
            "--time-scale",
            "100000",
        ],
    );
    let config = dir.path().join("config.toml");
    let t = Tmux::new(dir.path(), "android");
    t.text(&format!(
        "{BIN} --config {}; echo EXITED-$?",
        config.display()
    ));
    t.keys(&["Enter"]);
    t.wait_until(
        |s| s.contains(" of 240") && !s.contains("loading"),
        "the inventory",
    );
    t.keys(&["5"]);
    let s = t.wait_for(
        "REQUIRED_ACCOUNT_NOT_IN_ENTERPRISE",
        "the misconfigured devices",
    );
    assert!(s.contains("▶ staff"), "{s}");
    let (devices, before, _) = staff_row(&s).expect("the staff row");
    assert!(devices > 0 && before > 0, "{s}");

    // A bad address is refused before anything is sent, with the reasons.
    t.keys(&["e"]);
    t.wait_for("Edit Android policy", "the edit form");
    t.keys(&["Tab", "C-u"]);
    t.text("Helpdesk@Example.org");
    t.keys(&["Enter"]);
    t.wait_for("not all lower case", "the validation errors");
    // Empty: any account of the enterprise.
    t.keys(&["C-u", "Enter"]);
    let s = t.wait_for("Dry run: patch policy staff", "the dry-run diff");
    assert!(s.contains("updateMask: workAccountSetupConfig"), "{s}");
    assert!(
        s.contains("- {\"authenticationType\":\"GOOGLE_AUTHENTICATED\",\"requiredAccountEmail\""),
        "{s}"
    );
    t.keys(&["Enter"]);
    t.wait_for("1 applied", "the patch");

    // Sim time runs on: devices apply the policy, users add their accounts.
    let deadline = Instant::now() + Duration::from_secs(90);
    let last = loop {
        t.keys(&["r"]);
        let s = t.wait_until(
            |s| !s.contains("reading the enterprise") && s.contains("▶ staff"),
            "the enterprise read",
        );
        if let Some((d, need, upgraded)) = staff_row(&s) {
            if !s.contains("REQUIRED_ACCOUNT_NOT_IN_ENTERPRISE") && upgraded * 2 > d {
                assert!(need < before, "{s}");
                break s;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the devices did not upgrade:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(last.contains("any enterprise account"), "{last}");
    t.keys(&["q"]);
    t.wait_for("EXITED-0", "offsync to exit");
    t.assert_restored();

    let out = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .args(["journal", "--json"])
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let patch: Vec<&serde_json::Value> = entries
        .iter()
        .filter(|e| e["action"] == "android.policy.patch")
        .collect();
    assert_eq!(patch.len(), 1, "{entries:#?}");
    let e = patch[0];
    // The journal keeps method, path and the update mask (the rest of a query string is
    // redacted from every request).
    let request = e["request"].as_str().unwrap();
    assert!(
        request.starts_with("PATCH v1/enterprises/")
            && request.contains("?updateMask=workAccountSetupConfig")
            && !request.contains("access_token")
            && e["target"].as_str().unwrap().ends_with("/policies/staff"),
        "{e}"
    );
    assert_eq!(e["outcome"], "succeeded", "{e}");
    assert_eq!(e["dry_run"], false, "{e}");
}
