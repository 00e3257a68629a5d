//! `offsync feed` end to end with the real binary: two `--follow` processes on one profile,
//! one polls and the other reads; when the poller stops, the reader takes over; both print
//! the same events, each once, as one JSON object per line.
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use offsync::sim::{self, ClockConfig, SimConfig, SimHandle};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use crate::google_util::write_key;

struct Env {
    dir: tempfile::TempDir,
    config: PathBuf,
    _sim: SimHandle,
}

async fn setup() -> Env {
    let sim = sim::start(SimConfig {
        users: 30,
        devices: 90,
        clock: ClockConfig {
            start: None,
            speed: 0.0,
        },
        devices_keep_syncing: false,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = write_key(dir.path(), "sa-key.json", &sim.credentials.key_json);
    let c = &sim.credentials;
    let text = format!(
        "data_dir = \"data\"\nlog_file = \"offsync.log\"\n\n[profiles.sim]\nsubject = {subject:?}\n\
         key_file = {key:?}\n\n[profiles.sim.endpoints]\ndirectory = {url:?}\nreports = {url:?}\n\
         cloudidentity = {url:?}\ngmail = {url:?}\nandroidmanagement = {url:?}\nenterprise = {ent:?}\n\n\
         [profiles.sim.feed]\nlease_secs = 10\n",
        subject = c.admin_email,
        key = key.display().to_string(),
        url = format!("{}/", sim.base_url),
        ent = c.enterprise,
    );
    let config = dir.path().join("config.toml");
    std::fs::write(&config, text).unwrap();
    Env {
        dir,
        config,
        _sim: sim,
    }
}

fn command(env: &Env, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_offsync"));
    c.arg("--config")
        .arg(&env.config)
        .args(args)
        .env("HOME", env.dir.path())
        .env_remove("OFFSYNC_CONFIG")
        .env_remove("OFFSYNC_PROFILE")
        .stdin(Stdio::null());
    c
}

/// Lines from the child's stdout (`true`) and stderr (`false`) as they come.
fn follow(env: &Env) -> (Child, mpsc::UnboundedReceiver<(bool, String)>) {
    let mut child = command(env, &["feed", "--follow", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    let out = child.stdout.take().unwrap();
    let err = child.stderr.take().unwrap();
    let t = tx.clone();
    tokio::spawn(async move {
        let mut lines = BufReader::new(out).lines();
        while let Ok(Some(l)) = lines.next_line().await {
            let _ = t.send((true, l));
        }
    });
    tokio::spawn(async move {
        let mut lines = BufReader::new(err).lines();
        while let Ok(Some(l)) = lines.next_line().await {
            let _ = tx.send((false, l));
        }
    });
    (child, rx)
}

/// Collects lines until `done` says so (or fails after 20 s).
async fn until(
    rx: &mut mpsc::UnboundedReceiver<(bool, String)>,
    out: &mut Vec<Value>,
    err: &mut Vec<String>,
    done: impl Fn(&[Value], &[String]) -> bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !done(out, err) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some((true, l))) => {
                out.push(serde_json::from_str(&l).expect("one JSON object per line"))
            }
            Ok(Some((false, l))) => err.push(l),
            _ => panic!("timed out; stdout {out:#?}\nstderr {err:#?}"),
        }
    }
}

fn ids(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn two_followers_one_poller_and_a_takeover() {
    let env = setup().await;
    let (mut a, mut a_rx) = follow(&env);
    let (mut a_out, mut a_err) = (Vec::new(), Vec::new());
    // Every source's first poll (Android too: the profile names the enterprise): a baseline,
    // and for Gmail usage its first day. Each source prints as soon as it is stored, so
    // waiting for all of them is what says the first round is done.
    until(&mut a_rx, &mut a_out, &mut a_err, |o, _| {
        ["directory", "policy", "android", "audit"].iter().all(|s| {
            o.iter()
                .any(|e| e["kind"] == "baseline" && e["source"] == *s)
        }) && o.iter().any(|e| e["source"] == "usage")
    })
    .await;
    assert!(
        a_err.iter().any(|l| l.contains("polling Google")),
        "{a_err:?}"
    );

    let (mut b, mut b_rx) = follow(&env);
    let (mut b_out, mut b_err) = (Vec::new(), Vec::new());
    until(&mut b_rx, &mut b_out, &mut b_err, |o, e| {
        o.len() >= 4 && e.iter().any(|l| l.contains("reading what it stores"))
    })
    .await;

    // The poller stops (Ctrl-C): it gives the lease up and the reader takes over at once.
    let pid = a.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(tokio::time::timeout(Duration::from_secs(10), a.wait())
        .await
        .unwrap()
        .unwrap()
        .success());
    while let Ok((is_out, l)) = a_rx.try_recv() {
        if is_out {
            a_out.push(serde_json::from_str(&l).unwrap());
        }
    }
    until(&mut b_rx, &mut b_out, &mut b_err, |_, e| {
        e.iter().any(|l| l.contains("polling Google"))
    })
    .await;
    // Its first polls find nothing new; give them a moment, then stop it too.
    tokio::time::sleep(Duration::from_secs(2)).await;
    b.start_kill().unwrap();
    let _ = b.wait().await;
    while let Ok((true, l)) = b_rx.try_recv() {
        b_out.push(serde_json::from_str(&l).unwrap());
    }

    for (name, out) in [("a", &a_out), ("b", &b_out)] {
        let set: BTreeSet<_> = ids(out).into_iter().collect();
        assert_eq!(
            set.len(),
            out.len(),
            "{name} printed an event twice: {out:#?}"
        );
        for e in out {
            for key in ["id", "at", "source", "kind", "severity", "ou"] {
                assert!(e.get(key).is_some(), "{name}: no {key} in {e}");
            }
        }
    }
    assert_eq!(
        ids(&a_out).into_iter().collect::<BTreeSet<_>>(),
        ids(&b_out).into_iter().collect::<BTreeSet<_>>()
    );

    // The plain listing prints the same events; --since in the future prints none.
    let out = command(&env, &["feed", "--json"]).output().await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(ids(&listed).len(), a_out.len());
    let out = command(&env, &["feed", "--since", "2999-01-01"])
        .output()
        .await
        .unwrap();
    assert!(out.status.success() && out.stdout.is_empty());
    let out = command(&env, &["feed", "--since", "yesterday"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a bad --since is a usage error");
}
