//! The state machine of one step at one OU. Every transition is a method that checks where
//! it comes from, so no caller can jump to `verified` without evidence or apply a step twice.
//!
//! `verified` is reachable only through [`StepRecord::conclude`] with an [`Assessment`] that
//! carries primary evidence supporting the step; the property tests drive random sequences
//! of transitions to hold that line.
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::evidence::Evidence;
use super::step::StepId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    NotStarted,
    Planned,
    PendingPropagation,
    Verified,
    Failed,
    NeedsManual,
    Attested,
    /// Evidence contradicts the attestation (e.g. a Google Sync device synced after sync-off).
    Flagged,
    NotApplicable,
    Skipped,
}

impl StepState {
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::NotStarted => "not_started",
            StepState::Planned => "planned",
            StepState::PendingPropagation => "pending_propagation",
            StepState::Verified => "verified",
            StepState::Failed => "failed",
            StepState::NeedsManual => "needs_manual",
            StepState::Attested => "attested",
            StepState::Flagged => "flagged",
            StepState::NotApplicable => "not_applicable",
            StepState::Skipped => "skipped",
        }
    }

    pub fn parse(s: &str) -> Option<StepState> {
        use StepState::*;
        [
            NotStarted,
            Planned,
            PendingPropagation,
            Verified,
            Failed,
            NeedsManual,
            Attested,
            Flagged,
            NotApplicable,
            Skipped,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// Done for the purpose of guards: verified, or deliberately out of the way.
    pub fn is_settled(self) -> bool {
        matches!(
            self,
            StepState::Verified | StepState::NotApplicable | StepState::Skipped
        )
    }
}

/// Why a step was skipped: typed, so reports can count them, plus the admin's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipKind {
    /// Nobody in the OU uses what the step is for (e.g. no Apple Mail users).
    NotNeeded,
    /// Done outside offsync in a way offsync cannot observe.
    DoneElsewhere,
    /// The organisation decided against it.
    Declined,
}

impl SkipKind {
    pub fn parse(s: &str) -> Option<SkipKind> {
        match s {
            "not-needed" | "not_needed" => Some(SkipKind::NotNeeded),
            "done-elsewhere" | "done_elsewhere" => Some(SkipKind::DoneElsewhere),
            "declined" => Some(SkipKind::Declined),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skip {
    pub kind: SkipKind,
    pub reason: String,
}

/// What a verification pass concluded from the evidence it gathered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The evidence shows the step took effect.
    Confirmed,
    /// Not yet visible, still inside the propagation window.
    Pending,
    /// Nothing done yet that offsync can see; the admin or users must act.
    NeedsManual,
    /// The evidence contradicts what was attested.
    Contradicted,
    /// The window passed without the change becoming visible.
    TimedOut(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub verdict: Verdict,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("step {step} at {ou} is {from}; it cannot be {action}")]
    Invalid {
        ou: String,
        step: StepId,
        from: &'static str,
        action: &'static str,
    },
    #[error("step {step} at {ou} failed {attempts} times; automatic retries stopped (use `retry` to try again)")]
    RetriesExhausted {
        ou: String,
        step: StepId,
        attempts: u32,
    },
    #[error("a skip needs a reason: pass --reason TEXT")]
    MissingReason,
}

/// One step at one OU, with everything that explains its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    pub ou: String,
    pub step: StepId,
    pub state: StepState,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// Failed attempts since the last success or manual retry.
    #[serde(default)]
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<Skip>,
    /// When offsync's change (or the admin's attested one) was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_at: Option<DateTime<Utc>>,
    /// `changed_at` plus the propagation window: when the change must be visible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_by: Option<DateTime<Utc>>,
    /// A policy offsync created (so undo can delete it), `policies/…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_policy: Option<String>,
    /// The value before offsync's write (so undo can restore it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_value: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
}

impl StepRecord {
    pub fn new(ou: &str, step: StepId) -> StepRecord {
        StepRecord {
            ou: ou.to_string(),
            step,
            state: StepState::NotStarted,
            evidence: Vec::new(),
            attempts: 0,
            reason: None,
            skip: None,
            changed_at: None,
            effective_by: None,
            created_policy: None,
            previous_value: None,
            updated_at: None,
        }
    }

    fn invalid(&self, action: &'static str) -> TransitionError {
        TransitionError::Invalid {
            ou: self.ou.clone(),
            step: self.step,
            from: self.state.as_str(),
            action,
        }
    }

    fn set(&mut self, state: StepState, now: DateTime<Utc>) {
        self.state = state;
        self.updated_at = Some(now);
    }

    /// A dry run was shown and recorded: the change is planned, not sent.
    pub fn plan(&mut self, now: DateTime<Utc>) -> Result<(), TransitionError> {
        match self.state {
            StepState::NotStarted
            | StepState::Planned
            | StepState::Failed
            | StepState::Flagged
            | StepState::NeedsManual => {
                self.set(StepState::Planned, now);
                Ok(())
            }
            _ => Err(self.invalid("planned")),
        }
    }

    /// Whether an apply may be sent now. Only a planned step may: so a step already sent
    /// (pending, verified) is never sent again, and a failed one needs `retry` first once
    /// automatic retries are used up.
    pub fn check_apply(&self, max_attempts: u32) -> Result<(), TransitionError> {
        if self.state == StepState::Failed && self.attempts >= max_attempts {
            return Err(TransitionError::RetriesExhausted {
                ou: self.ou.clone(),
                step: self.step,
                attempts: self.attempts,
            });
        }
        match self.state {
            StepState::Planned | StepState::Failed => Ok(()),
            _ => Err(self.invalid("applied")),
        }
    }

    /// The write was accepted; it now propagates for up to `window`.
    pub fn applied(
        &mut self,
        now: DateTime<Utc>,
        window: Duration,
        created_policy: Option<String>,
        previous_value: Option<serde_json::Value>,
    ) -> Result<(), TransitionError> {
        self.check_apply(u32::MAX)?;
        self.changed_at = Some(now);
        self.effective_by = Some(now + window);
        self.created_policy = created_policy.or(self.created_policy.take());
        self.previous_value = previous_value;
        self.attempts = 0;
        self.reason = None;
        self.set(StepState::PendingPropagation, now);
        Ok(())
    }

    /// The write failed.
    pub fn apply_failed(&mut self, now: DateTime<Utc>, reason: String) {
        self.attempts += 1;
        self.reason = Some(reason);
        self.set(StepState::Failed, now);
    }

    /// Google refused the write for this setting: the step becomes a guided manual one.
    pub fn needs_manual(&mut self, now: DateTime<Utc>, reason: String) {
        self.reason = Some(reason);
        self.set(StepState::NeedsManual, now);
    }

    /// The admin says the console change was made at `now`; it must show within `window`.
    pub fn attest(
        &mut self,
        now: DateTime<Utc>,
        window: Duration,
        evidence: Evidence,
    ) -> Result<(), TransitionError> {
        match self.state {
            StepState::NotStarted
            | StepState::Planned
            | StepState::NeedsManual
            | StepState::Failed
            | StepState::Flagged => {
                self.changed_at = Some(now);
                self.effective_by = Some(now + window);
                self.evidence = vec![evidence];
                self.reason = None;
                self.set(StepState::Attested, now);
                Ok(())
            }
            _ => Err(self.invalid("attested")),
        }
    }

    /// The admin resets a failed or flagged step so it can be planned and applied again.
    pub fn retry(&mut self, now: DateTime<Utc>) -> Result<(), TransitionError> {
        match self.state {
            StepState::Failed | StepState::Flagged | StepState::NeedsManual => {
                self.attempts = 0;
                self.set(StepState::Planned, now);
                Ok(())
            }
            _ => Err(self.invalid("retried")),
        }
    }

    pub fn skip(&mut self, now: DateTime<Utc>, skip: Skip) -> Result<(), TransitionError> {
        if skip.reason.trim().is_empty() {
            return Err(TransitionError::MissingReason);
        }
        if self.state == StepState::Verified {
            return Err(self.invalid("skipped"));
        }
        self.skip = Some(skip);
        self.set(StepState::Skipped, now);
        Ok(())
    }

    pub fn not_applicable(&mut self, now: DateTime<Utc>, why: &str) {
        if self.state != StepState::NotApplicable {
            self.reason = Some(why.to_string());
            self.set(StepState::NotApplicable, now);
        }
    }

    /// Takes a verification pass's conclusion. `verified` needs primary evidence that
    /// supports the step; a confirmation without it is downgraded, never trusted.
    pub fn conclude(&mut self, now: DateTime<Utc>, a: Assessment) {
        if matches!(self.state, StepState::Skipped | StepState::NotApplicable) {
            return;
        }
        let attested = self.state == StepState::Attested
            || (self.state == StepState::Flagged && self.changed_at.is_some());
        let keep_attestation: Vec<Evidence> = self
            .evidence
            .iter()
            .filter(|e| e.kind == super::evidence::EvidenceKind::Attestation)
            .cloned()
            .collect();
        let proven = a.evidence.iter().any(Evidence::verifies);
        self.evidence = keep_attestation;
        self.evidence.extend(a.evidence);
        let next = match a.verdict {
            Verdict::Confirmed if proven => StepState::Verified,
            Verdict::Confirmed | Verdict::Pending => match self.state {
                StepState::Attested => StepState::Attested,
                StepState::PendingPropagation => StepState::PendingPropagation,
                s @ (StepState::Planned | StepState::Failed) => s,
                _ if attested => StepState::Attested,
                _ => StepState::NeedsManual,
            },
            Verdict::NeedsManual => match self.state {
                // An API step nobody applied yet is simply not started.
                StepState::NotStarted
                    if matches!(
                        self.step.kind(),
                        super::step::StepKind::PolicyApi | super::step::StepKind::DeviceActions
                    ) =>
                {
                    StepState::NotStarted
                }
                StepState::Attested | StepState::PendingPropagation | StepState::Planned => {
                    self.state
                }
                StepState::Failed => StepState::Failed,
                _ => StepState::NeedsManual,
            },
            Verdict::Contradicted if attested => StepState::Flagged,
            Verdict::Contradicted => StepState::NeedsManual,
            Verdict::TimedOut(why) => {
                self.reason = Some(why);
                if attested {
                    StepState::Flagged
                } else {
                    StepState::Failed
                }
            }
        };
        if next == StepState::Verified {
            self.reason = None;
        }
        self.set(next, now);
    }
}
