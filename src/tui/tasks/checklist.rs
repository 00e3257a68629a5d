//! The Checklist pane's background work: observe the migration, preview a step's plan,
//! run a confirmed change, read a step's journal rows, export the users left behind. All
//! of it is the headless [`Migrator`]'s (the same calls as `offsync status|step|wave|users`);
//! this file only builds the migrator, calls it and forwards the result as a [`Msg`].
use std::path::PathBuf;

use tokio::sync::mpsc::UnboundedSender;

use super::Tasks;
use crate::migrate::board::Board;
use crate::migrate::{Migrator, StepAction, StepPlan};
use crate::migration::export::{write_users, UserFormat};
use crate::migration::{GuardId, OverrideKind, SkipKind, StepId, StepState, UserRow};
use crate::store::StepJournalRow;
use crate::tui::msg::Msg;

/// How many journal rows the step detail shows.
pub const STEP_JOURNAL_ROWS: usize = 50;

/// One step action at one OU, named by path and step ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRequest {
    pub ou: String,
    pub step: StepId,
    pub action: StepAction,
    pub reason: Option<String>,
    pub skip_kind: SkipKind,
}

impl StepRequest {
    pub fn new(ou: &str, step: StepId, action: StepAction) -> StepRequest {
        StepRequest {
            ou: ou.to_string(),
            step,
            action,
            reason: None,
            skip_kind: SkipKind::Declined,
        }
    }
}

/// A user mark, as the store spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserMark {
    Reminded,
    Acknowledged,
}

impl UserMark {
    pub fn as_str(self) -> &'static str {
        match self {
            UserMark::Reminded => "reminded",
            UserMark::Acknowledged => "acknowledged",
        }
    }
}

/// What a confirmed dialog sends (or records): the exact value the dialog showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationChange {
    Step(StepRequest),
    StartWave(u32),
    Override {
        wave: u32,
        guard: GuardId,
        kind: OverrideKind,
        reason: String,
    },
    MarkUsers {
        emails: Vec<String>,
        mark: UserMark,
        note: Option<String>,
    },
}

impl MigrationChange {
    /// One line for the status bar and the Log pane.
    pub fn describe(&self) -> String {
        match self {
            MigrationChange::Step(r) => format!("{} {} at {}", action_name(r.action), r.step, r.ou),
            MigrationChange::StartWave(n) => format!("start wave {n}"),
            MigrationChange::Override { wave, guard, .. } => {
                format!("override guard {} of wave {wave}", guard.as_str())
            }
            MigrationChange::MarkUsers { emails, mark, .. } => {
                format!("mark {} user(s) {}", emails.len(), mark.as_str())
            }
        }
    }
}

pub fn action_name(a: StepAction) -> &'static str {
    match a {
        StepAction::Plan => "plan",
        StepAction::Apply => "apply",
        StepAction::Attest => "attest",
        StepAction::Verify => "verify",
        StepAction::Retry => "retry",
        StepAction::Skip => "skip",
        StepAction::Undo => "undo",
    }
}

/// What a change did, for the pane.
#[derive(Debug, Clone)]
pub struct ChangeDone {
    pub messages: Vec<String>,
    pub plan: Option<StepPlan>,
    pub state: Option<StepState>,
    pub sent: bool,
}

#[derive(Debug, Clone)]
pub enum ChecklistTask {
    /// Observe (with recovery and verification) and build the pane's board.
    Observe,
    /// The plan a step action would carry out, computed from a fresh observation.
    Preview(StepRequest),
    /// Run a confirmed change (or a plan / verify, which need no confirmation).
    Change(MigrationChange),
    Journal {
        ou: String,
        step: StepId,
    },
    Export {
        rows: Vec<UserRow>,
        format: UserFormat,
        path: PathBuf,
    },
}

#[derive(Debug)]
pub enum ChecklistMsg {
    Observed(Result<Box<Board>, String>),
    Previewed(StepRequest, Result<StepPlan, String>),
    Done(MigrationChange, Result<ChangeDone, String>),
    Journal {
        ou: String,
        step: StepId,
        rows: Result<Vec<StepJournalRow>, String>,
    },
    Exported {
        path: PathBuf,
        count: usize,
        result: Result<(), String>,
    },
}

impl Tasks {
    fn migrator(&self) -> Result<Migrator, String> {
        let clients = self.clients.clone()?;
        let db = self.database.clone().ok_or(
            "the migration needs the profile's database, and this session has none (is data_dir writable?)",
        )?;
        Ok(Migrator::new(clients, &self.profile, db))
    }

    pub(super) async fn checklist(&self, task: ChecklistTask, tx: UnboundedSender<Msg>) {
        let send = |m: ChecklistMsg| {
            let _ = tx.send(Msg::Checklist(m));
        };
        let m = match self.migrator() {
            Ok(m) => m,
            Err(e) => {
                return send(match task {
                    ChecklistTask::Observe => ChecklistMsg::Observed(Err(e)),
                    ChecklistTask::Preview(r) => ChecklistMsg::Previewed(r, Err(e)),
                    ChecklistTask::Change(c) => ChecklistMsg::Done(c, Err(e)),
                    ChecklistTask::Journal { ou, step } => ChecklistMsg::Journal {
                        ou,
                        step,
                        rows: Err(e),
                    },
                    ChecklistTask::Export {
                        rows, path, format, ..
                    } => export(rows, format, path).await,
                })
            }
        };
        match task {
            ChecklistTask::Observe => {
                let r = match m.observe_ready().await {
                    Ok(obs) => Ok(Box::new(m.board(&obs))),
                    Err(e) => Err(e.to_string()),
                };
                send(ChecklistMsg::Observed(r));
            }
            ChecklistTask::Preview(r) => {
                let plan = match m.observe_ready().await {
                    Ok(obs) => m.plan_for(&obs, &r.ou, r.step).await,
                    Err(e) => Err(e),
                };
                send(ChecklistMsg::Previewed(r, plan.map_err(|e| e.to_string())));
            }
            ChecklistTask::Change(c) => {
                let r = run(&m, &c).await;
                send(ChecklistMsg::Done(c, r));
            }
            ChecklistTask::Journal { ou, step } => {
                let (o, s) = (ou.clone(), step);
                let rows = tokio::task::spawn_blocking(move || {
                    m.step_journal(&o, s, STEP_JOURNAL_ROWS)
                        .map_err(|e| e.to_string())
                })
                .await
                .unwrap_or_else(|e| Err(e.to_string()));
                send(ChecklistMsg::Journal { ou, step, rows });
            }
            ChecklistTask::Export { rows, format, path } => {
                send(export(rows, format, path).await);
            }
        }
    }
}

async fn run(m: &Migrator, c: &MigrationChange) -> Result<ChangeDone, String> {
    let done = |messages: Vec<String>| ChangeDone {
        messages,
        plan: None,
        state: None,
        sent: false,
    };
    match c {
        MigrationChange::Step(r) => {
            let out = m
                .step(
                    &r.ou,
                    r.step,
                    r.action,
                    r.reason.as_deref(),
                    r.skip_kind,
                    true,
                )
                .await
                .map_err(|e| e.to_string())?;
            Ok(ChangeDone {
                messages: out.messages,
                plan: out.plan,
                state: Some(out.record.state),
                sent: out.sent,
            })
        }
        MigrationChange::StartWave(n) => {
            let w = m.start_wave(*n, true).await.map_err(|e| e.to_string())?;
            Ok(done(vec![format!(
                "wave {n} started: {}; its API steps are planned (a applies each)",
                w.wave.ous.join(", ")
            )]))
        }
        MigrationChange::Override {
            wave,
            guard,
            kind,
            reason,
        } => {
            m.override_guard(*wave, *guard, *kind, reason)
                .await
                .map_err(|e| e.to_string())?;
            Ok(done(vec![format!(
                "wave {wave}: guard {} overridden: {reason}",
                guard.as_str()
            )]))
        }
        MigrationChange::MarkUsers { emails, mark, note } => {
            let n = m
                .mark_users(emails, mark.as_str(), note.as_deref())
                .await
                .map_err(|e| e.to_string())?;
            Ok(done(vec![format!("{n} user(s) marked {}", mark.as_str())]))
        }
    }
}

/// Writes the rows with the shared users exporter, atomically (the same bytes as
/// `offsync users --format csv|json`).
async fn export(rows: Vec<UserRow>, format: UserFormat, path: PathBuf) -> ChecklistMsg {
    let count = rows.len();
    let p = path.clone();
    let result = tokio::task::spawn_blocking(move || {
        crate::store::write_atomically(&p, |w| write_users(w, rows.iter(), format))
            .map_err(|e| format!("{}: {e}", p.display()))
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    ChecklistMsg::Exported {
        path,
        count,
        result,
    }
}
