//! Google's official Python client and `offsync devices` must list exactly the same
//! Google Sync devices from the simulator. The client lives in a virtualenv that
//! `.ci/run` (or a first manual run of scripts/python-crosscheck.sh) installs; without
//! it the test says so and passes, because tests never reach the network themselves.
use std::path::Path;
use std::process::Command;

#[test]
fn official_python_client_agrees_with_offsync() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let venv_python = root.join("target/pyenv/bin/python");
    let has_client = venv_python.exists()
        && Command::new(&venv_python)
            .args(["-c", "import googleapiclient, google.oauth2"])
            .status()
            .is_ok_and(|s| s.success());
    if !has_client {
        eprintln!("skipped: google-api-python-client is not installed in target/pyenv (run .ci/run or scripts/python-crosscheck.sh once)");
        return;
    }
    let out = Command::new("bash")
        .arg(root.join("scripts/python-crosscheck.sh"))
        .env("OFFSYNC_BIN", env!("CARGO_BIN_EXE_offsync"))
        .current_dir(root)
        .output()
        .expect("run the cross-check script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("identical"),
        "cross-check failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
