//! The loop (STYLE.md §3): wait for a terminal event, a task message, a tick (only while
//! something animates) or a shutdown signal; apply it; drain whatever else is queued;
//! spawn the tasks the state asked for; draw once, and only if something changed.
//!
//! Generic over the backend and the event source so tests and the benchmark run the very
//! same loop against `TestBackend` or a byte-counting writer.
use std::future::Future;
use std::io;
use std::time::Duration;

use futures::{Stream, StreamExt};
use ratatui::backend::Backend;
use ratatui::Terminal;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::time::MissedTickBehavior;

use super::msg::Msg;
use super::state::{Exit, State};
use super::tasks::Task;

#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Animation tick while loading (`Settings.ui.tick`). There is no refresh timer: the
    /// feed's poller task refreshes the data and says so with messages.
    pub tick: Duration,
}

/// Runs until the state asks to exit or `shutdown` resolves (a signal: treated as quit).
#[allow(clippy::too_many_arguments)]
pub async fn run<B, E, S>(
    terminal: &mut Terminal<B>,
    events: &mut E,
    state: &mut State,
    rx: &mut UnboundedReceiver<Msg>,
    tx: &UnboundedSender<Msg>,
    spawn: &mut S,
    timing: Timing,
    shutdown: impl Future<Output = ()>,
) -> io::Result<Exit>
where
    B: Backend,
    E: Stream<Item = io::Result<crossterm::event::Event>> + Unpin,
    S: FnMut(Task, UnboundedSender<Msg>),
{
    let mut ticker = tokio::time::interval(timing.tick);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    tokio::pin!(shutdown);
    let mut input_open = true;
    loop {
        for task in state.take_tasks() {
            spawn(task, tx.clone());
        }
        if state.take_dirty() {
            state.set_now(chrono::Utc::now());
            terminal
                .draw(|f| super::draw::render(state, f))
                .map_err(|e| io::Error::other(e.to_string()))?;
        }
        if let Some(exit) = state.exit.take() {
            return Ok(exit);
        }
        let animating = state.animating();
        tokio::select! {
            ev = events.next(), if input_open => match ev {
                Some(Ok(ev)) => state.on_input(ev),
                // A read that fails (EIO from a terminal that is gone) fails again at once:
                // stop reading rather than spin, and end the UI; nobody can use it any more.
                Some(Err(e)) => {
                    tracing::warn!("terminal input failed, closing the dashboard: {e}");
                    return Ok(Exit::Quit);
                }
                // No more input (stdin closed): nothing can ever reach the UI again.
                None => input_open = false,
            },
            Some(msg) = rx.recv() => state.on_msg(msg),
            _ = ticker.tick(), if animating => {
                state.set_now(chrono::Utc::now());
                state.on_tick();
            }
            _ = &mut shutdown => return Ok(Exit::Quit),
        }
        while let Ok(msg) = rx.try_recv() {
            state.on_msg(msg);
        }
    }
}
