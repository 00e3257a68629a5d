//! The Checklist pane's dialogs: attest, retry and skip of a step, starting a wave,
//! overriding a guard, marking users; each builds the exact [`MigrationChange`] the confirm
//! overlay shows and Enter sends. Also the users export and the dialog's own keys.
use super::confirm::{ReasonField, StepConfirm};
use crate::migrate::StepAction;
use crate::migration::{OverrideKind, StepId, StepKind, StepState};
use crate::tui::input::LineInput;
use crate::tui::state::{InputMode, Overlay, State};
use crate::tui::tasks::{action_name, ChecklistTask, MigrationChange, StepRequest, Task, UserMark};

impl State {
    pub(super) fn open_step_confirm(&mut self, c: StepConfirm) {
        self.overlay = Overlay::ConfirmStep(Box::new(c));
    }

    pub(crate) fn typed_for(&self, count: usize) -> Option<String> {
        (count > self.confirm_typed_above).then(String::new)
    }

    /// Attest, retry and skip: recorded facts, confirmed in the dialog.
    pub(super) fn step_dialog(&mut self, action: StepAction) {
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

    pub(super) fn start_wave_dialog(&mut self) {
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

    pub(super) fn override_dialog(&mut self) {
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

    pub(super) fn mark_dialog(&mut self, mark: UserMark) {
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
    pub(super) fn export_line(&mut self, format: &str) {
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
