//! GAM7 itself, unchanged, against `offsync sim serve --write-config`: in its DASA mode (the
//! service account as a delegated admin, self-signed JWTs) and in its oauth2.txt mode (an
//! admin's refresh token, whose ID token GAM verifies against the published certs), through
//! the launcher `scripts/gam_sim.py`, which redirects Google's hosts to the simulator inside
//! GAM's process. GAM is a pinned version that `.ci/run` installs into target/gamenv; without
//! it the test says so and passes, because tests never reach the network themselves.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The simulator process; killed when the test ends, pass or fail.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Gam {
    python: PathBuf,
    home: PathBuf,
    cfg_dir: PathBuf,
}

impl Gam {
    /// Runs GAM with `args` in config section `section`; returns stdout, failing on a non-zero exit.
    fn run(&self, section: &str, args: &[&str]) -> String {
        let out = Command::new(&self.python)
            .arg(root().join("scripts/gam_sim.py"))
            .args(args)
            .env("GAMCFGDIR", &self.cfg_dir)
            .env("GAMCFGSECTION", section)
            .env("HOME", &self.home)
            .env_remove("OFFSYNC_SIM_URL")
            .output()
            .expect("run GAM");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "gam {} ({section}) failed: {}\n{stdout}\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }
}

/// CSV rows as maps, by GAM's header line.
fn csv_rows(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().expect("CSV header").clone();
    r.records()
        .map(|rec| {
            let rec = rec.expect("CSV row");
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn column(text: &str, name: &str) -> BTreeSet<String> {
    csv_rows(text).iter().map(|r| r[name].clone()).collect()
}

fn devices(text: &str) -> BTreeSet<(String, String, String)> {
    csv_rows(text)
        .iter()
        .map(|r| {
            (
                r["resourceId"].clone(),
                r["type"].clone(),
                r["status"].clone(),
            )
        })
        .collect()
}

async fn get_json(base: &str, path: &str) -> Value {
    reqwest::get(format!("{base}{path}"))
        .await
        .expect("simulator answers")
        .json()
        .await
        .expect("JSON")
}

fn count(stats: &Value, route: &str) -> u64 {
    stats["by_route"][route]
        .as_object()
        .map(|by_status| by_status.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gam7_lists_what_offsync_lists_in_both_auth_modes() {
    let python = root().join("target/gamenv/bin/python");
    let has_gam = python.exists()
        && Command::new(&python)
            .args(["-c", "import gam, modern_httplib2"])
            .status()
            .is_ok_and(|s| s.success());
    if !has_gam {
        eprintln!("skipped: GAM7 is not installed in target/gamenv (run .ci/run once, or: python3 -m venv target/gamenv && target/gamenv/bin/pip install gam7==7.49.0)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sim");
    let log = std::fs::File::create(tmp.path().join("serve.log")).unwrap();
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_offsync"))
            .args([
                "sim", "serve", "--port", "0", "--seed", "21", "--users", "90",
            ])
            .args(["--devices", "230", "--write-config"])
            .arg(&dir)
            .stdout(log)
            .stderr(Stdio::null())
            .spawn()
            .expect("start the simulator"),
    );
    let url_file = dir.join("gam/sim-url");
    let started = Instant::now();
    while !url_file.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the simulator wrote no config"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let base = std::fs::read_to_string(&url_file)
        .unwrap()
        .trim()
        .to_string();
    let gam = Gam {
        python,
        home: tmp.path().to_path_buf(),
        cfg_dir: dir.join("gam"),
    };
    let truth = get_json(&base, "/_sim/dump").await;
    let admin = truth["adminEmail"].as_str().unwrap().to_string();

    // DASA first, on a fresh server: no token exchange and no ID token at all.
    let dasa_mobile = gam.run("dasa", &["print", "mobile"]);
    let dasa_users = gam.run("dasa", &["print", "users"]);
    let dasa_orgs = gam.run("dasa", &["print", "orgs"]);
    let stats = get_json(&base, "/_sim/stats").await;
    assert_eq!(count(&stats, "POST /token"), 0, "DASA signs its own JWTs");
    assert!(
        count(&stats, "GET /$discovery/rest") >= 3,
        "GAM fetches discovery live"
    );

    // oauth2.txt: the expired access token is refreshed and the new ID token verified.
    let oauth_mobile = gam.run("oauth2", &["print", "mobile"]);
    let oauth_users = gam.run("oauth2", &["print", "users"]);
    let oauth_orgs = gam.run("oauth2", &["print", "orgs"]);
    let stats = get_json(&base, "/_sim/stats").await;
    assert_eq!(
        count(&stats, "GET /oauth2/v1/certs"),
        1,
        "ID token verified once"
    );
    let oauth2_txt: Value =
        serde_json::from_str(&std::fs::read_to_string(gam.cfg_dir.join("oauth2.txt")).unwrap())
            .unwrap();
    assert_eq!(oauth2_txt["decoded_id_token"]["email"], admin.as_str());
    assert_eq!(
        oauth2_txt["decoded_id_token"]["iss"],
        "https://accounts.google.com"
    );

    // Both modes see the same tenant, and it is the simulator's.
    assert_eq!(devices(&dasa_mobile), devices(&oauth_mobile));
    assert_eq!(
        column(&dasa_users, "primaryEmail"),
        column(&oauth_users, "primaryEmail")
    );
    assert_eq!(
        column(&dasa_orgs, "orgUnitPath"),
        column(&oauth_orgs, "orgUnitPath")
    );
    let users: BTreeSet<String> = truth["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["primaryEmail"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(column(&oauth_users, "primaryEmail"), users);
    let orgs: BTreeSet<String> = truth["orgUnits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["orgUnitPath"].as_str().unwrap().to_string())
        .filter(|p| p != "/")
        .collect();
    assert_eq!(column(&oauth_orgs, "orgUnitPath"), orgs);

    // And `offsync devices` lists exactly what GAM lists.
    let out = Command::new(env!("CARGO_BIN_EXE_offsync"))
        .arg("--config")
        .arg(dir.join("config.toml"))
        .args(["devices", "--format", "json"])
        .env("HOME", tmp.path())
        .env("XDG_DATA_HOME", tmp.path().join("data"))
        .env("XDG_CACHE_HOME", tmp.path().join("cache"))
        .env("XDG_CONFIG_HOME", tmp.path().join("config"))
        .output()
        .expect("run offsync devices");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ours: Vec<Value> = serde_json::from_slice(&out.stdout).expect("devices JSON");
    let ours: BTreeSet<(String, String, String)> = ours
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            (s("resource_id"), s("type"), s("status"))
        })
        .collect();
    assert_eq!(ours.len(), 230);
    assert_eq!(devices(&oauth_mobile), ours);

    // Gmail through domain-wide delegation in both modes: a change GAM makes in one mode is
    // what GAM reads in the other.
    let before = gam.run("oauth2", &["user", &admin, "show", "imap"]);
    let was_on = before.contains("IMAP Enabled: True");
    assert!(was_on || before.contains("IMAP Enabled: False"), "{before}");
    let flip = if was_on { "off" } else { "on" };
    gam.run("dasa", &["user", &admin, "imap", flip]);
    let after = gam.run("dasa", &["user", &admin, "show", "imap"]);
    let now_on = !was_on;
    assert!(
        after.contains(&format!(
            "IMAP Enabled: {}",
            if now_on { "True" } else { "False" }
        )),
        "{after}"
    );
}
