//! The Android pane's test harness: a pinned, frozen simulator and the dashboard's own tasks
//! (`Tasks::spawn`) feeding their messages back into a `State`, as the event loop does.
use std::time::Duration;

use crossterm::event::KeyCode;
use offsync::sim::{ClockConfig, SimConfig};
use offsync::store::Store;
use offsync::tui::msg::Msg;
use offsync::tui::panes::android::{AndroidMsg, Mode};
use offsync::tui::state::{Pane, State};
use offsync::tui::tasks::Tasks;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use super::android_support::DAY;
use super::google_util::{env, Env};
use crate::tui_support::{key, now, screen, state, type_str};

/// A frozen simulator whose clock starts at the fixture's `now`, so every date is stable.
pub fn pinned() -> SimConfig {
    SimConfig {
        users: 60,
        devices: 240,
        clock: ClockConfig {
            start: Some(now()),
            speed: 0.0,
        },
        ..SimConfig::default()
    }
}

pub struct Harness {
    pub s: State,
    pub env: Env,
    pub tasks: Tasks,
    pub tx: UnboundedSender<Msg>,
    pub rx: UnboundedReceiver<Msg>,
}

impl Harness {
    pub async fn new(cfg: SimConfig, w: u16, h: u16) -> Harness {
        Harness::with_profile(cfg, w, h, |_| {}).await
    }

    pub async fn with_profile(
        cfg: SimConfig,
        w: u16,
        h: u16,
        edit: impl FnOnce(&mut offsync::config::Profile),
    ) -> Harness {
        let mut env = env(cfg).await;
        edit(&mut env.profile);
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let store = Store::open_in_memory().unwrap();
        let tasks = Tasks::new(&env.profile, Some(store), tx.clone());
        Harness {
            s: state(w, h),
            env,
            tasks,
            tx,
            rx,
        }
    }

    fn spawn(&mut self) {
        for t in self.s.take_tasks() {
            self.tasks.spawn(t, self.tx.clone());
        }
    }

    /// Spawns what the state queued and applies messages until one matches `want`.
    pub async fn until(&mut self, what: &str, want: impl Fn(&Msg) -> bool) {
        loop {
            self.spawn();
            let m = tokio::time::timeout(Duration::from_secs(20), self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
                .expect("the channel stays open");
            let hit = want(&m);
            self.s.on_msg(m);
            if hit {
                self.s.take_dirty();
                return;
            }
        }
    }

    pub async fn loaded(&mut self) {
        self.until("the enterprise", |m| {
            matches!(m, Msg::Android(AndroidMsg::Loaded(_)))
        })
        .await;
    }

    pub async fn planned(&mut self) {
        self.until("the dry run", |m| {
            matches!(m, Msg::Android(AndroidMsg::Prepared { .. }))
        })
        .await;
    }

    pub fn keys(&mut self, text: &str) {
        type_str(&mut self.s, text);
    }

    pub fn key(&mut self, code: KeyCode) {
        self.s.on_input(key(code));
    }

    pub fn screen(&self) -> String {
        screen(&self.s, self.s.size.width, self.s.size.height)
    }

    /// Moves the cursor of the open form to `label`'s field.
    pub fn focus(&mut self, label: &str) {
        for _ in 0..8 {
            if let Mode::Edit(f) = &self.s.android.mode {
                if f.field().label() == label {
                    return;
                }
            }
            self.key(KeyCode::Tab);
        }
        panic!("no field {label}");
    }

    /// Clears the text field under the cursor.
    pub fn clear_field(&mut self) {
        self.s.on_input(crate::tui_support::ctrl('e'));
        self.s.on_input(crate::tui_support::ctrl('u'));
    }
}

/// The pane after two reads two sim days apart: ages read "at least 2 d".
pub async fn two_reads(w: u16, h: u16) -> Harness {
    let mut t = Harness::new(pinned(), w, h).await;
    t.keys("5");
    assert_eq!(t.s.pane, Pane::Android);
    t.loaded().await;
    t.env.sim.advance(2 * DAY);
    t.keys("r");
    t.loaded().await;
    t
}
