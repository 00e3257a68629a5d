//! `offsync info` prints every path and the profiles, with or without a config file.
use std::process::Output;

fn info(home: &std::path::Path, config: Option<&std::path::Path>) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_offsync"));
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    let out = cmd
        .arg("info")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("cfg"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env_remove("OFFSYNC_CONFIG")
        .env_remove("OFFSYNC_PROFILE")
        .output()
        .unwrap();
    crate::cli_devices::assert_wired(&out, "info");
    out
}

#[test]
fn works_with_no_config_file() {
    let home = tempfile::tempdir().unwrap();
    let out = info(home.path(), None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for label in [
        "config file",
        "data dir",
        "database",
        "cache dir",
        "log file",
        "profile",
        "profiles",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(label)),
            "{label} missing:\n{text}"
        );
    }
    assert!(text.contains("not found"), "{text}");
    assert!(
        text.contains(&home.path().display().to_string()),
        "paths follow XDG/HOME:\n{text}"
    );
}

#[test]
fn shows_the_active_profile_its_database_and_every_profile() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        "default_profile = \"b\"\ndata_dir = \"d\"\n\n[profiles.a]\nsubject = \"x@a.example\"\nkey_file = \"a.json\"\n\n\
         [profiles.b]\nsubject = \"y@b.example\"\nkey_file = \"b.json\"\nreadonly = true\n",
    )
    .unwrap();
    let out = info(home.path(), Some(&config));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains(&config.display().to_string()), "{text}");
    assert!(
        text.contains(&home.path().join("d").join("b.sqlite").display().to_string()),
        "{text}"
    );
    assert!(text.contains("b (read-only)"), "{text}");
    assert!(text.contains("a, b"), "{text}");
}

#[test]
fn a_broken_config_still_shows_where_it_is() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(&config, "[ui]\ntheme = \"purple\"\n").unwrap();
    let out = info(home.path(), Some(&config));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(&config.display().to_string()));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ui.theme"));
}
