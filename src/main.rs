//! The `offsync` binary: error reporting, logging to a file, and subcommand dispatch.
use std::io::ErrorKind;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use offsync::cli::{self, GlobalArgs};

/// Move a Google Workspace organisation off Google Sync, one OU at a time.
///
/// With no subcommand, opens the dashboard for the configured profile.
/// Try `offsync demo` first: the full app against a built-in simulated tenant.
#[derive(Debug, Parser)]
#[command(name = "offsync", version, about, long_about)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The full dashboard against an embedded simulated tenant (no Google account needed).
    Demo(cli::demo::DemoArgs),
    /// List mobile devices (filters, CSV/JSON/table export) for scripts and cron.
    Devices(cli::devices::DevicesArgs),
    /// Print every path offsync uses (config, data, database, cache, log) and the profiles.
    Info(cli::info::InfoArgs),
    /// Verify the config, key file, token and every scope; say exactly what to fix.
    Check(cli::check::CheckArgs),
    /// Plan and apply a device change (approve, block, wipe, delete) for scripts.
    ///
    /// Exit codes: 0 applied (or only planned), 1 error, 2 usage, 3 some failed, 4 refused.
    Act(cli::act::ActArgs),
    /// Print the audit journal (every change, its GAM command and outcome).
    Journal(cli::journal::JournalArgs),
    /// Run or dump the Google API simulator.
    Sim(cli::sim::SimArgs),
}

fn main() -> ExitCode {
    if let Err(e) = color_eyre::install() {
        eprintln!("offsync: {e}");
    }
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("offsync: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let _log_guard = init_logging(&cli.global);
    match runtime.block_on(dispatch(cli)) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // The full report (with locations) goes to the log; the terminal gets the
            // message and its causes, which is what the admin can act on.
            tracing::error!("{e:?}");
            eprintln!("offsync: {}", user_message(&e));
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(cli: Cli) -> color_eyre::Result<ExitCode> {
    let g = cli.global;
    let done = match cli.command {
        Some(Command::Act(a)) => return cli::act::run(&g, a).await,
        None => cli::ui::run(&g).await,
        Some(Command::Demo(a)) => cli::demo::run(&g, a).await,
        Some(Command::Devices(a)) => cli::devices::run(&g, a).await,
        Some(Command::Info(a)) => cli::info::run(&g, a).await,
        Some(Command::Check(a)) => cli::check::run(&g, a).await,
        Some(Command::Journal(a)) => cli::journal::run(&g, a).await,
        Some(Command::Sim(a)) => cli::sim::run(a).await,
    };
    done.map(|()| ExitCode::SUCCESS)
}

/// Logs go to the log file, never to the terminal (the TUI owns it). A log file that
/// cannot be opened is not fatal: offsync runs without one and says so on stderr.
fn init_logging(g: &GlobalArgs) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let paths = g
        .settings()
        .map(|s| s.paths)
        .unwrap_or_else(|_| offsync::config::Paths::platform());
    let dir = paths.log_file.parent()?.to_path_buf();
    let name = paths.log_file.file_name()?.to_owned();
    // The log names users and devices: owner-only, like the database.
    let private = offsync::store::private::create_dir_all(&dir)
        .and_then(|()| offsync::store::private::ensure_file(&paths.log_file));
    if let Err(e) = private {
        eprintln!("offsync: no log file ({}: {e})", paths.log_file.display());
        return None;
    }
    let appender = tracing_appender::rolling::never(dir, name);
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("OFFSYNC_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("offsync=info"));
    // Whatever the user asks for, dependencies never log HTTP bodies (tokens, assertions).
    let filter = offsync::google::auth::LOG_FILTER
        .split(',')
        .filter_map(|d| d.parse().ok())
        .fold(filter, |f, d| f.add_directive(d));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .init();
    Some(guard)
}

/// The error and each cause that adds something (many messages already embed their
/// source, which would otherwise be printed twice).
fn user_message(e: &color_eyre::Report) -> String {
    let mut out = e.to_string();
    for cause in e.chain().skip(1) {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str("\n  caused by: ");
            out.push_str(&text);
        }
    }
    out
}

/// Like ripgrep: `offsync devices | head` closing the pipe early is not an error.
fn is_broken_pipe(e: &color_eyre::Report) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == ErrorKind::BrokenPipe)
}
