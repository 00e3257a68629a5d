//! Signals and closed pipes through the real binary: every catchable signal ends the
//! dashboard cleanly (terminal restored, the demo's private directory removed, no panic,
//! no abort), a closed terminal included; a directory left by a killed demo is swept at
//! the next start; core dumps are off; `| true` and `| head` end quietly.
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::e2e_tmux::{have_tmux, Tmux, BIN};

/// Demo directories left under `tmp`.
fn demo_dirs(tmp: &Path) -> Vec<String> {
    std::fs::read_dir(tmp)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("offsync-demo-"))
        .collect()
}

fn alive(pid: &str) -> bool {
    Command::new("kill")
        .args(["-0", pid])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn wait_gone(pid: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while alive(pid) {
        assert!(Instant::now() < deadline, "offsync {pid} did not exit");
        std::thread::sleep(Duration::from_millis(40));
    }
}

/// Starts a slow-loading demo in `t` with its own TMPDIR; returns offsync's pid.
fn start_demo(t: &Tmux, dir: &Path, tmp: &Path, tail: &str) -> String {
    let pidfile = dir.join("pid");
    let _ = std::fs::remove_file(&pidfile);
    t.text(&format!(
        "TMPDIR={} sh -c 'echo $$ > {}; exec {BIN} demo --users 300 --devices 20000 --latency-ms 300 2>{}'{tail}",
        tmp.display(),
        pidfile.display(),
        dir.join("stderr").display(),
    ));
    t.keys(&["Enter"]);
    t.wait_for("loading", "the load to start");
    std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .to_string()
}

fn no_panic(dir: &Path) {
    let err = std::fs::read_to_string(dir.join("stderr")).unwrap_or_default();
    assert!(
        !err.contains("panicked") && !err.contains("abort"),
        "stderr: {err}"
    );
}

#[test]
fn every_signal_ends_the_demo_cleanly_mid_load() {
    if !have_tmux() {
        eprintln!("skipped e2e_signals: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let t = Tmux::new(dir.path(), "sig");
    for sig in ["INT", "TERM", "HUP", "QUIT"] {
        t.text("clear");
        t.keys(&["Enter"]);
        let pid = start_demo(&t, dir.path(), &tmp, "; echo EXITED-$?");
        assert_eq!(demo_dirs(&tmp).len(), 1, "the demo's private directory");
        let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap_or_default();
        if let Some(core) = limits.lines().find(|l| l.starts_with("Max core file size")) {
            let v: Vec<&str> = core.split_whitespace().collect();
            assert_eq!(&v[4..6], ["0", "0"], "core dumps off: {core}");
        }
        let sent = Command::new("kill")
            .args([&format!("-{sig}"), &pid])
            .status()
            .unwrap();
        assert!(sent.success());
        t.wait_for("EXITED-0", &format!("a clean exit on SIG{sig}"));
        t.assert_restored();
        assert!(
            demo_dirs(&tmp).is_empty(),
            "SIG{sig}: {:?}",
            demo_dirs(&tmp)
        );
        no_panic(dir.path());
    }
}

/// The terminal itself goes away (an SSH drop, `tmux kill-session`): writes fail with EIO,
/// yet offsync ends without a panic or an abort and removes the demo's directory.
#[test]
fn closing_the_terminal_ends_the_demo_without_a_trace() {
    if !have_tmux() {
        eprintln!("skipped e2e_signals: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    // A directory a SIGKILLed demo left behind (no such PID), and one of a live process.
    let stale = tmp.join("offsync-demo-2147483600-abc123");
    std::fs::create_dir(&stale).unwrap();
    std::fs::write(stale.join("demo-key.json"), "key").unwrap();
    let live = tmp.join(format!("offsync-demo-{}-def456", std::process::id()));
    std::fs::create_dir(&live).unwrap();
    let t = Tmux::new(dir.path(), "close");
    let pid = start_demo(&t, dir.path(), &tmp, "");
    assert!(!stale.exists(), "the stale directory was swept at start");
    assert!(live.exists(), "a live process's directory is left alone");
    t.run(&["kill-session", "-t", "e2e"]);
    wait_gone(&pid);
    no_panic(dir.path());
    let left: Vec<String> = demo_dirs(&tmp)
        .into_iter()
        .filter(|n| !live.ends_with(n))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

fn sh(script: &str) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(BIN)
        .env("NO_COLOR", "")
        .output()
        .unwrap()
}

#[test]
fn a_closed_pipe_ends_sim_dump_and_check_quietly() {
    // `$?` of a pipeline is the last command's: write offsync's own status to stderr.
    let out =
        sh(r#"{ "$0" sim dump --users 200 --devices 400; echo "status=$?" >&2; } | head -c 10"#);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.stdout.len(), 10);
    assert!(err.contains("status=0"), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains('\u{1b}'),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    // A config whose checks all fail fast (nothing listens there): the table is still
    // printed, into a pipe that `true` closed.
    let key = dir.path().join("key.json");
    let sim = offsync::sim::Tenant::generate(&offsync::sim::SimConfig::default());
    let creds = offsync::sim::credentials_for(&sim, &Default::default(), "http://127.0.0.1:9");
    std::fs::write(&key, &creds.key_json).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(
        &cfg,
        format!(
            "data_dir = \"data\"\nlog_file = \"log\"\n[profiles.p]\nsubject = {:?}\nkey_file = {:?}\n\
             [profiles.p.endpoints]\ndirectory = \"http://127.0.0.1:9/\"\nreports = \"http://127.0.0.1:9/\"\n\
             cloudidentity = \"http://127.0.0.1:9/\"\ngmail = \"http://127.0.0.1:9/\"\n\
             androidmanagement = \"http://127.0.0.1:9/\"\n[profiles.p.http]\nmax_tries = 1\n",
            creds.admin_email,
            key.display().to_string()
        ),
    )
    .unwrap();
    let out = sh(&format!(
        r#"{{ sleep 0.3; HOME={home} "$0" --config {cfg} check; echo "status=$?" >&2; }} | true"#,
        home = dir.path().display(),
        cfg = cfg.display()
    ));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("status=0"), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains('\u{1b}'),
        "{err}"
    );
}

/// The same with a parent that outlives the terminal (like `nohup`): offsync gets no
/// SIGHUP, only EIO on every read and write. It must stop reading, end with an ordinary
/// status (not 101 for a panic, not 134 for an abort) and still clean up.
#[test]
fn a_dead_terminal_without_sighup_ends_with_an_ordinary_status() {
    if !have_tmux() {
        eprintln!("skipped e2e_signals: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let t = Tmux::new(dir.path(), "eio");
    let status = dir.path().join("status");
    t.text(&format!(
        "TMPDIR={tmp} sh -c 'trap \"\" HUP; {BIN} demo --users 300 --devices 20000 --latency-ms 300; echo $? > {status}'",
        tmp = tmp.display(),
        status = status.display(),
    ));
    t.keys(&["Enter"]);
    t.wait_for("loading", "the load to start");
    t.run(&["kill-session", "-t", "e2e"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !status.exists() {
        assert!(Instant::now() < deadline, "offsync never ended");
        std::thread::sleep(Duration::from_millis(40));
    }
    std::thread::sleep(Duration::from_millis(50));
    let code: i32 = std::fs::read_to_string(&status)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(code == 0 || code == 1, "exit status {code}");
    assert!(demo_dirs(&tmp).is_empty(), "{:?}", demo_dirs(&tmp));
}
