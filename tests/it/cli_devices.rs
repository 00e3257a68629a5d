//! `offsync devices` end to end: the real binary, a config file written like a user would,
//! and the simulator on 127.0.0.1 as the tenant.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use offsync::sim::{self, ClockConfig, FaultSpec, SimConfig, SimHandle};

/// A frozen, seeded tenant, so two simulators (with and without faults) hold the same data.
pub fn tenant() -> SimConfig {
    SimConfig {
        users: 80,
        devices: 320,
        clock: ClockConfig {
            start: None,
            speed: 0.0,
        },
        devices_keep_syncing: false,
        ..SimConfig::default()
    }
}

pub struct Env {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub sim: SimHandle,
}

pub async fn setup(cfg: SimConfig) -> Env {
    setup_with(cfg, "").await
}

/// A simulator and a config for it; `extra` is appended to the profile's `[http]` table.
pub async fn setup_with(cfg: SimConfig, extra: &str) -> Env {
    let sim = sim::start(cfg).await.expect("simulator starts");
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("sa-key.json");
    write_private(&key, &sim.credentials.key_json);
    let c = &sim.credentials;
    let domains: Vec<String> = c.domains.iter().map(|d| format!("{d:?}")).collect();
    let text = format!(
        "data_dir = \"data\"\nlog_file = \"offsync.log\"\n\n[profiles.sim]\nsubject = {subject:?}\n\
         key_file = {key:?}\ndomains = [{domains}]\n\n[profiles.sim.endpoints]\n\
         directory = {url:?}\nreports = {url:?}\ncloudidentity = {url:?}\ngmail = {url:?}\n\
         androidmanagement = {url:?}\n\n[profiles.sim.http]\nbackoff_base_ms = 1\nbackoff_max_ms = 20\n\
         max_tries = 12\n{extra}",
        subject = c.admin_email,
        key = key.display().to_string(),
        domains = domains.join(", "),
        url = format!("{}/", sim.base_url),
    );
    let config = dir.path().join("config.toml");
    std::fs::write(&config, text).unwrap();
    Env { dir, config, sim }
}

fn write_private(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

pub async fn offsync(env: &Env, args: &[&str]) -> Output {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_offsync"))
        .arg("--config")
        .arg(&env.config)
        .args(args)
        // Nothing may reach the real home directory or the user's environment.
        .env("HOME", env.dir.path())
        .env_remove("OFFSYNC_CONFIG")
        .env_remove("OFFSYNC_PROFILE")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .expect("offsync runs");
    assert_wired(&out, "devices");
    out
}

/// A clear failure when the binary has no such subcommand yet, rather than a confusing one.
pub fn assert_wired(out: &Output, sub: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains(&format!("unrecognized subcommand '{sub}'")),
        "src/main.rs does not dispatch `offsync {sub}` (cli::{sub}::run) yet"
    );
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// (resource_id, owner, owner OU) of every visible Google Sync device in the tenant.
fn tenant_google_sync(sim: &SimHandle) -> BTreeSet<(String, String, String)> {
    let snap = sim.tenant_snapshot();
    snap["mobiledevices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["type"] == "GOOGLE_SYNC" && d["_deleted"] != true)
        .map(|d| {
            (
                d["resourceId"].as_str().unwrap().to_string(),
                d["email"][0].as_str().unwrap_or("").to_string(),
                d["_ownerOrgUnitPath"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn csv_rows(csv: &str) -> BTreeSet<(String, String, String)> {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (id, owner, ou) = (col("resource_id"), col("owner"), col("org_unit_path"));
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[id].to_string(),
                rec[owner].to_string(),
                rec[ou].to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn csv_lists_exactly_the_google_sync_devices_with_their_owner_ous() {
    let env = setup(tenant()).await;
    let out = offsync(
        &env,
        &["devices", "--type", "google-sync", "--format", "csv"],
    )
    .await;
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(
        out.stderr.is_empty(),
        "quiet when stderr is not a terminal: {}",
        text(&out.stderr)
    );
    let want = tenant_google_sync(&env.sim);
    assert!(want.len() > 10, "the tenant has Google Sync devices");
    assert!(
        want.iter().any(|(_, _, ou)| ou != "/"),
        "some owners sit below the root OU"
    );
    let csv = text(&out.stdout);
    assert_eq!(csv_rows(&csv), want);
    assert_eq!(csv.lines().count(), want.len() + 1, "no duplicates");

    // The listing was cached: --cached gives the same bytes without a single request.
    let before = env.sim.stats().requests;
    let cached = offsync(
        &env,
        &[
            "devices",
            "--type",
            "google-sync",
            "--format",
            "csv",
            "--cached",
        ],
    )
    .await;
    assert!(cached.status.success(), "stderr: {}", text(&cached.stderr));
    assert_eq!(text(&cached.stdout), csv);
    assert_eq!(env.sim.stats().requests, before, "--cached sends nothing");
    env.sim.shutdown().await;
}

#[tokio::test]
async fn ou_and_fields_filter_like_the_tui() {
    let env = setup(tenant()).await;
    let want = tenant_google_sync(&env.sim);
    let (_, _, ou) = want.iter().find(|(_, _, ou)| ou != "/").unwrap().clone();
    let top = format!("/{}", ou.trim_start_matches('/').split('/').next().unwrap());
    let out = offsync(
        &env,
        &[
            "devices",
            "--type",
            "google-sync",
            "--ou",
            &top,
            "--include-children",
            "--format",
            "json",
            "--fields",
            "resource_id,org_unit_path",
        ],
    )
    .await;
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let got: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let expect: BTreeSet<String> = want
        .iter()
        .filter(|(_, _, o)| *o == top || o.starts_with(&format!("{top}/")))
        .map(|(id, _, _)| id.clone())
        .collect();
    assert!(!expect.is_empty());
    assert_eq!(
        got.iter()
            .map(|d| d["resource_id"].as_str().unwrap().to_string())
            .collect::<BTreeSet<_>>(),
        expect
    );
    assert!(
        got.iter().all(|d| d.as_object().unwrap().len() == 2),
        "only the chosen fields"
    );
    env.sim.shutdown().await;
}

#[tokio::test]
async fn a_malformed_query_is_a_usage_error_and_sends_nothing() {
    let env = setup(tenant()).await;
    for bad in ["emial:fred*", "fred", "sync:2025-13-01", "email:fr*ed"] {
        let out = offsync(&env, &["devices", "--query", bad]).await;
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", text(&out.stderr));
        let err = text(&out.stderr);
        assert!(err.contains("--query"), "{bad}: names the option: {err}");
        assert!(out.stdout.is_empty());
    }
    let err = text(
        &offsync(&env, &["devices", "--query", "emial:fred*"])
            .await
            .stderr,
    );
    assert!(err.contains("unknown search field `emial`"), "{err}");
    assert_eq!(env.sim.stats().requests, 0, "no request, not even a token");
    env.sim.shutdown().await;
}

#[tokio::test]
async fn ten_percent_server_errors_change_nothing() {
    let clean = setup(tenant()).await;
    let faulty = setup(SimConfig {
        faults: FaultSpec::parse("429=0.03,503=0.02,500=0.02,403rate=0.02,reset=0.01").unwrap(),
        ..tenant()
    })
    .await;
    let args = ["devices", "--format", "csv"];
    let (a, b) = tokio::join!(offsync(&clean, &args), offsync(&faulty, &args));
    assert!(a.status.success(), "stderr: {}", text(&a.stderr));
    assert!(b.status.success(), "stderr: {}", text(&b.stderr));
    let stats = faulty.sim.stats();
    let errors: u64 = [429, 503, 500, 403]
        .iter()
        .map(|s| stats.count_status("", *s))
        .sum();
    assert!(errors > 0, "faults were injected: {stats:?}");
    assert_eq!(
        text(&a.stdout),
        text(&b.stdout),
        "every page survived the faults"
    );
    assert!(a.stdout.len() > 1000);
    clean.sim.shutdown().await;
    faulty.sim.shutdown().await;
}

#[tokio::test]
async fn a_closed_pipe_exits_quietly() {
    use tokio::io::AsyncReadExt;
    let env = setup(SimConfig {
        devices: 2000,
        users: 200,
        ..tenant()
    })
    .await;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_offsync"))
        .arg("--config")
        .arg(&env.config)
        .args(["devices", "--format", "csv"])
        .env("HOME", env.dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Like `| head -c 100`: read a little, then close the pipe.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 100];
    if let Err(e) = stdout.read_exact(&mut first).await {
        drop(stdout);
        let out = child.wait_with_output().await.unwrap();
        assert_wired(&out, "devices");
        panic!("no output ({e}): {}", text(&out.stderr));
    }
    drop(stdout);
    let out = child.wait_with_output().await.unwrap();
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    env.sim.shutdown().await;
}
