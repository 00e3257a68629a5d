//! Changes as values: what offsync would send, shown as a dry-run diff before anything is
//! sent, confirmed, journaled and executed from the very same value. Targets are named by
//! OU path *and* Directory ID / policy name / device resource ID, never by position.
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::inherit::{Effective, Settings};
use super::step::StepId;
use crate::model::{Device, OuPath, User};

pub const IMAP_SETTING: &str = "settings/gmail.imap_access";
pub const TRUST_SETTING: &str = "settings/api_controls.third_party_app_access";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum PolicyMethod {
    /// `policies.create` at `orgUnits/{org_unit_id}` (no policy at this OU yet).
    Create { org_unit_id: String },
    /// `policies.patch` of the policy already at this OU (no update mask: whole setting).
    Patch { policy: String },
    /// `policies.delete` of a policy offsync created (undo).
    Delete { policy: String },
}

/// Who a change reaches.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reach {
    /// The OU and every child that inherits from it (children with their own value excluded).
    pub ous: Vec<String>,
    pub users: usize,
    pub devices: usize,
    pub google_sync_devices: usize,
    pub sample_users: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyChange {
    pub step: StepId,
    pub ou: String,
    pub setting_type: String,
    #[serde(flatten)]
    pub method: PolicyMethod,
    pub before: Effective,
    /// `None` for a delete: the OU goes back to inheriting.
    pub after: Option<Value>,
    pub reach: Reach,
}

impl PolicyChange {
    /// The dry-run diff, one line per fact.
    pub fn diff_lines(&self) -> Vec<String> {
        let before = match self.before.value() {
            Some(v) => format!("{v} ({})", self.before.describe()),
            None => "inherited_or_unknown (no value set at or above this OU)".into(),
        };
        let after = self
            .after
            .as_ref()
            .map(Value::to_string)
            .unwrap_or_else(|| "(policy deleted: inherits from the parent)".into());
        let call = match &self.method {
            PolicyMethod::Create { org_unit_id } => {
                format!("POST v1/policies (create at orgUnits/{org_unit_id})")
            }
            PolicyMethod::Patch { policy } => format!("PATCH v1/{policy}"),
            PolicyMethod::Delete { policy } => format!("DELETE v1/{policy}"),
        };
        vec![
            format!("{} at {} ({})", self.setting_type, self.ou, self.step),
            format!("  before: {before}"),
            format!("  after:  {after}"),
            format!("  call:   {call}"),
            format!(
                "  reaches {} OU{}: {}",
                self.reach.ous.len(),
                if self.reach.ous.len() == 1 { "" } else { "s" },
                self.reach.ous.join(", ")
            ),
            format!(
                "  users: {}, devices: {} ({} Google Sync); e.g. {}",
                self.reach.users,
                self.reach.devices,
                self.reach.google_sync_devices,
                self.reach.sample_users.join(", ")
            ),
        ]
    }
}

/// Who is in `ous` (users by their own OU, devices by their owner's).
pub fn reach(ous: Vec<String>, users: &[User], devices: &[Device]) -> Reach {
    let inside = |p: &str| ous.iter().any(|o| o == p);
    let us: Vec<&User> = users.iter().filter(|u| inside(&u.org_unit_path)).collect();
    let ds: Vec<&Device> = devices
        .iter()
        .filter(|d| d.org_unit_path.as_deref().is_some_and(inside))
        .collect();
    Reach {
        users: us.len(),
        devices: ds.len(),
        google_sync_devices: ds.iter().filter(|d| d.is_google_sync()).count(),
        sample_users: us.iter().take(5).map(|u| u.primary_email.clone()).collect(),
        ous,
    }
}

/// The write that gives `ou` `target`, or `None` when it already has it (explicitly or by
/// inheritance: then nothing is sent, and the reason is the evidence).
#[allow(clippy::too_many_arguments)]
pub fn policy_change(
    step: StepId,
    ou: &str,
    ou_id: &str,
    setting_type: &str,
    settings: &Settings,
    all_paths: &[String],
    target: Value,
    users: &[User],
    devices: &[Device],
) -> PolicyChange {
    let before = settings.effective(ou);
    let method = match &before {
        Effective::Explicit { setting } => PolicyMethod::Patch {
            policy: setting.policy.clone(),
        },
        _ => PolicyMethod::Create {
            org_unit_id: ou_id.to_string(),
        },
    };
    PolicyChange {
        step,
        ou: ou.to_string(),
        setting_type: setting_type.to_string(),
        method,
        before,
        after: Some(target),
        reach: reach(settings.reach(ou, all_paths), users, devices),
    }
}

/// Undo of an applied policy step: delete the policy offsync created, or restore the value
/// offsync overwrote. `None` when there is nothing offsync can undo through the API.
#[allow(clippy::too_many_arguments)]
pub fn undo_change(
    step: StepId,
    ou: &str,
    setting_type: &str,
    settings: &Settings,
    created_policy: Option<&str>,
    previous: Option<&Value>,
    all_paths: &[String],
    users: &[User],
    devices: &[Device],
) -> Option<PolicyChange> {
    let before = settings.effective(ou);
    let current = before.setting()?.policy.clone();
    let (method, after) = match (created_policy, previous) {
        (Some(p), _) if p == current => (PolicyMethod::Delete { policy: p.into() }, None),
        (_, Some(prev)) => (PolicyMethod::Patch { policy: current }, Some(prev.clone())),
        _ => return None,
    };
    Some(PolicyChange {
        step,
        ou: ou.to_string(),
        setting_type: setting_type.to_string(),
        method,
        before,
        after,
        reach: reach(settings.reach(ou, all_paths), users, devices),
    })
}

/// The sweep's change: block these Google Sync devices (deleting one does not stop it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockChange {
    pub ou: String,
    /// `(resource_id, owner)`
    pub devices: Vec<(String, String)>,
}

pub fn block_change(ou: &str, targets: &[&Device]) -> BlockChange {
    BlockChange {
        ou: ou.to_string(),
        devices: targets
            .iter()
            .filter(|d| {
                d.org_unit_path
                    .as_deref()
                    .is_some_and(|p| OuPath::is_within(p, ou))
            })
            .map(|d| (d.resource_id.clone(), d.owner().unwrap_or("").to_string()))
            .collect(),
    }
}
