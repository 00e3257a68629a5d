//! The Android pane: the account upgrade (managed Google Play accounts → managed Google
//! accounts) in the customer's Android Management enterprise. It shows the enterprise type,
//! the policies with their devices grouped by upgrade state (each explained with its fix,
//! "non-compliant for at least N days" and the most days left before block and wipe), and
//! edits a policy's account setup and enforcement rule: form → dry run (validated by the
//! headless layer, in a task) → confirm with the diff → the change engine and its journal.
//!
//! The pane owns its state ([`AndroidPane`]); it reads and plans only through
//! [`task::AndroidTask`]s and their [`AndroidMsg`]s, and sends only through `Task::Execute`.
//! Unlike the other panes it has dialogs of its own (the form takes text; the confirmation
//! needs a typed phrase, not a count), so `handle.rs` offers it keys and actions before the
//! shell's; in the list it declines the global ones (quit, panes, help, `:`), in a dialog only
//! its context's keys reach it.
mod dialogs;
mod form;
mod render;
pub mod task;

use std::sync::Arc;

use crossterm::event::KeyEvent;

pub use form::{EditForm, Field, RuleMode, FIELDS};
pub use render::render;
pub use task::{AndroidData, AndroidMsg, AndroidTask, LoadError};

use crate::android::Prepared;
use crate::change::{ChangeKind, Plan};
use crate::migration::android::UpgradeState;
use crate::model::android::AndroidPolicy;
use crate::tui::action::Action;
use crate::tui::input::{Edit, LineInput};
use crate::tui::keymap::Context;
use crate::tui::state::State;
use crate::tui::tasks::Task;

/// What the pane is doing.
#[derive(Debug, Clone, Default)]
pub enum Mode {
    #[default]
    Browse,
    Edit(EditForm),
    /// The dry run is being planned (policy read, Directory looked up).
    Checking(EditForm),
    Confirm(Box<Confirm>),
}

/// A planned patch waiting for the admin: the diff shown is the plan that will be sent.
#[derive(Debug, Clone)]
pub struct Confirm {
    pub prepared: Prepared,
    pub change: Arc<Plan>,
    /// For a wipe rule: what the admin has typed of `prepared.plan.typed_confirmation`.
    pub typed: Option<LineInput>,
    /// Esc goes back to the form as it was.
    pub form: EditForm,
}

#[derive(Debug, Clone, Default)]
pub struct AndroidPane {
    /// A read was asked for at least once (the pane reads when it is first shown).
    pub requested: bool,
    pub loading: bool,
    pub data: Option<Box<AndroidData>>,
    /// Why the last read failed (what is shown is then the read before it, if any).
    pub error: Option<String>,
    /// The profile names no enterprise: how to configure one.
    pub not_configured: Option<String>,
    /// The selected policy by its full name, so a reload keeps it.
    pub selected: Option<String>,
    /// The first line shown of the selected policy's devices.
    pub scroll: usize,
    pub mode: Mode,
    /// The id of the dry run the pane waits for (each one gets the next number).
    pub dry_run: u64,
}

impl AndroidPane {
    pub fn contexts(&self) -> Vec<Context> {
        match self.mode {
            Mode::Browse => vec![Context::Android, Context::Global],
            Mode::Edit(_) | Mode::Checking(_) => vec![Context::AndroidEdit],
            Mode::Confirm(_) => vec![Context::AndroidConfirm],
        }
    }

    pub fn policies(&self) -> &[AndroidPolicy] {
        self.data.as_ref().map_or(&[], |d| &d.view.policies)
    }

    /// The selected policy's position in the list.
    pub fn cursor(&self) -> Option<usize> {
        let name = self.selected.as_deref()?;
        self.policies().iter().position(|p| p.name == name)
    }

    pub fn selected_policy(&self) -> Option<&AndroidPolicy> {
        self.cursor().map(|i| &self.policies()[i])
    }

    /// The mouse wheel: moves between policies while no dialog is open.
    pub fn wheel(&mut self, delta: isize) {
        if matches!(self.mode, Mode::Browse) {
            self.move_by(delta);
        }
    }

    fn move_by(&mut self, delta: isize) {
        let n = self.policies().len();
        if n == 0 {
            return;
        }
        let at = self.cursor().unwrap_or(0) as isize;
        let next = (at + delta).clamp(0, n as isize - 1) as usize;
        self.selected = Some(self.policies()[next].name.clone());
        self.scroll = 0;
    }

    /// Keeps the selection when the policy is still there; otherwise the first policy with a
    /// device that needs attention, else the first policy.
    fn reselect(&mut self) {
        if self.cursor().is_some() {
            return;
        }
        let Some(d) = &self.data else { return };
        let urgent = d.status.groups.iter().find(|g| needs_attention(g.state));
        let pick = urgent
            .and_then(|g| g.devices.iter().find_map(|r| r.policy.clone()))
            .or_else(|| d.view.policies.first().map(|p| p.name.clone()));
        self.selected = pick;
        self.scroll = 0;
    }
}

/// States the admin or the user must act on.
pub fn needs_attention(s: UpgradeState) -> bool {
    matches!(
        s,
        UpgradeState::RequiredAccountNotInEnterprise
            | UpgradeState::NewAccountNotInEnterprise
            | UpgradeState::AwaitingUser
            | UpgradeState::UnknownPolicy
    )
}

impl State {
    /// The pane was shown: read the enterprise the first time.
    pub(in crate::tui) fn android_shown(&mut self) {
        if !self.android.requested {
            self.android_reload();
        }
    }

    pub(in crate::tui) fn android_reload(&mut self) {
        if self.android.loading {
            return;
        }
        self.android.requested = true;
        self.android.loading = true;
        self.push_task(Task::Android(AndroidTask::Load));
        self.mark_dirty();
    }

    /// A patch ran: read the policies and devices again to show its effect.
    pub(in crate::tui) fn android_batch_done(&mut self, kind: ChangeKind) {
        if kind == ChangeKind::AndroidPolicy {
            self.android_reload();
        }
    }

    /// Text keys of the form or the typed confirmation; true when the key was used.
    pub(in crate::tui) fn android_text_key(&mut self, k: &KeyEvent) -> bool {
        match &mut self.android.mode {
            Mode::Edit(form) => match form.text_key(k) {
                Some(Edit::Cancel) => {
                    self.android.mode = Mode::Browse;
                    true
                }
                // Keys that are not text editing (F1) go to the keymap.
                Some(Edit::Ignored) | None => false,
                Some(_) => true,
            },
            Mode::Confirm(c) => {
                let Some(input) = &mut c.typed else {
                    return false;
                };
                use crossterm::event::KeyCode;
                if matches!(k.code, KeyCode::Enter | KeyCode::Esc) {
                    return false;
                }
                input.handle(k) != Edit::Ignored
            }
            Mode::Browse | Mode::Checking(_) => false,
        }
    }

    /// An action while the pane is shown; false leaves it to the global handling.
    pub(in crate::tui) fn android_action(&mut self, a: Action) -> bool {
        let page = (crate::tui::layout::main_rows(self.size) / 2).max(1);
        match std::mem::take(&mut self.android.mode) {
            Mode::Browse => match a {
                Action::Up => self.android.move_by(-1),
                Action::Down => self.android.move_by(1),
                Action::Top => self.android.move_by(isize::MIN / 2),
                Action::Bottom => self.android.move_by(isize::MAX / 2),
                Action::HalfPageDown => self.android.scroll += page,
                Action::HalfPageUp => {
                    self.android.scroll = self.android.scroll.saturating_sub(page)
                }
                Action::Refresh => self.android_reload(),
                Action::EditPolicy => self.android_edit(),
                _ => return false,
            },
            Mode::Edit(mut form) => {
                match a {
                    Action::Up => form.move_by(-1),
                    Action::Down => form.move_by(1),
                    Action::ToggleField => form.toggle(),
                    Action::Back => return true,
                    Action::Confirm => return self.android_dry_run(form),
                    _ => {}
                }
                self.android.mode = Mode::Edit(form);
            }
            Mode::Checking(form) => {
                // Esc abandons the dry run; its answer is then ignored.
                if a != Action::Back {
                    self.android.mode = Mode::Checking(form);
                }
            }
            Mode::Confirm(c) => match a {
                Action::Back => self.android.mode = Mode::Edit(c.form),
                Action::Confirm => self.android_confirm(*c),
                _ => self.android.mode = Mode::Confirm(c),
            },
        }
        // Help opens over a dialog (it documents the dialog's keys); Esc closes it again.
        a != Action::Help
    }

    fn android_edit(&mut self) {
        if let Some(hint) = &self.android.not_configured {
            let first = hint.lines().next().unwrap_or_default().to_string();
            return self.set_status(true, first);
        }
        match self.android.selected_policy() {
            Some(p) => self.android.mode = Mode::Edit(EditForm::new(p)),
            None => self.set_status(true, "no policy selected (r reads the enterprise)".into()),
        }
    }

    fn android_dry_run(&mut self, mut form: EditForm) -> bool {
        match form.to_edit() {
            Ok(edit) => {
                form.errors.clear();
                self.android.dry_run += 1;
                self.push_task(Task::Android(AndroidTask::Prepare {
                    id: self.android.dry_run,
                    policy: form.policy.clone(),
                    edit,
                }));
                self.android.mode = Mode::Checking(form);
            }
            Err(errors) => {
                form.errors = errors;
                self.android.mode = Mode::Edit(form);
            }
        }
        true
    }

    fn android_confirm(&mut self, c: Confirm) {
        if self.profile.readonly {
            self.set_status(
                true,
                "read-only: the patch was not sent (profile has readonly = true or --readonly was given)".into(),
            );
            self.android.mode = Mode::Confirm(Box::new(c));
            return;
        }
        if let (Some(want), Some(typed)) = (&c.prepared.plan.typed_confirmation, &c.typed) {
            if typed.text != *want {
                self.set_status(true, format!("type `{want}` to confirm this wipe rule"));
                self.android.mode = Mode::Confirm(Box::new(c));
                return;
            }
        }
        let plan = c.change.clone();
        self.log_note(format!(
            "confirmed: {} {}",
            plan.summary(),
            c.prepared.plan.policy
        ));
        self.push_task(Task::Execute(plan.clone()));
        self.set_status(
            false,
            format!(
                "{} {}: queued; see the Log pane (4)",
                plan.summary(),
                c.prepared.plan.policy
            ),
        );
    }

    pub(in crate::tui) fn android_msg(&mut self, m: AndroidMsg) {
        match m {
            AndroidMsg::Loaded(r) => {
                self.android.loading = false;
                match r {
                    Ok(d) => {
                        self.android.error = None;
                        self.android.not_configured = None;
                        self.android.data = Some(d);
                        self.android.reselect();
                    }
                    Err(LoadError::NotConfigured(hint)) => self.android.not_configured = Some(hint),
                    Err(LoadError::Failed(e)) => self.android.error = Some(e),
                }
            }
            AndroidMsg::Prepared { id, result } => {
                let Mode::Checking(form) = &self.android.mode else {
                    return;
                };
                if id != self.android.dry_run {
                    return;
                }
                let mut form = form.clone();
                self.android.mode = match result {
                    Ok(prepared) => {
                        let typed = prepared
                            .plan
                            .typed_confirmation
                            .as_ref()
                            .map(|_| LineInput::default());
                        Mode::Confirm(Box::new(Confirm {
                            change: Arc::new(prepared.change.clone()),
                            prepared: *prepared,
                            typed,
                            form,
                        }))
                    }
                    Err(errors) => {
                        form.errors = errors;
                        Mode::Edit(form)
                    }
                };
            }
        }
    }
}
