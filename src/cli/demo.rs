//! `offsync demo`: the full dashboard against the built-in simulator, with no files to
//! write and no account needed. The simulator runs in this process; its service-account
//! key and the demo database go to a private temporary directory (0700, from `tempfile`)
//! that is removed on exit, including after SIGHUP/SIGTERM/SIGINT (the dashboard turns them
//! into a clean quit). SIGKILL cannot be caught, so each start first removes directories
//! left by demos whose process is gone: they hold a private key.
use std::time::Duration;

use color_eyre::eyre::WrapErr;

use super::GlobalArgs;
use crate::config::{Paths, Profile, Settings};
use crate::google::Clients;
use crate::migrate::{Migrator, PlanSeed};
use crate::migration::{Management, OuDeclaration};
use crate::sim::{self, FaultSpec, SimConfig, DEMO_EMM_OU, DEMO_TIME_SCALE};
use crate::tui;

/// Users and devices of the demo tenant (also `offsync sim serve --demo`).
pub const DEMO_USERS: usize = 2000;
pub const DEMO_DEVICES: usize = 5000;

#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Users in the simulated tenant.
    #[arg(long, default_value_t = DEMO_USERS)]
    pub users: usize,
    /// Mobile devices in the simulated tenant.
    #[arg(long, default_value_t = DEMO_DEVICES)]
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
    /// Run sim time N times faster (propagation and simulated users too); the default 1440
    /// passes a simulated day in a real minute, so the pilot completes in minutes.
    #[arg(long, default_value_t = DEMO_TIME_SCALE, value_name = "N")]
    pub time_scale: f64,
    /// How often the live feed polls each source (a real tenant: 5 to 15 minutes), so the
    /// Feed pane and its burndown move while you watch.
    #[arg(long, default_value_t = 60, value_name = "SECS", value_parser = clap::value_parser!(u64).range(5..))]
    pub feed_every: u64,
    /// The burndown's deadline, this many hours of simulated time after the demo starts.
    #[arg(long, default_value_t = 48, value_name = "HOURS")]
    pub deadline_hours: u32,
}

/// The plan every demo starts from: `/Pilot` first (under advanced mobile management, so iOS
/// automatic push applies), then three waves; the EMM OU declared as such. Nothing is applied.
pub fn demo_plan() -> PlanSeed {
    let ous = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    PlanSeed {
        pilot: "/Pilot".into(),
        declarations: vec![
            OuDeclaration {
                management: Management::Advanced,
                ..OuDeclaration::new("/Pilot")
            },
            OuDeclaration {
                emm: true,
                ..OuDeclaration::new(DEMO_EMM_OU)
            },
        ],
        waves: vec![
            ous(&["/Staff"]),
            ous(&["/Students"]),
            ous(&["/Sales", "/IT", "/Contractors"]),
        ],
    }
}

pub async fn run(g: &GlobalArgs, args: DemoArgs) -> color_eyre::Result<()> {
    // The demo ignores a broken or missing config: it must work on a fresh machine.
    let settings = g.settings().unwrap_or_else(|e| {
        tracing::warn!("demo ignores the config: {e}");
        Settings::from_str("", Paths::platform(), None, false).expect("empty config is valid")
    });
    sweep_stale_dirs(&std::env::temp_dir());
    let backend = Backend::start(&args, g.readonly).await?;
    let result = tui::run(tui::Launch {
        settings,
        profile: backend.profile.clone(),
        database: Some(backend.database.clone()),
        config_file: None,
        readonly_flag: g.readonly,
        sim_clock_scale: Some(backend.scale),
    })
    .await;
    backend.shutdown().await;
    result.wrap_err("the demo dashboard stopped")
}

/// Everything the demo's dashboard runs against: the simulator, the profile pointing at it,
/// the database with the seeded plan, and the stand-in console following its journal.
pub struct Backend {
    pub sim: sim::SimHandle,
    pub profile: Profile,
    pub database: std::path::PathBuf,
    /// Sim seconds per real second.
    pub scale: f64,
    console: tokio::task::JoinHandle<()>,
    /// Holds the key and the database; removed when dropped.
    dir: tempfile::TempDir,
}

impl Backend {
    pub async fn start(args: &DemoArgs, readonly: bool) -> color_eyre::Result<Backend> {
        let scale = if args.time_scale.is_finite() && args.time_scale > 0.0 {
            args.time_scale
        } else {
            DEMO_TIME_SCALE
        };
        let mut cfg = SimConfig::demo(args.seed, args.users, args.devices);
        cfg.latency = Duration::from_millis(args.latency_ms);
        cfg.faults = args.faults.clone().unwrap_or_default();
        // Sim time starts now, so "last sync 3d ago" reads true against the wall clock.
        cfg.clock.start = Some(chrono::Utc::now());
        cfg.clock.speed = scale;
        let handle = sim::start(cfg)
            .await
            .wrap_err("cannot start the built-in simulator")?;
        let dir = tempfile::Builder::new()
            .prefix(&format!("{DIR_PREFIX}{}-", std::process::id()))
            .tempdir()
            .wrap_err_with(|| {
                format!(
                    "cannot create a private directory under {}",
                    std::env::temp_dir().display()
                )
            })?;
        let key = dir.path().join("demo-key.json");
        write_private(&key, &handle.credentials.key_json).wrap_err("writing the demo key")?;
        let creds = &handle.credentials;
        let mut profile = Profile::for_simulator(
            &handle.base_url,
            key,
            &creds.admin_email,
            creds.domains.clone(),
            // The demo tenant has an Android Management enterprise: the account upgrade is live.
            Some(creds.enterprise.clone()),
        );
        profile.readonly = readonly;
        let every = Duration::from_secs(args.feed_every);
        for source in crate::model::Source::ALL {
            let s = profile.feed.source_mut(source);
            if source != crate::model::Source::Usage {
                s.interval = Some(every);
                // Polling this often is the demo's point; the simulator still enforces quotas.
                s.requests_per_hour = s.requests_per_hour.max(100_000);
            }
        }
        profile.feed.deadline =
            Some(handle.now() + chrono::Duration::hours(args.deadline_hours.into()));
        let database = dir.path().join("demo.sqlite");
        let (clients, _) = Clients::new(&profile, None).wrap_err("the demo's API clients")?;
        Migrator::new(clients, &profile, database.clone())
            .seed_plan(&demo_plan(), handle.now())
            .wrap_err("writing the demo's migration plan")?;
        let console = super::demo_console::spawn(database.clone(), handle.base_url.clone())
            .wrap_err("following the demo's journal")?;
        Ok(Backend {
            sim: handle,
            profile,
            database,
            scale,
            console,
            dir,
        })
    }

    /// Stops the stand-in console and the simulator, and removes the private directory.
    pub async fn shutdown(self) {
        self.console.abort();
        self.sim.shutdown().await;
        drop(self.dir);
    }
}

/// `offsync-demo-PID-RANDOM`: the PID tells a later start whether its owner still runs.
const DIR_PREFIX: &str = "offsync-demo-";

/// Removes demo directories under `tmp` whose process no longer exists (a demo killed with
/// SIGKILL, or a machine that lost power). Only this user's directories, never a live one.
pub fn sweep_stale_dirs(tmp: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(DIR_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<i32>().ok())
        else {
            continue;
        };
        let path = e.path();
        // symlink_metadata: a planted symlink is not a directory of ours.
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() && owned_by_me(&meta) && !process_exists(pid) {
            match std::fs::remove_dir_all(&path) {
                Ok(()) => tracing::info!("removed a stale demo directory {}", path.display()),
                Err(e) => tracing::warn!("cannot remove {}: {e}", path.display()),
            }
        }
    }
}

#[cfg(unix)]
fn owned_by_me(meta: &std::fs::Metadata) -> bool {
    // SAFETY: getuid has no preconditions and cannot fail.
    std::os::unix::fs::MetadataExt::uid(meta) == unsafe { libc::getuid() }
}

#[cfg(not(unix))]
fn owned_by_me(_: &std::fs::Metadata) -> bool {
    false
}

#[cfg(unix)]
fn process_exists(pid: i32) -> bool {
    if pid <= 0 {
        return true; // not a PID we wrote: leave it alone
    }
    // SAFETY: signal 0 checks for existence and permission only; nothing is delivered.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(not(unix))]
fn process_exists(_: i32) -> bool {
    true
}

fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)?.write_all(text.as_bytes())
}
