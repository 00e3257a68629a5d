//! What the Checklist pane's keys do: moving over OUs, steps, waves and users (held by ID),
//! switching views, and turning step, wave and user actions into tasks. Plan and verify run
//! at once (they send nothing to Google); every other change opens the confirm dialog with
//! the exact value it will send. Read-only profiles plan and verify, and never apply.
use super::confirm::{ReasonField, StepConfirm};
use super::state::{Side, View};
use crate::migrate::StepAction;
use crate::migration::{OverrideKind, StepId, StepKind, StepState};
use crate::model::DeviceType;
use crate::tui::action::Action;
use crate::tui::input::LineInput;
use crate::tui::layout;
use crate::tui::state::{InputMode, Overlay, State};
use crate::tui::tasks::{action_name, ChecklistTask, MigrationChange, StepRequest, Task, UserMark};

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

    /// Applies `a` in the Checklist pane; false when the action is not the pane's.
    pub fn checklist_action(&mut self, a: Action) -> bool {
        let h = layout::main_rows(self.size).saturating_sub(2);
        let half = (h / 2).max(1) as isize;
        match a {
            Action::Up => self.checklist_move(-1, h),
            Action::Down => self.checklist_move(1, h),
            Action::HalfPageUp if self.checklist.detail.is_some() => {
                self.checklist.detail_scroll =
                    self.checklist.detail_scroll.saturating_sub(half as u16)
            }
            Action::HalfPageDown if self.checklist.detail.is_some() => {
                self.checklist.detail_scroll =
                    self.checklist.detail_scroll.saturating_add(half as u16)
            }
            Action::HalfPageUp => self.checklist_move(-half, h),
            Action::HalfPageDown => self.checklist_move(half, h),
            Action::Top => self.checklist_move(isize::MIN / 2, h),
            Action::Bottom => self.checklist_move(isize::MAX / 2, h),
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
                Some(ou) => self.show_devices(Some(DeviceType::GoogleSync), None, Some(ou)),
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
                    self.checklist_move(1, h);
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

    fn checklist_move(&mut self, delta: isize, h: usize) {
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
    fn target(&mut self) -> Option<(String, StepId, StepState)> {
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

    fn readonly_refusal(&mut self, what: &str) -> bool {
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

    fn open_step_confirm(&mut self, c: StepConfirm) {
        self.overlay = Overlay::ConfirmStep(Box::new(c));
    }

    pub(crate) fn typed_for(&self, count: usize) -> Option<String> {
        (count > self.confirm_typed_above).then(String::new)
    }

    /// Attest, retry and skip: recorded facts, confirmed in the dialog.
    fn step_dialog(&mut self, action: StepAction) {
        let Some((ou, step, state)) = self.target() else {
            return;
        };
        if self.readonly_refusal(action_name(action)) {
            return;
        }
        if state == StepState::NotApplicable {
            return self.set_status(
                true,
                format!("{step} does not apply at {ou} (see the step detail: Enter)"),
            );
        }
        let manual = step.kind() == StepKind::Console
            || (step.kind() == StepKind::PolicyApi && state == StepState::NeedsManual);
        let mut lines = Vec::new();
        let mut reason = None;
        match action {
            StepAction::Attest if !manual => {
                return self.set_status(
                    true,
                    format!("{step} is not a console step here: offsync {} (a applies, v verifies)", if step == StepId::ReAdd { "tracks users for it" } else { "applies it through the API" }),
                )
            }
            StepAction::Attest => {
                lines.push(format!("You attest this was done in the Admin console at {ou}:"));
                lines.push(format!("  {}", step.console_path()));
                lines.push(format!("offsync then verifies it: {}", step.how_verified()));
                lines.push("An attestation alone never verifies a step.".into());
                reason = Some(ReasonField {
                    input: LineInput::default(),
                    required: false,
                });
            }
            StepAction::Retry
                if !matches!(
                    state,
                    StepState::Failed | StepState::Flagged | StepState::NeedsManual
                ) =>
            {
                return self.set_status(
                    true,
                    format!("{step} at {ou} is {}: only a failed, flagged or needs_manual step is retried", state.as_str()),
                )
            }
            StepAction::Retry => {
                lines.push(format!("{step} at {ou} is {}: it goes back to planned, attempts reset;", state.as_str()));
                lines.push("a then applies it again (with a new dry run).".into());
            }
            StepAction::Skip if state == StepState::Verified => {
                return self.set_status(true, format!("{step} at {ou} is verified: it cannot be skipped"))
            }
            _ => {
                lines.push(format!("{step} at {ou} ({}) is marked skipped;", state.as_str()));
                lines.push("guards count it as settled. The reason is journaled.".into());
                reason = Some(ReasonField {
                    input: LineInput::default(),
                    required: true,
                });
            }
        }
        let title = format!("{} {step} at {ou}", action_name(action));
        self.open_step_confirm(StepConfirm {
            change: MigrationChange::Step(StepRequest::new(&ou, step, action)),
            title,
            plan: None,
            lines,
            count: 1,
            noun: "step",
            typed: None,
            reason,
            readonly: false,
        });
    }

    fn start_wave_dialog(&mut self) {
        let Some(sel) = self.checklist.current_wave() else {
            return self.set_status(
                true,
                "no wave: add one with `offsync wave add /OU …`".into(),
            );
        };
        if self.readonly_refusal("starting a wave") {
            return;
        }
        let Some(w) = self
            .checklist
            .board
            .as_ref()
            .and_then(|b| b.waves.iter().find(|w| w.wave.number == sel.wave))
            .cloned()
        else {
            return;
        };
        if let Some(at) = w.wave.started_at {
            return self.set_status(
                true,
                format!(
                    "wave {} already started at {}",
                    sel.wave,
                    at.format("%Y-%m-%d %H:%M")
                ),
            );
        }
        if !w.ready {
            let why = w.blocked.unwrap_or_else(|| "blocked".into());
            return self.set_status(
                true,
                format!(
                    "{} (o overrides a guard with a reason)",
                    why.replace('\n', "; ")
                ),
            );
        }
        let mut lines = vec![
            format!("OUs: {}", w.wave.ous.join(", ")),
            format!("gated by: {}", w.gated_by.join(", ")),
        ];
        for g in &w.guards {
            let state = match (
                g.passed,
                crate::migration::wave::override_for(&w.wave, g.guard),
            ) {
                (true, _) => "pass".to_string(),
                (false, Some(o)) => format!("FAILED, overridden: {}", o.reason),
                (false, None) => "FAILED".to_string(),
            };
            lines.push(format!("  guard {:<22}{state}", g.guard.as_str()));
        }
        lines
            .push("Starting plans the wave's API steps; nothing is sent to Google until a.".into());
        let count = w.wave.ous.len();
        self.open_step_confirm(StepConfirm {
            change: MigrationChange::StartWave(sel.wave),
            title: format!("start wave {}", sel.wave),
            plan: None,
            lines,
            count,
            noun: "OUs",
            typed: self.typed_for(count),
            reason: None,
            readonly: false,
        });
    }

    fn override_dialog(&mut self) {
        let Some(sel) = self.checklist.current_wave() else {
            return self.set_status(true, "no wave to override a guard of".into());
        };
        let Some(guard) = sel.guard else {
            return self.set_status(
                true,
                "put the cursor on a failed guard (j/k), then o".into(),
            );
        };
        if self.readonly_refusal("overriding a guard") {
            return;
        }
        let result = self
            .checklist
            .board
            .as_ref()
            .and_then(|b| b.waves.iter().find(|w| w.wave.number == sel.wave))
            .and_then(|w| w.guards.iter().find(|g| g.guard == guard))
            .cloned();
        let Some(g) = result else { return };
        if g.passed {
            return self.set_status(
                false,
                format!("guard {} passes: nothing to override", guard.as_str()),
            );
        }
        let mut lines = vec![format!(
            "Wave {} may start although {} fails. It blocks on:",
            sel.wave,
            guard.as_str()
        )];
        lines.extend(g.blockers.iter().take(6).map(|b| format!("  - {b}")));
        let more = g.blockers.len().saturating_sub(6) + g.more;
        if more > 0 {
            lines.push(format!("  … and {more} more"));
        }
        lines.push("The reason and its kind are journaled.".into());
        self.open_step_confirm(StepConfirm {
            change: MigrationChange::Override {
                wave: sel.wave,
                guard,
                kind: OverrideKind::AcceptedRisk,
                reason: String::new(),
            },
            title: format!("override {} for wave {}", guard.as_str(), sel.wave),
            plan: None,
            lines,
            count: 1,
            noun: "guard",
            typed: None,
            reason: Some(ReasonField {
                input: LineInput::default(),
                required: true,
            }),
            readonly: false,
        });
    }

    fn mark_dialog(&mut self, mark: UserMark) {
        let c = &self.checklist;
        let emails: Vec<String> = if c.selected.is_empty() {
            c.current_user().into_iter().collect()
        } else {
            c.selected.iter().cloned().collect()
        };
        if emails.is_empty() {
            return self.set_status(true, "no user under the cursor or selected".into());
        }
        if self.readonly_refusal(&format!("marking users {}", mark.as_str())) {
            return;
        }
        let n = emails.len();
        let mut lines: Vec<String> = emails.iter().take(5).map(|e| format!("  {e}")).collect();
        if n > 5 {
            lines.push(format!("  … and {} more", n - 5));
        }
        lines.push(match mark {
            UserMark::Reminded => "Records that they were reminded (journaled per user).".into(),
            UserMark::Acknowledged => "They stay behind on purpose: the users-replaced guard no longer counts them (journaled per user).".into(),
        });
        self.open_step_confirm(StepConfirm {
            change: MigrationChange::MarkUsers {
                emails,
                mark,
                note: None,
            },
            title: format!("mark {n} user(s) {}", mark.as_str()),
            plan: None,
            lines,
            count: n,
            noun: "users",
            typed: self.typed_for(n),
            reason: Some(ReasonField {
                input: LineInput::default(),
                required: mark == UserMark::Acknowledged,
            }),
            readonly: false,
        });
    }

    /// Opens the `:` line with an export of the selected OU's users left behind.
    fn export_line(&mut self, format: &str) {
        let slug = self
            .checklist
            .current_ou()
            .map(|o| o.ou.trim_matches('/').replace(['/', ' '], "-"))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "all".into());
        self.input = InputMode::Command(LineInput::with_text(&format!(
            "export {format} left-behind-{slug}.{format}"
        )));
    }

    /// `:export` in the users view: the left-behind list of the selected OU, as shown.
    pub(crate) fn export_users(
        &mut self,
        kind: crate::tui::command::ExportKind,
        path: std::path::PathBuf,
    ) {
        use crate::migration::export::UserFormat;
        use crate::model::export::CsvCells;
        use crate::tui::command::ExportKind;
        let rows: Vec<_> = self
            .checklist
            .listed_users()
            .into_iter()
            .filter(|u| u.funnel.is_left_behind())
            .cloned()
            .collect();
        let format = match kind {
            ExportKind::Csv => UserFormat::Csv(CsvCells::Neutralised),
            ExportKind::CsvRaw => UserFormat::Csv(CsvCells::Raw),
            ExportKind::Json => UserFormat::Json,
        };
        self.push_task(Task::Checklist(ChecklistTask::Export {
            rows,
            format,
            path,
        }));
    }

    /// Enter in a migration dialog: sends exactly what it shows, with the typed reason.
    pub(crate) fn confirm_step(&mut self) {
        let Overlay::ConfirmStep(c) = &self.overlay else {
            return;
        };
        match c.accept() {
            Ok(change) => {
                self.overlay = Overlay::None;
                self.checklist.selected.clear();
                self.run_change(change);
            }
            Err(e) => self.set_status(true, e),
        }
    }

    pub(crate) fn cycle_kind(&mut self) {
        if let Overlay::ConfirmStep(c) = &mut self.overlay {
            c.cycle_kind();
        }
    }
}
