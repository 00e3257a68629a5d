//! `offsync check` against the simulator: passes with every scope granted, fails (non-zero)
//! when domain-wide delegation lacks one.
use offsync::cli::check::{run, CheckArgs};
use offsync::cli::GlobalArgs;
use offsync::google::scopes;
use offsync::sim::SimConfig;

use crate::google_util::env;

pub fn config(e: &crate::google_util::Env) -> GlobalArgs {
    let c = &e.sim.credentials;
    let text = format!(
        "data_dir = \"{}\"\n[profiles.t]\nsubject = \"{}\"\nkey_file = \"{}\"\ncustomer_id = \"{}\"\n[profiles.t.endpoints]\n\
         directory = \"{u}\"\nreports = \"{u}\"\ncloudidentity = \"{u}\"\ngmail = \"{u}\"\nandroidmanagement = \"{u}\"\n\
         enterprise = \"{}\"\n[profiles.t.http]\nbackoff_base_ms = 10\nbackoff_max_ms = 50\nmax_tries = 2\n",
        e.dir.path().join("data").display(),
        c.admin_email,
        e.profile.key_file.display(),
        c.customer_id,
        c.enterprise,
        u = e.sim.base_url,
    );
    let path = e.dir.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    GlobalArgs {
        config: Some(path),
        profile: None,
        readonly: true,
    }
}

#[tokio::test]
async fn check_passes_with_every_scope_and_fails_without_one() {
    let e = env(SimConfig {
        users: 10,
        devices: 10,
        ..SimConfig::default()
    })
    .await;
    let admin = e.sim.credentials.admin_email.clone();
    run(
        &config(&e),
        CheckArgs {
            gmail_user: Some(admin),
        },
    )
    .await
    .unwrap();

    let granted: Vec<String> = scopes::ALL
        .iter()
        .map(|(s, _)| s.to_string())
        .filter(|s| s != scopes::ORGUNIT_READ)
        .collect();
    let e = env(SimConfig {
        users: 10,
        devices: 10,
        dwd_scopes: Some(granted),
        ..SimConfig::default()
    })
    .await;
    let err = run(&config(&e), CheckArgs { gmail_user: None })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("1 check(s) failed"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_warns_when_the_subject_is_not_a_super_admin() {
    let e = env(SimConfig {
        users: 30,
        devices: 10,
        ..SimConfig::default()
    })
    .await;
    let g = config(&e);
    let path = g.config.unwrap();
    // A delegated admin: reads the Directory, but the Policy API wants a super admin.
    let other = e.sim.with_tenant(|t, _| {
        let u = t
            .users
            .iter_mut()
            .find(|u| u.role == offsync::sim::AdminRole::None && !u.suspended)
            .unwrap();
        u.role = offsync::sim::AdminRole::Delegated;
        u.email.clone()
    });
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace(&e.sim.credentials.admin_email, &other);
    std::fs::write(&path, text).unwrap();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_offsync"))
            .arg("--config")
            .arg(&path)
            .arg("check")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("{other} is a super admin")) && stdout.contains("WARN"),
        "{stdout}"
    );
    assert!(stdout.contains("not a super admin: the Cloud Identity Policy API refuses it"));
}
