//! The confirmation of a migration change: the same overlay, keys and typed-count rule as
//! a device plan, holding a [`MigrationChange`] and, for an apply, the dry-run [`StepPlan`]
//! (before → after, the OUs it reaches, users and devices affected). Skips, overrides and
//! acknowledgements take a typed reason here; Tab picks the kind of reason.
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::migrate::StepPlan;
use crate::migration::{OverrideKind, SkipKind};
use crate::tui::input::LineInput;
use crate::tui::tasks::MigrationChange;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonField {
    pub input: LineInput,
    /// A skip, an override or an acknowledgement is refused without words.
    pub required: bool,
}

#[derive(Debug, Clone)]
pub struct StepConfirm {
    /// What Enter sends, exactly (the typed reason is added at confirmation).
    pub change: MigrationChange,
    pub title: String,
    /// The dry run of an apply, as the engine planned it.
    pub plan: Option<StepPlan>,
    /// What the change does, one fact per line (for changes without a plan).
    pub lines: Vec<String>,
    /// Users, devices or OUs the change reaches: the typed-count rule counts these.
    pub count: usize,
    pub noun: &'static str,
    /// Above `confirm_typed_above` the admin types the count.
    pub typed: Option<String>,
    pub reason: Option<ReasonField>,
    /// Read-only profile: the dialog shows the dry run and Enter refuses.
    pub readonly: bool,
}

/// Two dialogs are the same when they would send the same change with the same input (the
/// plan is derived from the change).
impl PartialEq for StepConfirm {
    fn eq(&self, o: &Self) -> bool {
        (
            &self.change,
            &self.title,
            &self.typed,
            &self.reason,
            self.readonly,
        ) == (&o.change, &o.title, &o.typed, &o.reason, o.readonly)
    }
}

impl Eq for StepConfirm {}

impl StepConfirm {
    /// Text keys go to the reason (or the typed count) before the keymap sees them;
    /// Enter, Esc, Tab and Ctrl-C stay the dialog's keys. Returns whether it took the key.
    pub fn take_key(&mut self, k: &KeyEvent) -> bool {
        let ctrl_c = k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c');
        if ctrl_c || matches!(k.code, KeyCode::Enter | KeyCode::Esc | KeyCode::Tab) {
            return false;
        }
        if let Some(r) = &mut self.reason {
            r.input.handle(k);
            return true;
        }
        if let Some(t) = &mut self.typed {
            match k.code {
                KeyCode::Char(c) if c.is_ascii_digit() => t.push(c),
                KeyCode::Backspace => {
                    t.pop();
                }
                _ => return false,
            }
            return true;
        }
        false
    }

    /// Tab: the next kind of skip or override reason.
    pub fn cycle_kind(&mut self) {
        match &mut self.change {
            MigrationChange::Step(r) => {
                r.skip_kind = match r.skip_kind {
                    SkipKind::Declined => SkipKind::NotNeeded,
                    SkipKind::NotNeeded => SkipKind::DoneElsewhere,
                    SkipKind::DoneElsewhere => SkipKind::Declined,
                }
            }
            MigrationChange::Override { kind, .. } => {
                *kind = match kind {
                    OverrideKind::AcceptedRisk => OverrideKind::VerifiedOutOfBand,
                    OverrideKind::VerifiedOutOfBand => OverrideKind::Deadline,
                    OverrideKind::Deadline => OverrideKind::AcceptedRisk,
                }
            }
            _ => {}
        }
    }

    /// The kind of reason Tab cycles, spelled as the CLI spells it.
    pub fn kind_label(&self) -> Option<&'static str> {
        match &self.change {
            MigrationChange::Step(r) if self.reason.as_ref().is_some_and(|f| f.required) => {
                Some(match r.skip_kind {
                    SkipKind::Declined => "declined",
                    SkipKind::NotNeeded => "not-needed",
                    SkipKind::DoneElsewhere => "done-elsewhere",
                })
            }
            MigrationChange::Override { kind, .. } => Some(match kind {
                OverrideKind::AcceptedRisk => "accepted-risk",
                OverrideKind::VerifiedOutOfBand => "verified-out-of-band",
                OverrideKind::Deadline => "deadline",
            }),
            _ => None,
        }
    }

    /// The change to send, with the typed reason, or why it cannot be sent yet.
    pub fn accept(&self) -> Result<MigrationChange, String> {
        if self.readonly {
            return Err("read-only: this was a dry run; nothing is applied (profile has readonly = true or --readonly was given)".into());
        }
        if let Some(t) = &self.typed {
            if *t != self.count.to_string() {
                return Err(format!(
                    "type {} to confirm this change to {} {}",
                    self.count, self.count, self.noun
                ));
            }
        }
        let reason = self
            .reason
            .as_ref()
            .map(|r| r.input.text.trim().to_string())
            .filter(|r| !r.is_empty());
        if self.reason.as_ref().is_some_and(|r| r.required) && reason.is_none() {
            return Err("type a reason first: it is journaled for the next admin".into());
        }
        let mut c = self.change.clone();
        match &mut c {
            MigrationChange::Step(r) => r.reason = reason,
            MigrationChange::Override { reason: r, .. } => *r = reason.unwrap_or_default(),
            MigrationChange::MarkUsers { note, .. } => *note = reason,
            MigrationChange::StartWave(_) => {}
        }
        Ok(c)
    }
}
