//! The terminal UI: k9s-style panes over the inventory, driven by the keyboard.
//!
//! Shape (STYLE.md §3): [`state::State`] owns everything on screen and changes only in
//! `on_input` / `on_msg`; keys become [`action::Action`]s through the data-driven
//! [`keymap`]; background work lives in [`tasks`] and reports through [`msg::Msg`];
//! [`draw`] and the panes only read the state. [`event_loop`] ties them together and
//! draws only when something changed, so an idle offsync writes nothing to the terminal.
//!
//! This module sets the terminal up and restores it on every exit path (quit, error,
//! panic, SIGTERM, SIGHUP, SIGINT, SIGQUIT; restoring a terminal that is gone is skipped
//! quietly). It never prints while the UI is up: logs go to the log file.
//! Nothing outside `tui` and `cli` may import it.
pub mod action;
pub mod command;
pub mod draw;
pub mod event_loop;
pub mod feed_task;
pub mod feed_ui;
pub mod handle;
pub mod input;
pub mod keymap;
pub mod layout;
pub mod msg;
pub mod outcomes;
pub mod panes;
pub mod scroll;
pub mod state;
pub mod tasks;
pub mod theme;
pub mod update;
pub mod widgets;

use std::io::{self, Write};
use std::mem::ManuallyDrop;
use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture, EventStream};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use thiserror::Error;
use tokio::signal::unix::{signal, SignalKind};

use crate::config::{Profile, Settings};
use crate::store::Store;
use keymap::Keymap;
use state::{Exit, ProfileInfo, State};
use theme::Palette;

#[derive(Debug, Error)]
pub enum TuiError {
    #[error("terminal: {0}")]
    Io(#[from] io::Error),
    #[error(transparent)]
    Keymap(#[from] keymap::KeymapError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// What to open the UI on.
pub struct Launch {
    pub settings: Settings,
    pub profile: Profile,
    /// The SQLite file for the inventory cache and the journal (`None`: neither).
    pub database: Option<PathBuf>,
    /// Reload another profile from this config for `:profile NAME` (`None` for the demo).
    pub config_file: Option<PathBuf>,
    /// `--readonly` from the command line, kept across `:profile` switches.
    pub readonly_flag: bool,
    /// The demo's simulator clock speed (sim seconds per real second); `None` for Google.
    pub sim_clock_scale: Option<f64>,
}

/// Opens the UI and runs it until the admin quits or a signal arrives. The keymap is
/// checked before the terminal is touched, so a bad keymap is a plain error message.
pub async fn run(mut launch: Launch) -> Result<(), TuiError> {
    let keymap = Arc::new(Keymap::load(launch.settings.ui.keymap.as_deref())?);
    let palette = Palette::new(launch.settings.ui.theme, Palette::no_color_env());
    let mouse = launch.settings.ui.mouse;
    let mut guard = TerminalGuard::enter(mouse)?;
    let mut events = EventStream::new();
    // Every signal that would otherwise end the process on the spot ends the UI instead,
    // so the terminal is restored and the caller cleans up (the demo's key and database).
    // SIGINT arrives from `kill -INT` (Ctrl-C in raw mode is a key, handled by the keymap).
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigquit = signal(SignalKind::quit())?;
    let mut notice: Option<String> = None;
    loop {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let store = launch.database.as_deref().map(Store::open).transpose()?;
        let tasks = tasks::Tasks::new(&launch.profile, store, tx.clone())
            .keep_snapshots(launch.settings.keep_snapshots)
            .database(launch.database.clone())
            .feed_database(launch.database.clone());
        let mut st = State::new(
            keymap.clone(),
            palette,
            profile_info(&launch),
            chrono::Utc::now(),
        );
        st.confirm_typed_above = launch.settings.ui.confirm_typed_above;
        let feed = &launch.profile.feed;
        st.feed.live = launch.database.is_some();
        st.feed.deadline = feed.deadline;
        st.feed.directory_interval = feed.source(crate::model::Source::Directory).interval;
        st.feed.directory_budget = feed
            .source(crate::model::Source::Directory)
            .requests_per_hour;
        st.mouse = mouse;
        st.sim_clock_scale = launch.sim_clock_scale;
        st.resize(guard.terminal.get_frame().area());
        if let Some(n) = notice.take() {
            st.set_status(true, n);
        }
        st.start();
        let timing = event_loop::Timing {
            tick: launch.settings.ui.tick,
        };
        let mut spawn = |t, tx| tasks.spawn(t, tx);
        let shutdown = async {
            tokio::select! {
                _ = sigterm.recv() => {}
                _ = sighup.recv() => {}
                _ = sigint.recv() => {}
                _ = sigquit.recv() => {}
            }
        };
        let exit = event_loop::run(
            &mut guard.terminal,
            &mut events,
            &mut st,
            &mut rx,
            &tx,
            &mut spawn,
            timing,
            shutdown,
        )
        .await?;
        // Before another profile opens (or the process ends): hand the lease on at once.
        tasks.stop_feed().await;
        match exit {
            Exit::Quit => break,
            Exit::SwitchProfile(name) => match reload(&launch, &name) {
                Ok((settings, profile)) => {
                    launch.database = Some(settings.paths.database(&profile.name));
                    launch.settings = settings;
                    launch.profile = profile;
                }
                Err(e) => notice = Some(format!("cannot switch to profile `{name}`: {e}")),
            },
        }
    }
    guard.restore();
    Ok(())
}

fn reload(launch: &Launch, name: &str) -> Result<(Settings, Profile), String> {
    let file = launch
        .config_file
        .as_deref()
        .ok_or("the demo has no other profiles")?;
    let settings =
        Settings::load(Some(file), Some(name), launch.readonly_flag).map_err(|e| e.to_string())?;
    let profile = settings
        .require_profile()
        .map_err(|e| e.to_string())?
        .clone();
    Ok((settings, profile))
}

fn profile_info(l: &Launch) -> ProfileInfo {
    ProfileInfo {
        name: l.profile.name.clone(),
        customer_id: l.profile.customer_id.clone(),
        domains: l.profile.domains.clone(),
        readonly: l.profile.readonly,
        actor: l.profile.subject.clone(),
        others: if l.config_file.is_some() {
            l.settings.profile_names.clone()
        } else {
            Vec::new()
        },
    }
}

/// Owns the terminal while the UI runs. Restores it on drop and from the panic hook, so
/// quitting, an error (`?`), a panic and a signal all leave a usable shell behind.
struct TerminalGuard {
    /// Dropped by hand: ratatui's `Drop` shows the cursor and `eprintln!`s when that fails,
    /// which panics when stderr is the same terminal and it is gone (EIO after a hang-up),
    /// and a panic in a drop during unwinding aborts.
    terminal: ManuallyDrop<Terminal<CrosstermBackend<io::Stdout>>>,
    restored: bool,
}

impl TerminalGuard {
    fn enter(mouse: bool) -> io::Result<TerminalGuard> {
        install_panic_hook();
        terminal::enable_raw_mode()?;
        let mut out = io::stdout();
        let entered = execute!(out, EnterAlternateScreen, cursor::Hide).and_then(|_| {
            if mouse {
                execute!(out, EnableMouseCapture)?;
            }
            Terminal::new(CrosstermBackend::new(io::stdout()))
        });
        match entered {
            Ok(terminal) => Ok(TerminalGuard {
                terminal: ManuallyDrop::new(terminal),
                restored: false,
            }),
            Err(e) => {
                restore_terminal();
                Err(e)
            }
        }
    }

    fn restore(&mut self) {
        if !std::mem::replace(&mut self.restored, true) {
            restore_terminal();
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        self.restore();
        if self.terminal.show_cursor().is_ok() {
            // SAFETY: dropped once, here; the field is never used after this.
            unsafe { ManuallyDrop::drop(&mut self.terminal) }
        }
        // Otherwise the terminal is gone: its drop could only fail loudly. The process is
        // ending; leaking a buffer is harmless.
    }
}

/// Leaves the alternate screen and raw mode. Errors are ignored on purpose: after a
/// SIGHUP the terminal may be gone, and there is nobody left to tell.
pub fn restore_terminal() {
    let mut out = io::stdout();
    let _ = execute!(out, DisableMouseCapture, LeaveAlternateScreen, cursor::Show);
    let _ = terminal::disable_raw_mode();
    let _ = out.flush();
}

/// Restores the terminal before the default hook prints, so the panic message lands on
/// the normal screen (readable) instead of the alternate one (lost).
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            previous(info);
        }));
    });
}
