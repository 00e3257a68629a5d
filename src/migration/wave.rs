//! A migration plan: one pilot OU, then ordered waves of OUs. A wave starts only when the
//! readiness guards over the stage before it (the pilot for wave 1, wave n-1 for wave n) pass,
//! or when each failing guard was overridden with a typed reason (journaled by the caller).
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::guard::{GuardId, GuardResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OverrideKind {
    /// The admin accepts the risk the guard describes.
    AcceptedRisk,
    /// Checked by other means offsync cannot see.
    VerifiedOutOfBand,
    /// A deadline (Google's shutdown) forces the wave.
    Deadline,
}

impl OverrideKind {
    pub fn parse(s: &str) -> Option<OverrideKind> {
        match s.trim() {
            "accepted-risk" => Some(OverrideKind::AcceptedRisk),
            "verified-out-of-band" => Some(OverrideKind::VerifiedOutOfBand),
            "deadline" => Some(OverrideKind::Deadline),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardOverride {
    pub guard: GuardId,
    pub kind: OverrideKind,
    pub reason: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

impl GuardOverride {
    /// An override counts only with words the next admin can read.
    pub fn is_valid(&self) -> bool {
        !self.reason.trim().is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wave {
    /// 1, 2, … in the order they run.
    pub number: u32,
    pub ous: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<GuardOverride>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub pilot: Option<String>,
    pub waves: Vec<Wave>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WaveError {
    #[error("no wave {0}; `offsync wave list` shows the plan")]
    NoSuchWave(u32),
    #[error("no pilot OU: set one with `offsync wave add --pilot /Path` first")]
    NoPilot,
    #[error("wave {0} already started")]
    AlreadyStarted(u32),
    #[error("wave {wave} cannot start before wave {previous}")]
    OutOfOrder { wave: u32, previous: u32 },
    #[error("wave {wave} is blocked:\n{}", blockers(.failing))]
    Blocked {
        wave: u32,
        failing: Vec<GuardResult>,
    },
}

fn blockers(failing: &[GuardResult]) -> String {
    let mut out = Vec::new();
    for g in failing {
        out.push(format!("  guard {} failed:", g.guard.as_str()));
        for b in &g.blockers {
            out.push(format!("    - {b}"));
        }
    }
    out.push(
        "  fix these, or override a guard: offsync wave override N GUARD --kind KIND --reason TEXT"
            .into(),
    );
    out.join("\n")
}

impl Plan {
    pub fn wave(&self, number: u32) -> Result<&Wave, WaveError> {
        self.waves
            .iter()
            .find(|w| w.number == number)
            .ok_or(WaveError::NoSuchWave(number))
    }

    /// The OUs whose readiness gates `number`: the pilot for wave 1, else the wave before.
    pub fn gating_stage(&self, number: u32) -> Result<Vec<String>, WaveError> {
        if number <= 1 {
            return self
                .pilot
                .clone()
                .map(|p| vec![p])
                .ok_or(WaveError::NoPilot);
        }
        Ok(self.wave(number - 1)?.ous.clone())
    }

    /// Whether `number` may start given `results` (the guards over its gating stage). Each
    /// failing guard must carry a valid override on the wave; nothing else lets it through.
    pub fn check_start(&self, number: u32, results: &[GuardResult]) -> Result<(), WaveError> {
        let wave = self.wave(number)?;
        if wave.started_at.is_some() {
            return Err(WaveError::AlreadyStarted(number));
        }
        if number > 1 && self.wave(number - 1)?.started_at.is_none() {
            return Err(WaveError::OutOfOrder {
                wave: number,
                previous: number - 1,
            });
        }
        if self.pilot.is_none() {
            return Err(WaveError::NoPilot);
        }
        let failing: Vec<GuardResult> = results
            .iter()
            .filter(|r| !r.passed)
            .filter(|r| {
                !wave
                    .overrides
                    .iter()
                    .any(|o| o.guard == r.guard && o.is_valid())
            })
            .cloned()
            .collect();
        if failing.is_empty() {
            Ok(())
        } else {
            Err(WaveError::Blocked {
                wave: number,
                failing,
            })
        }
    }
}

/// Overrides are shown with the guard they waived.
pub fn override_for(wave: &Wave, guard: GuardId) -> Option<&GuardOverride> {
    wave.overrides
        .iter()
        .find(|o| o.guard == guard && o.is_valid())
}
