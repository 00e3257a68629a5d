//! The edit form of one policy: `workAccountSetupConfig` (authenticationType,
//! requiredAccountEmail) and the `workAccountSetupConfig` enforcement rule (block after N days,
//! wipe after M days, block scope, preserve FRP). It only collects what the admin typed and
//! turns it into an [`AccountEdit`] of the fields that differ from the policy; every rule
//! about the values is `migration::android::plan`'s, which the task runs.
use crossterm::event::{KeyCode, KeyEvent};

use crate::migration::android::{AccountEdit, Enforcement};
use crate::model::android::AndroidPolicy;
use crate::tui::input::{Edit, LineInput};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Auth,
    Email,
    Rule,
    BlockDays,
    Scope,
    WipeDays,
    Frp,
}

pub const FIELDS: [Field; 7] = [
    Field::Auth,
    Field::Email,
    Field::Rule,
    Field::BlockDays,
    Field::Scope,
    Field::WipeDays,
    Field::Frp,
];

impl Field {
    pub fn label(self) -> &'static str {
        match self {
            Field::Auth => "authenticationType",
            Field::Email => "requiredAccountEmail",
            Field::Rule => "enforcement rule",
            Field::BlockDays => "block after days",
            Field::Scope => "block scope",
            Field::WipeDays => "wipe after days",
            Field::Frp => "preserve FRP",
        }
    }

    pub fn is_text(self) -> bool {
        matches!(self, Field::Email | Field::BlockDays | Field::WipeDays)
    }
}

/// What happens to the policy's `workAccountSetupConfig` enforcement rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleMode {
    Keep,
    Set,
    Remove,
}

impl RuleMode {
    pub fn label(self) -> &'static str {
        match self {
            RuleMode::Keep => "keep as it is",
            RuleMode::Set => "set (block, then wipe)",
            RuleMode::Remove => "remove",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditForm {
    /// The policy's full name (`enterprises/E/policies/P`).
    pub policy: String,
    pub focus: usize,
    pub require: bool,
    pub email: LineInput,
    pub rule: RuleMode,
    pub block_days: LineInput,
    pub scope_device: bool,
    pub wipe_days: LineInput,
    pub preserve_frp: bool,
    /// What the policy had when the form opened: only fields that differ are sent.
    was_required: bool,
    was_email: String,
    /// Why the last dry run was refused (validation or a failed lookup).
    pub errors: Vec<String>,
}

impl EditForm {
    /// The form filled with the policy's current values.
    pub fn new(p: &AndroidPolicy) -> EditForm {
        let cfg = p.work_account_setup_config.clone().unwrap_or_default();
        let email = cfg.required_account_email.unwrap_or_default();
        let rule = p.account_rule();
        let days =
            |d: Option<i32>| LineInput::with_text(&d.map_or(String::new(), |d| d.to_string()));
        EditForm {
            policy: p.name.clone(),
            focus: 0,
            require: p.requires_google_account(),
            email: LineInput::with_text(&email),
            rule: RuleMode::Keep,
            block_days: days(rule.and_then(|r| r.block_days())),
            scope_device: rule.and_then(|r| r.block_action.as_ref()?.block_scope.as_deref())
                == Some("BLOCK_SCOPE_DEVICE"),
            wipe_days: days(rule.and_then(|r| r.wipe_days())),
            // An existing rule shows what it has (unset is false); a new one keeps FRP data.
            preserve_frp: rule
                .is_none_or(|r| r.wipe_action.as_ref().and_then(|w| w.preserve_frp) == Some(true)),
            was_required: p.requires_google_account(),
            was_email: email,
            errors: Vec::new(),
        }
    }

    pub fn field(&self) -> Field {
        FIELDS[self.focus.min(FIELDS.len() - 1)]
    }

    pub fn move_by(&mut self, delta: isize) {
        let n = FIELDS.len() as isize;
        self.focus = (self.focus as isize + delta).rem_euclid(n) as usize;
    }

    /// The text input under the cursor, if the field is one.
    pub fn input(&mut self) -> Option<&mut LineInput> {
        match self.field() {
            Field::Email => Some(&mut self.email),
            Field::BlockDays => Some(&mut self.block_days),
            Field::WipeDays => Some(&mut self.wipe_days),
            _ => None,
        }
    }

    /// Space on a choice field.
    pub fn toggle(&mut self) {
        match self.field() {
            Field::Auth => self.require = !self.require,
            Field::Rule => {
                self.rule = match self.rule {
                    RuleMode::Keep => RuleMode::Set,
                    RuleMode::Set => RuleMode::Remove,
                    RuleMode::Remove => RuleMode::Keep,
                }
            }
            Field::Scope => {
                self.scope_device = !self.scope_device;
                self.rule = RuleMode::Set;
            }
            Field::Frp => {
                self.preserve_frp = !self.preserve_frp;
                self.rule = RuleMode::Set;
            }
            Field::Email | Field::BlockDays | Field::WipeDays => {}
        }
    }

    /// A key for the text field under the cursor; `None` when the key is not text editing
    /// (Enter, Esc, Tab, arrows up and down go to the keymap).
    pub fn text_key(&mut self, k: &KeyEvent) -> Option<Edit> {
        if matches!(
            k.code,
            KeyCode::Enter
                | KeyCode::Esc
                | KeyCode::Tab
                | KeyCode::BackTab
                | KeyCode::Up
                | KeyCode::Down
        ) {
            return None;
        }
        let field = self.field();
        let edit = self.input()?.handle(k);
        // Typing a number means the rule is to be set.
        if edit == Edit::Changed && matches!(field, Field::BlockDays | Field::WipeDays) {
            self.rule = RuleMode::Set;
        }
        Some(edit)
    }

    /// The edit of the fields that differ from the policy. Only the form's own parsing (days
    /// are whole numbers) is checked here; the values' rules are checked by the plan.
    pub fn to_edit(&self) -> Result<AccountEdit, Vec<String>> {
        let email = self.email.text.trim();
        let mut edit = AccountEdit {
            require_google_account: (self.require != self.was_required).then_some(self.require),
            required_account_email: (email != self.was_email)
                .then(|| (!email.is_empty()).then(|| email.to_string())),
            enforcement: None,
        };
        edit.enforcement = match self.rule {
            RuleMode::Keep => None,
            RuleMode::Remove => Some(None),
            RuleMode::Set => {
                let days = |label: &str, input: &LineInput| {
                    input.text.trim().parse::<i32>().map_err(|_| {
                        format!(
                            "{label}: `{}` is not a whole number of days",
                            input.text.trim()
                        )
                    })
                };
                let (block, wipe) = (
                    days("block after days", &self.block_days),
                    days("wipe after days", &self.wipe_days),
                );
                match (block, wipe) {
                    (Ok(b), Ok(w)) => Some(Some(Enforcement {
                        block_after_days: b,
                        block_scope: Some(
                            if self.scope_device {
                                "BLOCK_SCOPE_DEVICE"
                            } else {
                                "BLOCK_SCOPE_WORK_PROFILE"
                            }
                            .into(),
                        ),
                        wipe_after_days: w,
                        preserve_frp: self.preserve_frp,
                    })),
                    (b, w) => {
                        return Err([b.err(), w.err()].into_iter().flatten().collect());
                    }
                }
            }
        };
        Ok(edit)
    }
}
