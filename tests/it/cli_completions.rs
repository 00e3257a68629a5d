//! `offsync completions`, `offsync man`, and the simulator's help listing only its own options.
use std::process::{Command, Output};

fn offsync(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_offsync"))
        .args(args)
        .env_remove("OFFSYNC_CONFIG")
        .env_remove("OFFSYNC_PROFILE")
        .output()
        .expect("run offsync")
}

fn stdout(args: &[&str]) -> String {
    let out = offsync(args);
    assert!(
        out.status.success(),
        "offsync {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn completions_for_three_shells_and_a_man_page() {
    let bash = stdout(&["completions", "bash"]);
    assert!(
        bash.contains("_offsync()") && bash.contains("devices"),
        "{bash}"
    );
    let zsh = stdout(&["completions", "zsh"]);
    assert!(zsh.starts_with("#compdef offsync"), "{zsh}");
    let fish = stdout(&["completions", "fish"]);
    assert!(fish.contains("complete -c offsync") && fish.contains("write-config"));
    let man = stdout(&["man"]);
    assert!(man.contains(".TH offsync 1"), "{man}");
    assert!(man.contains("completions") && man.contains("\\-\\-readonly"));
    let out = offsync(&["completions", "powershell"]);
    assert!(!out.status.success());
}

#[test]
fn sim_serve_help_lists_only_simulator_options() {
    let help = stdout(&["sim", "serve", "--help"]);
    for meaningless in ["--readonly", "--profile", "--config"] {
        assert!(!help.contains(meaningless), "{meaningless} in:\n{help}");
    }
    assert!(help.contains("--write-config") && help.contains("--service-account-admin"));
    // Where they mean something they stay.
    let help = stdout(&["devices", "--help"]);
    assert!(help.contains("--readonly") && help.contains("--profile"));

    let out = offsync(&["sim", "serve", "--readonly"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unexpected argument '--readonly'"));
    let out = offsync(&[
        "--readonly",
        "sim",
        "dump",
        "--users",
        "5",
        "--devices",
        "5",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--readonly means nothing to `offsync sim`")
    );
}
