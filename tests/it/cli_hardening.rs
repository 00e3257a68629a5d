//! `offsync devices` against bad inputs and hostile files, through the real binary: OU
//! paths that do not exist exactly, empty types, `--output` onto symlinks, FIFOs and
//! existing files, owner-only data files, and a cache shared by two tenants.
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use offsync::sim::SimConfig;

use crate::cli_devices::{offsync, setup, tenant, Env};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn an_ou_that_does_not_exist_exactly_is_an_error_naming_the_closest() {
    let env = setup(tenant()).await;
    for (bad, near) in [
        ("/Nope", "/"),
        ("/staff", "/Staff"),
        ("/Staff/../IT", "/Staff"),
        ("/Staff/Teacher", "/Staff/Teachers"),
    ] {
        let out = offsync(&env, &["devices", "--ou", bad, "--format", "csv"]).await;
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{bad}: {err}");
        assert!(out.stdout.is_empty(), "{bad}: no header, no rows");
        assert!(err.contains(&format!("no OU `{bad}`")), "{bad}: {err}");
        assert!(err.contains(near), "{bad}: {err}");
    }
    let ok = offsync(&env, &["devices", "--ou", "/Staff/", "--format", "csv"]).await;
    assert!(ok.status.success(), "{}", text(&ok.stderr));
}

#[tokio::test]
async fn an_empty_type_is_refused_before_anything_is_sent() {
    let env = setup(tenant()).await;
    let out = offsync(&env, &["devices", "--type", ""]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("empty device type"));
    assert_eq!(env.sim.stats().requests, 0);
}

/// The old temporary name (`.NAME.PID.tmp`, opened following symlinks) let a planted
/// symlink redirect the write; the new one is unpredictable and created exclusively.
#[test]
fn a_symlink_planted_at_the_old_temporary_name_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious").unwrap();
    let out = dir.path().join("out.csv");
    let planted = dir
        .path()
        .join(format!(".out.csv.{}.tmp", std::process::id()));
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    offsync::store::write_atomically(&out, |w| w.write_all(b"export")).unwrap();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "export");
}

async fn csv_to(env: &Env, target: &str, umask: &str) -> std::process::Output {
    // Through a shell, for the umask the admin has.
    let cmd = format!("umask {umask}; exec \"$0\" --config \"$1\" devices --format csv -o \"$2\"",);
    let out = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .arg(env!("CARGO_BIN_EXE_offsync"))
        .arg(&env.config)
        .arg(target)
        .env("HOME", env.dir.path())
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    out
}

#[tokio::test]
async fn output_replaces_regular_files_keeping_their_mode_and_writes_into_fifos() {
    let env = setup(tenant()).await;
    let d = env.dir.path();
    // A new file gets 0666 less the umask, like anything the admin creates.
    let fresh = d.join("fresh.csv");
    csv_to(&env, fresh.to_str().unwrap(), "027").await;
    assert_eq!(mode(&fresh), 0o640);
    assert!(std::fs::read_to_string(&fresh)
        .unwrap()
        .starts_with("owner,"));
    // An existing file keeps the mode the admin gave it.
    let kept = d.join("kept.csv");
    std::fs::write(&kept, "old").unwrap();
    std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o604)).unwrap();
    csv_to(&env, kept.to_str().unwrap(), "077").await;
    assert_eq!(mode(&kept), 0o604);
    // A symlink at PATH: the file it points to is replaced, the link stays a link.
    let target = d.join("target.csv");
    std::fs::write(&target, "old").unwrap();
    let link = d.join("link.csv");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    csv_to(&env, link.to_str().unwrap(), "022").await;
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(&target)
        .unwrap()
        .starts_with("owner,"));
    // A FIFO stays a FIFO and receives the CSV.
    let fifo = d.join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    csv_to(&env, fifo.to_str().unwrap(), "022").await;
    assert!(reader.join().unwrap().starts_with("owner,"));
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    // `-o -` is stdout.
    let out = offsync(&env, &["devices", "--format", "csv", "-o", "-"]).await;
    assert!(text(&out.stdout).starts_with("owner,"));
    assert!(!d.join("-").exists());
    // Nothing but the outputs is left beside them.
    let stray: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}

#[tokio::test]
async fn the_database_and_log_are_owner_only() {
    let env = setup(tenant()).await;
    let out = offsync(&env, &["devices", "--format", "csv"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let data = env.dir.path().join("data");
    assert_eq!(mode(&data), 0o700);
    let mut files = 0;
    for e in std::fs::read_dir(&data).unwrap() {
        let p = e.unwrap().path();
        assert_eq!(mode(&p), 0o600, "{}", p.display());
        files += 1;
    }
    assert!(files >= 1);
    assert_eq!(mode(&env.dir.path().join("offsync.log")), 0o600);
}

/// Two simulators, both written as profile "sim" into one data dir: `--cached` with the
/// second one's config must not show the first one's devices.
#[tokio::test]
async fn cached_refuses_another_tenants_inventory() {
    let first = setup(tenant()).await;
    let out = offsync(&first, &["devices", "--format", "csv"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let second = setup(SimConfig {
        seed: 8,
        ..tenant()
    })
    .await;
    assert_ne!(
        first.sim.credentials.admin_email,
        second.sim.credentials.admin_email
    );
    let shared = first.dir.path().join("data");
    let cfg = std::fs::read_to_string(&second.config)
        .unwrap()
        .replace("data_dir = \"data\"", &format!("data_dir = {:?}", shared));
    std::fs::write(&second.config, cfg).unwrap();
    let out = offsync(&second, &["devices", "--cached", "--format", "csv"]).await;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(out.stdout.is_empty());
    assert!(
        err.contains("other tenants") && err.contains(&first.sim.credentials.customer_id),
        "{err}"
    );
    // Once the second tenant is listed, its own cache is used, never the first one's.
    assert!(offsync(&second, &["devices"]).await.status.success());
    let mine = offsync(&second, &["devices", "--cached", "--format", "csv"]).await;
    assert!(mine.status.success());
    let theirs = offsync(&first, &["devices", "--cached", "--format", "csv"]).await;
    assert_ne!(text(&mine.stdout), text(&theirs.stdout));
}

/// A database an older offsync created world-readable is tightened when opened.
#[test]
fn an_old_readable_database_is_tightened_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.sqlite");
    {
        let mut s = offsync::store::Store::open(&db).unwrap();
        s.save_inventory(&Default::default()).unwrap();
    }
    let wal = dir.path().join("old.sqlite-wal");
    std::fs::write(&wal, b"").unwrap();
    for p in [&db, &wal] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let _s = offsync::store::Store::open(&db).unwrap();
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(&wal), 0o600);
}
