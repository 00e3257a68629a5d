//! What the Checklist pane's keys do: moving over OUs, steps, waves and users (held by ID),
//! switching views, and turning step, wave and user actions into tasks. Plan and verify run
//! at once (they send nothing to Google); every other change opens the confirm dialog with
//! the exact value it will send. Read-only profiles plan and verify, and never apply.
use super::state::{Side, View};
use crate::migrate::StepAction;
use crate::migration::{StepId, StepKind, StepState};
use crate::model::DeviceType;
use crate::tui::action::Action;
use crate::tui::layout;
use crate::tui::state::{Pane, State};
use crate::tui::tasks::{ChecklistTask, MigrationChange, StepRequest, Task, UserMark};

/// How long ago the board may have arrived for entering the pane to show it as it is.
pub const CHECKLIST_FRESH: chrono::TimeDelta = chrono::TimeDelta::minutes(2);

impl State {
    /// Reads the migration again (at once, or right after the observation in flight).
    pub fn checklist_observe(&mut self) {
        let c = &mut self.checklist;
        if c.observing {
            c.again = true;
            return;
        }
        c.observing = true;
        self.push_task(Task::Checklist(ChecklistTask::Observe));
        self.mark_dirty();
    }

    /// Entering the pane: reads the migration unless the board on screen is recent. An
    /// observation lists every device, which at 100k devices costs thousands of requests,
    /// so switching panes back and forth must not repeat it; `r` always reads again.
    pub fn checklist_enter(&mut self) {
        let c = &self.checklist;
        let fresh = c.error.is_none()
            && c.board.is_some()
            && c.read_at.is_some_and(|t| self.now - t < CHECKLIST_FRESH);
        if !fresh {
            self.checklist_observe();
        }
    }

    /// Applies `a` in the Checklist pane; false when the action is not the pane's.
    pub fn checklist_action(&mut self, a: Action) -> bool {
        match a {
            Action::FocusLeft => self.checklist.side = Side::Tree,
            Action::FocusRight => self.checklist.side = Side::Right,
            Action::Open => self.checklist_open(),
            Action::Back => {
                let c = &mut self.checklist;
                if c.detail.take().is_some() {
                    c.journal = None;
                } else if !c.selected.is_empty() {
                    c.selected.clear();
                } else {
                    c.side = Side::Tree;
                }
            }
            Action::ViewSteps => self.checklist_view(View::Steps),
            Action::ViewWaves => self.checklist_view(View::Waves),
            Action::ViewUsers => self.checklist_view(View::Users),
            Action::ShowDevices => match self.checklist.current_ou().map(|o| o.ou.clone()) {
                Some(ou) => {
                    self.pane = Pane::Inventory;
                    let ou = (ou != "/").then_some(ou);
                    self.inv
                        .show_devices(Some(DeviceType::GoogleSync), None, ou, self.size);
                }
                None => self.set_status(true, "no OU selected (nothing observed yet)".into()),
            },
            Action::PlanStep => self.step_now(StepAction::Plan),
            Action::VerifyStep => self.step_now(StepAction::Verify),
            Action::ApplyStep => self.preview_apply(),
            Action::AttestStep => self.step_dialog(StepAction::Attest),
            Action::RetryStep => self.step_dialog(StepAction::Retry),
            Action::SkipStep => self.step_dialog(StepAction::Skip),
            Action::StartWave => self.start_wave_dialog(),
            Action::OverrideGuard => self.override_dialog(),
            Action::ToggleSelect => {
                if let Some(e) = self.checklist.current_user() {
                    if !self.checklist.selected.remove(&e) {
                        self.checklist.selected.insert(e);
                    }
                    self.checklist.side = Side::Right;
                    self.checklist_move(1);
                }
            }
            Action::SelectAll => {
                let all: Vec<String> = self
                    .checklist
                    .listed_users()
                    .iter()
                    .filter(|u| u.funnel.is_left_behind())
                    .map(|u| u.email.clone())
                    .collect();
                self.checklist.selected.extend(all);
            }
            Action::MarkReminded => self.mark_dialog(UserMark::Reminded),
            Action::Acknowledge => self.mark_dialog(UserMark::Acknowledged),
            Action::ExportUsersCsv => self.export_line("csv"),
            Action::ExportUsersJson => self.export_line("json"),
            _ => return false,
        }
        self.mark_dirty();
        true
    }

    /// The shell's cursor keys (j/k, pages, g/G, the wheel). In a step's detail a single
    /// move goes to the next step and a page move scrolls the text.
    pub(crate) fn checklist_move(&mut self, delta: isize) {
        let h = layout::main_rows(self.size).saturating_sub(2);
        let c = &mut self.checklist;
        if c.detail.is_some() && delta.abs() > 1 {
            let by = delta.unsigned_abs().min(u16::MAX as usize) as u16;
            c.detail_scroll = if delta < 0 {
                c.detail_scroll.saturating_sub(by)
            } else {
                c.detail_scroll.saturating_add(by)
            };
            return;
        }
        let before = self.checklist.detail.clone();
        self.checklist.move_by(delta, h);
        if self.checklist.detail != before {
            self.load_step_journal();
        }
    }

    fn checklist_view(&mut self, v: View) {
        let c = &mut self.checklist;
        c.view = v;
        c.detail = None;
        if v == View::Users {
            c.list_users();
        }
        c.journal = None;
        if v == View::Waves {
            c.side = Side::Right;
        }
    }

    fn checklist_open(&mut self) {
        let c = &mut self.checklist;
        if c.view != View::Steps {
            c.side = Side::Right;
            return;
        }
        if c.side == Side::Tree {
            c.side = Side::Right;
            return;
        }
        let (Some(ou), Some(step)) = (c.current_ou().map(|o| o.ou.clone()), c.current_step())
        else {
            return;
        };
        c.step = Some(step);
        c.detail = Some((ou, step));
        c.detail_scroll = 0;
        self.load_step_journal();
    }

    fn load_step_journal(&mut self) {
        if let Some((ou, step)) = self.checklist.detail.clone() {
            self.checklist.journal = None;
            self.push_task(Task::Checklist(ChecklistTask::Journal { ou, step }));
        }
    }

    /// The selected OU and step, as IDs.
    pub(super) fn target(&mut self) -> Option<(String, StepId, StepState)> {
        let c = &self.checklist;
        let found = c.current_ou().and_then(|o| {
            let step = c.current_step()?;
            let state = o.steps.iter().find(|r| r.step == step)?.state;
            Some((o.ou.clone(), step, state))
        });
        if found.is_none() {
            let why = match &c.error {
                Some(e) => {
                    format!("no step to act on: the observation failed ({e}); r reads it again")
                }
                None => "no step to act on yet: the migration is being read".into(),
            };
            self.set_status(true, why);
        }
        found
    }

    /// Plan and verify: nothing is sent to Google, so no dialog.
    fn step_now(&mut self, action: StepAction) {
        let Some((ou, step, _)) = self.target() else {
            return;
        };
        let req = StepRequest::new(&ou, step, action);
        self.run_change(MigrationChange::Step(req));
    }

    /// Queues a change (confirmed, or needing no confirmation) and says so.
    pub(crate) fn run_change(&mut self, c: MigrationChange) {
        let what = c.describe();
        self.log_note(format!("checklist: {what}"));
        self.checklist.busy = Some(format!("{what}…"));
        self.push_task(Task::Checklist(ChecklistTask::Change(c)));
        self.set_status(
            false,
            format!("{what}: sent to the engine; the pane reads the result"),
        );
    }

    pub(super) fn readonly_refusal(&mut self, what: &str) -> bool {
        if self.profile.readonly {
            self.set_status(
                true,
                format!("read-only: {what} is disabled (profile has readonly = true or --readonly was given); plan (p) and verify (v) still work"),
            );
        }
        self.profile.readonly
    }

    /// Apply: the engine plans it from a fresh observation first; the dialog opens on the
    /// answer (see `update.rs`).
    fn preview_apply(&mut self) {
        let Some((ou, step, _)) = self.target() else {
            return;
        };
        match step.kind() {
            StepKind::Console => {
                return self.set_status(
                    true,
                    format!(
                        "{step} has no API: do it in the Admin console ({}), then t to attest",
                        step.console_path()
                    ),
                )
            }
            StepKind::Users => {
                return self.set_status(
                    true,
                    format!(
                        "{step} is done by users: u lists who is left at {ou}, with instructions"
                    ),
                )
            }
            StepKind::PolicyApi | StepKind::DeviceActions => {}
        }
        self.checklist.busy = Some(format!("planning {step} at {ou}…"));
        let req = StepRequest::new(&ou, step, StepAction::Apply);
        self.push_task(Task::Checklist(ChecklistTask::Preview(req)));
    }
}
