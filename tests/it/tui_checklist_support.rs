//! A migration mid-way on the simulator (frozen clock, fixed seed), observed by the real
//! migrator: the Checklist pane's tests draw and drive it from this board, never from
//! hand-written strings.
use std::path::PathBuf;

use offsync::migrate::board::Board;
use offsync::migrate::{Migrator, StepAction};
use offsync::migration::{SkipKind, StepId};
use offsync::sim::{ClockConfig, SimConfig};
use offsync::tui::msg::Msg;
use offsync::tui::state::State;
use offsync::tui::tasks::ChecklistMsg;

use crate::google_util::{env, Env};
use crate::tui_support::now;

pub struct Mig {
    pub env: Env,
    pub db: PathBuf,
}

impl Mig {
    pub fn migrator(&self) -> Migrator {
        Migrator::new(self.env.clients(), &self.env.profile, self.db.clone())
    }
}

/// A small tenant whose clock stands still at the fixture's "now".
pub async fn mig_env() -> Mig {
    let cfg = SimConfig {
        users: 60,
        devices: 140,
        seed: 7,
        imap_policy_mutable: true,
        clock: ClockConfig {
            start: Some(now()),
            speed: 0.0,
        },
        ..SimConfig::default()
    };
    let env = env(cfg).await;
    let db = env.dir.path().join("offsync.sqlite");
    Mig { env, db }
}

/// Pilot /Pilot with IMAP applied and Google Sync off attested, waves /Staff and /Sales.
pub async fn shaped() -> (Mig, Board) {
    let mig = mig_env().await;
    let m = mig.migrator();
    m.set_pilot("/Pilot").await.unwrap();
    m.add_wave(&["/Staff".into()]).await.unwrap();
    m.add_wave(&["/Sales".into()]).await.unwrap();
    m.step(
        "/Pilot",
        StepId::Imap,
        StepAction::Apply,
        None,
        SkipKind::Declined,
        true,
    )
    .await
    .unwrap();
    m.step(
        "/Pilot",
        StepId::SyncOff,
        StepAction::Attest,
        Some("unticked in the console"),
        SkipKind::Declined,
        true,
    )
    .await
    .unwrap();
    let obs = m.observe_ready().await.unwrap();
    let board = m.board(&obs);
    (mig, board)
}

/// Delivers a board to the pane as the task would.
pub fn deliver(s: &mut State, board: &Board) {
    s.on_msg(Msg::Checklist(ChecklistMsg::Observed(Ok(Box::new(
        board.clone(),
    )))));
    s.take_dirty();
}
