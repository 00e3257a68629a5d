//! `offsync demo`: the full dashboard against the built-in simulator, with no files to
//! write and no account needed. The simulator runs in this process; its service-account
//! key goes to a private temporary directory that is removed on exit.
use std::time::Duration;

use color_eyre::eyre::{eyre, WrapErr};

use super::GlobalArgs;
use crate::config::{Paths, Profile, Settings};
use crate::sim::{self, ClockConfig, FaultSpec, SimConfig};
use crate::tui;

#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Users in the simulated tenant.
    #[arg(long, default_value_t = 2000)]
    pub users: usize,
    /// Mobile devices in the simulated tenant.
    #[arg(long, default_value_t = 5000)]
    pub devices: usize,
    /// Seed for the tenant (the same seed gives the same tenant).
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Delay added to every simulated request, so loading is visible.
    #[arg(long, default_value_t = 40)]
    pub latency_ms: u64,
    /// Injected failures, e.g. `429=0.05,503=0.03` (offsync retries them).
    #[arg(long, value_parser = FaultSpec::parse)]
    pub faults: Option<FaultSpec>,
}

pub async fn run(g: &GlobalArgs, args: DemoArgs) -> color_eyre::Result<()> {
    // The demo ignores a broken or missing config: it must work on a fresh machine.
    let settings = g.settings().unwrap_or_else(|e| {
        tracing::warn!("demo ignores the config: {e}");
        Settings::from_str("", Paths::platform(), None, false).expect("empty config is valid")
    });
    let cfg = SimConfig {
        seed: args.seed,
        users: args.users,
        devices: args.devices,
        latency: Duration::from_millis(args.latency_ms),
        faults: args.faults.unwrap_or_default(),
        // Sim time starts now, so "last sync 3d ago" reads true against the wall clock.
        clock: ClockConfig {
            start: Some(chrono::Utc::now()),
            speed: 1.0,
        },
        ..SimConfig::default()
    };
    let handle = sim::start(cfg)
        .await
        .wrap_err("cannot start the built-in simulator")?;
    let dir = tempfile_dir()?;
    let key = dir.path().join("demo-key.json");
    write_private(&key, &handle.credentials.key_json).wrap_err("writing the demo key")?;
    let creds = &handle.credentials;
    let mut profile = Profile::for_simulator(
        &handle.base_url,
        key,
        &creds.admin_email,
        creds.domains.clone(),
        None,
    );
    profile.readonly = g.readonly;
    let database = dir.path().join("demo.sqlite");
    let result = tui::run(tui::Launch {
        settings,
        profile,
        database: Some(database),
        config_file: None,
        readonly_flag: g.readonly,
    })
    .await;
    handle.shutdown().await;
    drop(dir);
    result.wrap_err("the demo dashboard stopped")
}

/// A private directory (0700) for the key file; removed when dropped.
fn tempfile_dir() -> color_eyre::Result<TempDir> {
    let base = std::env::temp_dir();
    for n in 0..100u32 {
        let p = base.join(format!("offsync-demo-{}-{n}", std::process::id()));
        let mut b = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        match b.create(&p) {
            Ok(()) => return Ok(TempDir(p)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).wrap_err_with(|| format!("creating {}", p.display())),
        }
    }
    Err(eyre!(
        "cannot create a private directory under {}",
        base.display()
    ))
}

struct TempDir(std::path::PathBuf);

impl TempDir {
    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)?.write_all(text.as_bytes())
}
