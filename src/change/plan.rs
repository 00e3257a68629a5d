//! The plan: an immutable value that says exactly what a change will do, computed once
//! from a listing and then shown (confirm dialog, `offsync act`), journaled and executed
//! unchanged. It names targets by resource ID, never by a row position, so a table that
//! reloads under an open dialog cannot redirect it.
//!
//! Pure: no I/O and no clock (the caller passes `at`). What is specific to one kind of
//! change (which state is a no-op, which request, which GAM line) lives in that kind's
//! file ([`super::device`]); this file only knows the shape every kind shares.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Device, DeviceAction};

/// The plan file format; bumped when a saved plan could be misread by a newer offsync.
pub const PLAN_VERSION: u32 = 1;

/// What kind of change a plan makes. Each kind says how to plan, send and read back its
/// targets; device actions are the first, policy changes follow through the same path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// `mobiledevices.action` or `mobiledevices.delete`.
    Device(DeviceAction),
    /// Android Management `enterprises.policies.patch` with an exact `updateMask`.
    AndroidPolicy,
    /// Cloud Identity `policies.create`, `patch` or `delete` (a migration step's write).
    CloudIdentityPolicy,
}

impl ChangeKind {
    /// A stable machine name for the journal, e.g. `device.block`.
    pub fn name(self) -> String {
        match self {
            ChangeKind::Device(a) => format!("device.{}", a.api_value().unwrap_or("delete")),
            ChangeKind::AndroidPolicy => super::android::ACTION.into(),
            ChangeKind::CloudIdentityPolicy => "cloudidentity.policy".into(),
        }
    }

    /// The verb in words, e.g. `block`.
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::Device(a) => a.label(),
            ChangeKind::AndroidPolicy => "patch",
            ChangeKind::CloudIdentityPolicy => "write",
        }
    }

    /// What one target is called, singular and plural.
    pub fn noun(self, n: usize) -> &'static str {
        match (self, n) {
            (ChangeKind::Device(_), 1) => "device",
            (ChangeKind::Device(_), _) => "devices",
            (ChangeKind::AndroidPolicy, 1) => "Android policy",
            (ChangeKind::AndroidPolicy, _) => "Android policies",
            (ChangeKind::CloudIdentityPolicy, 1) => "Cloud Identity policy",
            (ChangeKind::CloudIdentityPolicy, _) => "Cloud Identity policies",
        }
    }

    /// Destroys data or cannot be undone.
    pub fn is_destructive(self) -> bool {
        match self {
            ChangeKind::Device(a) => a.is_destructive(),
            // A wipe rule is guarded by its own typed confirmation (migration::android).
            ChangeKind::AndroidPolicy => false,
            // Undone through the same engine: restore the earlier value or delete.
            ChangeKind::CloudIdentityPolicy => false,
        }
    }
}

/// One exact request, as sent: method, path below the API's root URL, and JSON body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub method: String,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
}

impl Request {
    /// `METHOD path`, as the journal records it.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// One thing the plan changes, with its state before the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub resource_id: String,
    pub owner: Option<String>,
    pub org_unit: Option<String>,
    /// The state the change starts from (a device's status), checked again before a
    /// saved plan runs and used to tell "applied" from "not applied" after a crash.
    pub before: String,
    /// A short description for samples (model, type).
    pub about: String,
    pub request: Request,
    pub gam: String,
}

/// A target left out because it is already in the wanted state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub resource_id: String,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub version: u32,
    pub profile: String,
    pub customer_id: String,
    /// The admin the change is made as (the delegated subject).
    pub actor: String,
    pub change: ChangeKind,
    /// When it was planned, by the server's clock.
    pub at: DateTime<Utc>,
    pub targets: Vec<Target>,
    pub skipped: Vec<Skipped>,
    /// What the admin must know before confirming, worded by the kind of change.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// The migration step a policy write belongs to (journaled with each request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<super::policy::StepContext>,
}

/// Who plans: the profile's name, customer and delegated admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planner {
    pub profile: String,
    pub customer_id: String,
    pub actor: String,
}

impl Planner {
    /// Plans `action` on `devices` (in the given order), dropping devices already in the
    /// wanted state and any resource ID seen twice.
    pub fn devices<'a>(
        &self,
        action: DeviceAction,
        devices: impl IntoIterator<Item = &'a Device>,
        at: DateTime<Utc>,
    ) -> Plan {
        let mut seen = std::collections::HashSet::new();
        let (mut targets, mut skipped, mut sync) = (Vec::new(), Vec::new(), 0);
        for d in devices {
            if !seen.insert(d.resource_id.as_str()) {
                continue;
            }
            match super::device::noop(action, d) {
                Some(why) => skipped.push(Skipped {
                    resource_id: d.resource_id.clone(),
                    why,
                }),
                None => {
                    sync += usize::from(d.is_google_sync());
                    targets.push(super::device::target(&self.customer_id, action, d))
                }
            }
        }
        Plan {
            version: PLAN_VERSION,
            profile: self.profile.clone(),
            customer_id: self.customer_id.clone(),
            actor: self.actor.clone(),
            change: ChangeKind::Device(action),
            at,
            targets,
            skipped,
            warnings: super::device::warnings(action, sync),
            step: None,
        }
    }
}

impl Planner {
    /// Plans a validated Android policy patch: one target, the policy, with the masked
    /// fields as they were (`before`) for the read-back after a crash.
    pub fn android_policy(
        &self,
        plan: &crate::migration::android::PolicyPlan,
        before: &crate::model::android::AndroidPolicy,
        at: DateTime<Utc>,
    ) -> Plan {
        Plan {
            version: PLAN_VERSION,
            profile: self.profile.clone(),
            customer_id: self.customer_id.clone(),
            actor: self.actor.clone(),
            change: ChangeKind::AndroidPolicy,
            at,
            targets: vec![super::android::target(plan, before)],
            skipped: Vec::new(),
            warnings: plan.warnings.clone(),
            step: None,
        }
    }

    /// Plans one migration policy write: one target (the OU's policy for the setting) with
    /// the OU's explicit value before it, for the read-back after a crash.
    pub fn cloud_identity_policy(
        &self,
        change: &crate::migration::PolicyChange,
        context: super::policy::StepContext,
        at: DateTime<Utc>,
    ) -> Plan {
        Plan {
            version: PLAN_VERSION,
            profile: self.profile.clone(),
            customer_id: self.customer_id.clone(),
            actor: self.actor.clone(),
            change: ChangeKind::CloudIdentityPolicy,
            at,
            targets: vec![super::policy::target(change, &self.customer_id)],
            skipped: Vec::new(),
            warnings: Vec::new(),
            step: Some(context),
        }
    }
}

impl Plan {
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// `block 1234 devices`.
    pub fn summary(&self) -> String {
        let n = self.len();
        format!("{} {n} {}", self.change.label(), self.change.noun(n))
    }

    /// The plan with the targets at `seqs` only (for a resumed batch).
    pub fn subset(&self, seqs: &[usize]) -> Vec<(usize, &Target)> {
        seqs.iter()
            .filter_map(|s| self.targets.get(*s).map(|t| (*s, t)))
            .collect()
    }
}
