//! What offsync observed about a step. A step becomes `verified` only from primary evidence
//! that supports it: a policy read back, device data, usage reports. An attestation records
//! what the admin says was done and an admin audit event is supporting only: neither alone
//! ever verifies a step.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// A Cloud Identity policy read back after a write (or found already in place).
    PolicyReadBack,
    /// Google Sync devices of the OU silent since a cut-off.
    DevicesQuiet,
    /// Google Sync devices of the OU that synced after the cut-off (contradicts sync-off).
    DevicesStillSyncing,
    /// Users with a native Google account or the Gmail app on a phone.
    Replacements,
    /// Reports API Gmail usage (`gmail:timestamp_last_imap`).
    ImapUsage,
    /// A documented Admin audit event (supporting only).
    AuditEvent,
    /// The admin says the console step is done (never verifies on its own).
    Attestation,
}

impl EvidenceKind {
    /// Primary evidence can verify a step; the rest only accompanies it.
    pub fn is_primary(self) -> bool {
        !matches!(self, EvidenceKind::AuditEvent | EvidenceKind::Attestation)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub kind: EvidenceKind,
    /// By the server's clock.
    pub observed_at: DateTime<Utc>,
    /// True when it shows the step took effect; false when it shows it has not (yet).
    pub supports: bool,
    /// One line for the admin, with counts and the policy or device it is about.
    pub summary: String,
    /// Resource IDs, emails or policy names the summary is about (a sample, capped).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refs: Vec<String>,
}

/// At most this many refs are kept per evidence row.
pub const MAX_REFS: usize = 20;

impl Evidence {
    pub fn new(
        kind: EvidenceKind,
        observed_at: DateTime<Utc>,
        supports: bool,
        summary: impl Into<String>,
    ) -> Evidence {
        Evidence {
            kind,
            observed_at,
            supports,
            summary: summary.into(),
            refs: Vec::new(),
        }
    }

    pub fn with_refs(mut self, refs: impl IntoIterator<Item = String>) -> Evidence {
        self.refs = refs.into_iter().take(MAX_REFS).collect();
        self
    }

    /// Evidence that can verify a step on its own.
    pub fn verifies(&self) -> bool {
        self.supports && self.kind.is_primary()
    }
}
