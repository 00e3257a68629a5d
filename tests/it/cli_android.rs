//! `offsync android` end to end: the real binary, a config file as a user writes it, and the
//! simulator as the tenant.
use std::path::PathBuf;
use std::process::Output;

use offsync::sim::{self, ClockConfig, SimConfig, SimHandle};
use serde_json::Value;

struct Env {
    dir: tempfile::TempDir,
    config: PathBuf,
    sim: SimHandle,
}

async fn setup(with_enterprise: bool) -> Env {
    let sim = sim::start(SimConfig {
        users: 60,
        devices: 240,
        clock: ClockConfig {
            start: None,
            speed: 0.0,
        },
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("sa-key.json");
    std::fs::write(&key, &sim.credentials.key_json).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let c = &sim.credentials;
    let domains: Vec<String> = c.domains.iter().map(|d| format!("{d:?}")).collect();
    let enterprise = if with_enterprise {
        format!("enterprise = {:?}\n", c.enterprise)
    } else {
        String::new()
    };
    let text = format!(
        "data_dir = \"data\"\nlog_file = \"offsync.log\"\n\n[profiles.sim]\nsubject = {subject:?}\n\
         key_file = {key:?}\ndomains = [{domains}]\n\n[profiles.sim.endpoints]\n\
         directory = {url:?}\nreports = {url:?}\ncloudidentity = {url:?}\ngmail = {url:?}\n\
         androidmanagement = {url:?}\n{enterprise}",
        subject = c.admin_email,
        key = key.display().to_string(),
        domains = domains.join(", "),
        url = format!("{}/", sim.base_url),
    );
    let config = dir.path().join("config.toml");
    std::fs::write(&config, text).unwrap();
    Env { dir, config, sim }
}

async fn offsync(env: &Env, args: &[&str]) -> Output {
    offsync_with(env, args, None).await
}

/// `abort_after`: the change engine's crash hook (abort right after the N-th change response).
async fn offsync_with(env: &Env, args: &[&str], abort_after: Option<u32>) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_offsync"));
    if let Some(n) = abort_after {
        cmd.env("OFFSYNC_TEST_ABORT_AFTER", n.to_string());
    }
    let out = cmd
        .arg("--config")
        .arg(&env.config)
        .args(args)
        .env("HOME", env.dir.path())
        .env_remove("OFFSYNC_CONFIG")
        .env_remove("OFFSYNC_PROFILE")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .expect("offsync runs");
    super::cli_devices::assert_wired(&out, "android");
    out
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn patches(env: &Env) -> u64 {
    env.sim
        .stats()
        .by_route
        .iter()
        .filter(|(route, _)| route.starts_with("PATCH /v1/enterprises"))
        .map(|(_, n)| n.values().sum::<u64>())
        .sum()
}

#[tokio::test]
async fn status_groups_devices_and_set_fixes_a_misconfigured_required_account() {
    let env = setup(true).await;
    let out = offsync(&env, &["android", "status", "--json"]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["upgradePossible"], true);
    assert!(v["credential"].as_str().unwrap().contains("sub = "));
    let groups = v["groups"].as_array().unwrap();
    let stuck = groups
        .iter()
        .find(|g| g["state"] == "required_account_not_in_enterprise")
        .expect("the staff policy names a gmail.com account");
    assert!(stuck["fix"].as_str().unwrap().contains("android set"));
    let total: usize = groups
        .iter()
        .map(|g| g["devices"].as_array().unwrap().len())
        .sum();
    assert_eq!(
        total,
        v["policies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["devices"].as_u64().unwrap() as usize)
            .sum::<usize>()
    );

    // Refused before sending: outside the verified domains.
    let out = offsync(
        &env,
        &[
            "android",
            "set",
            "staff",
            "--required-account-email",
            "helpdesk@gmail.com",
        ],
    )
    .await;
    assert!(!out.status.success());
    assert!(
        text(&out).1.contains("not a verified domain"),
        "{}",
        text(&out).1
    );
    // Dry run: the diff, nothing sent.
    let out = offsync(
        &env,
        &["android", "set", "staff", "--clear-required-account-email"],
    )
    .await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("updateMask=workAccountSetupConfig\n"),
        "{stdout}"
    );
    assert!(stderr.contains("dry run"));
    assert_eq!(patches(&env), 0);
    let out = offsync(
        &env,
        &[
            "android",
            "set",
            "staff",
            "--clear-required-account-email",
            "--yes",
        ],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(patches(&env), 1);
    env.sim.advance(std::time::Duration::from_secs(15 * 60));
    let out = offsync(&env, &["android", "policy", "staff", "--json"]).await;
    let v: Value = serde_json::from_str(&text(&out).0).unwrap();
    assert!(v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .all(|g| g["state"] != "required_account_not_in_enterprise"));
    assert!(v["policies"][0]["policy"]["workAccountSetupConfig"]
        .get("requiredAccountEmail")
        .is_none());
    // A wipe rule needs the typed confirmation; without it nothing is sent.
    let rule = [
        "android",
        "set",
        "staff",
        "--block-after-days",
        "3",
        "--wipe-after-days",
        "30",
        "--yes",
    ];
    let out = offsync(&env, &rule).await;
    assert!(!out.status.success());
    assert!(text(&out).1.contains("--confirm \"wipe staff\""));
    assert_eq!(patches(&env), 1);
    let mut confirmed = rule.to_vec();
    confirmed.extend(["--confirm", "wipe staff"]);
    assert!(offsync(&env, &confirmed).await.status.success());
    assert_eq!(patches(&env), 2);
    // Read-only: refused before the journal or the network.
    let mut ro = vec!["--readonly"];
    ro.extend(["android", "set", "staff", "--remove-enforcement", "--yes"]);
    let out = offsync(&env, &ro).await;
    assert!(!out.status.success());
    assert!(text(&out).1.contains("read-only"));
    assert_eq!(patches(&env), 2);
}

#[tokio::test]
async fn without_an_enterprise_it_says_so_and_how() {
    let env = setup(false).await;
    let out = offsync(&env, &["android", "status"]).await;
    assert!(!out.status.success());
    let (_, stderr) = text(&out);
    assert!(stderr.contains("not configured"), "{stderr}");
    assert!(
        stderr.contains("enterprise = \"enterprises/ID\""),
        "{stderr}"
    );
    assert!(stderr.contains("androidmanagement"), "{stderr}");
}

#[tokio::test]
async fn a_patch_cut_off_by_a_crash_is_read_back_and_recorded_never_resent() {
    let env = setup(true).await;
    let set = [
        "android",
        "set",
        "staff",
        "--clear-required-account-email",
        "--yes",
    ];
    let out = offsync_with(&env, &set, Some(1)).await;
    assert!(!out.status.success(), "the process died after the response");
    assert_eq!(patches(&env), 1);
    // The next command that opens the database settles it by reading the policy back.
    let out = offsync(&env, &["android", "status"]).await;
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains("interrupted"),
        "settled, not left open: {stderr}"
    );
    assert_eq!(patches(&env), 1, "nothing re-sent");
    let out = offsync(&env, &["journal", "--json"]).await;
    let j: Value = serde_json::from_str(&text(&out).0).unwrap();
    let rows: Vec<&Value> = j
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "android.policy.patch")
        .collect();
    assert_eq!(rows.len(), 1, "{j}");
    assert_eq!(rows[0]["outcome"], "succeeded", "{j}");
}
