//! `offsync sim serve` in its own process with a config written for it, and the real
//! `offsync` binary run against it: what the headless end-to-end tests drive. Console-only
//! settings and reminders go through the simulator's `/_sim/` routes (what the admin does in
//! the Admin console and in their mail), and sim time is skipped forward there too.
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::{json, Value};

pub const BIN: &str = env!("CARGO_BIN_EXE_offsync");

pub struct Sim {
    child: Child,
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `offsync sim serve ARGS --write-config DIR`; `migration` is the body of the
/// profile's `[migration]` table (empty: offsync's defaults).
pub fn start(args: &[&str], migration: &str) -> Sim {
    let dir = tempfile::tempdir().unwrap();
    let cfg_dir = dir.path().join("sim");
    let mut all = vec!["sim", "serve"];
    all.extend_from_slice(args);
    all.extend(["--write-config", cfg_dir.to_str().unwrap()]);
    let mut child = Command::new(BIN)
        .args(&all)
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
            "data_dir = {:?}\nlog_file = {:?}\n{text}\n[profiles.sim.migration]\n{migration}\n",
            data.to_str().unwrap(),
            dir.path().join("offsync.log").to_str().unwrap()
        ),
    )
    .unwrap();
    Sim { child, url, dir }
}

impl Sim {
    pub fn config(&self) -> PathBuf {
        self.dir.path().join("sim").join("config.toml")
    }

    pub fn database(&self) -> PathBuf {
        self.dir.path().join("data").join("sim.sqlite")
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .arg("--config")
            .arg(self.config())
            .args(args)
            .output()
            .unwrap()
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "offsync {args:?} failed:\n{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    }

    pub fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    fn request(&self, post: Option<(&str, Value)>, route: &str) -> Value {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let url = format!("{}/_sim/{route}", self.url);
            let c = reqwest::Client::new();
            let r = match post {
                Some((_, body)) => c.post(url).json(&body).send().await,
                None => c.get(url).send().await,
            }
            .unwrap();
            assert!(r.status().is_success(), "{route}: {}", r.status());
            r.json().await.unwrap()
        })
    }

    pub fn post(&self, route: &str, body: Value) -> Value {
        self.request(Some((route, body)), route)
    }

    pub fn get(&self, route: &str) -> Value {
        self.request(None, route)
    }

    /// What the admin does in the Admin console.
    pub fn console(&self, ou: &str, setting: &str, enabled: bool) -> Value {
        self.post(
            "console",
            json!({"orgUnitPath": ou, "setting": setting, "enabled": enabled}),
        )
    }

    pub fn advance_hours(&self, h: u64) {
        self.post("clock", json!({"advanceSeconds": h * 3600}));
    }

    pub fn state(&self, ou: &str, step: &str) -> String {
        let v = self.json(&["step", ou, step, "verify", "--json"]);
        v["record"]["state"].as_str().unwrap().to_string()
    }

    /// Emails of the OU's users still left behind and not acknowledged.
    pub fn left_behind(&self, ou: &str) -> Vec<String> {
        let v = self.json(&["users", "--left-behind", "--ou", ou, "--format", "json"]);
        v.as_array()
            .unwrap()
            .iter()
            .filter(|u| u["acknowledged"] == false)
            .map(|u| u["email"].as_str().unwrap().to_string())
            .collect()
    }
}

/// Asserts the journal holds each action and that no entry was left planned.
pub fn assert_journal_has(db: &Path, actions: &[&str]) {
    let store = offsync::store::Store::open(db).unwrap();
    let rows = store.journal().list(10_000).unwrap();
    for a in actions {
        assert!(rows.iter().any(|r| r.action == *a), "no journal entry {a}");
    }
    assert!(
        rows.iter()
            .all(|r| r.outcome != offsync::store::Outcome::Planned),
        "an entry was left planned"
    );
}
