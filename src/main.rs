//! The `offsync` binary: error reporting, logging to a file, and subcommand dispatch.
use std::io::{ErrorKind, IsTerminal, Write};
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};
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
    /// Print the live feed's stored events; --follow keeps streaming (and polling).
    Feed(cli::feed::FeedArgs),
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
    /// The Android account upgrade (managed Google Play accounts to managed Google accounts).
    Android(cli::android::AndroidArgs),
    /// Run or dump the Google API simulator.
    Sim(cli::sim::SimArgs),
    /// The migration: every OU's steps with state and evidence, waves, guards, the funnel.
    Status(cli::status::StatusArgs),
    /// Plan, apply, attest, verify, retry, skip or undo one step at one OU.
    Step(cli::step::StepArgs),
    /// The pilot and waves: list, add, start, override a guard.
    Wave(cli::wave::WaveArgs),
    /// Users still to move (the contact list), acknowledge or remind them.
    Users(cli::users::UsersArgs),
    /// Declare what no API reveals about an OU: path, management level, EMM.
    Declare(cli::declare::DeclareArgs),
    /// Print shell completions to stdout (e.g. `offsync completions bash > /etc/bash_completion.d/offsync`).
    Completions(cli::completions::CompletionsArgs),
    /// Print the man page (roff) to stdout (e.g. `offsync man > ~/.local/share/man/man1/offsync.1`).
    Man,
}

/// The global options, and the subcommands that read no config, where they mean nothing.
const GLOBALS: [&str; 3] = ["config", "profile", "readonly"];
const NO_CONFIG: [&str; 3] = ["sim", "completions", "man"];

/// The clap definition. The subcommands that read no config get hidden options of the same ids
/// as the global ones: clap does not propagate a global into a subcommand that already has the
/// id, so `offsync sim serve --help` lists only what the simulator uses, and typing one of them
/// there is clap's own "unexpected argument" error.
fn command() -> clap::Command {
    NO_CONFIG.iter().fold(Cli::command(), |cmd, name| {
        cmd.mut_subcommand(name, shadow_globals)
    })
}

fn shadow_globals(cmd: clap::Command) -> clap::Command {
    GLOBALS.iter().fold(cmd, |cmd, id| {
        let arg = clap::Arg::new(*id).long(*id).hide(true);
        cmd.arg(match *id {
            "readonly" => arg.action(clap::ArgAction::SetTrue),
            _ => arg.action(clap::ArgAction::Set),
        })
    })
}

/// A global option typed on the command line of a subcommand that reads no config is a
/// mistake worth saying (`offsync sim serve --readonly` would not make the simulator read-only).
fn check_no_config_globals(matches: &ArgMatches) -> Result<(), String> {
    let Some((name, sub)) = matches.subcommand() else {
        return Ok(());
    };
    if !NO_CONFIG.contains(&name) {
        return Ok(());
    }
    let typed: Vec<String> = GLOBALS
        .iter()
        .filter(|id| {
            [matches, sub]
                .iter()
                .any(|m| m.value_source(id) == Some(ValueSource::CommandLine))
        })
        .map(|id| format!("--{id}"))
        .collect();
    if typed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} means nothing to `offsync {name}` (it reads no config); drop it",
            typed.join(", ")
        ))
    }
}

fn main() -> ExitCode {
    // Before any thread starts (see offsync::heap).
    offsync::heap::one_arena();
    disable_core_dumps();
    // Colours only for a person reading a terminal: a report in a file or a pipe is plain.
    let theme = if std::io::stderr().is_terminal() {
        color_eyre::config::Theme::dark()
    } else {
        color_eyre::config::Theme::new()
    };
    if let Err(e) = color_eyre::config::HookBuilder::default()
        .theme(theme)
        .install()
    {
        say(format_args!("offsync: {e}"));
    }
    let matches = command().get_matches();
    if let Err(msg) = check_no_config_globals(&matches) {
        eprintln!("offsync: {msg}");
        return ExitCode::from(2);
    }
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let generated = match &cli.command {
        Some(Command::Completions(a)) => Some(cli::completions::completions(
            a.shell,
            &mut command(),
            &mut std::io::stdout(),
        )),
        Some(Command::Man) => Some(cli::completions::man(command(), &mut std::io::stdout())),
        _ => None,
    };
    match generated {
        None => {}
        Some(Ok(())) => return ExitCode::SUCCESS,
        Some(Err(e)) if e.kind() == ErrorKind::BrokenPipe => return ExitCode::SUCCESS,
        Some(Err(e)) => {
            eprintln!("offsync: writing to stdout: {e}");
            return ExitCode::FAILURE;
        }
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            say(format_args!("offsync: cannot start the async runtime: {e}"));
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
            say(format_args!("offsync: {}", user_message(&e)));
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
        Some(Command::Feed(a)) => cli::feed::run(&g, a).await,
        Some(Command::Info(a)) => cli::info::run(&g, a).await,
        Some(Command::Check(a)) => cli::check::run(&g, a).await,
        Some(Command::Journal(a)) => cli::journal::run(&g, a).await,
        Some(Command::Android(a)) => cli::android::run(&g, a).await,
        Some(Command::Sim(a)) => cli::sim::run(a).await,
        Some(Command::Status(a)) => cli::status::run(&g, a).await,
        Some(Command::Step(a)) => cli::step::run(&g, a).await,
        Some(Command::Wave(a)) => cli::wave::run(&g, a).await,
        Some(Command::Users(a)) => cli::users::run(&g, a).await,
        Some(Command::Declare(a)) => cli::declare::run(&g, a).await,
        Some(Command::Completions(_) | Command::Man) => Ok(()),
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
        say(format_args!(
            "offsync: no log file ({}: {e})",
            paths.log_file.display()
        ));
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

/// `eprintln!` without its panic: after SIGHUP stderr may be a terminal that is gone
/// (EIO), and a panic there used to end in an abort. There is nobody left to tell.
fn say(msg: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}

/// offsync's memory holds access tokens (and, in the demo, a private key): a core dump
/// would write them to disk. Failing to set the limit is not worth stopping for.
fn disable_core_dumps() {
    #[cfg(unix)]
    {
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: setrlimit reads a valid, initialised struct and touches nothing else.
        if unsafe { libc::setrlimit(libc::RLIMIT_CORE, &none) } != 0 {
            tracing::debug!(
                "setrlimit(RLIMIT_CORE): {}",
                std::io::Error::last_os_error()
            );
        }
    }
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
