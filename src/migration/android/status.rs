//! Devices by upgrade state and compliance reason, each state explained with its fix, and
//! the enforcement estimate.
//!
//! The API reports no start time for a non-compliance, so offsync records when it first saw
//! each device non-compliant (the store keeps it) and says "at least N days". The real spell may
//! be longer, so the days left until block and wipe are upper bounds: "at most".
//! A device whose applied policy version is older than the policy's is still on the previous
//! policy: its compliance says nothing about the current one yet.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::android::{AndroidDevice, AndroidPolicy, WORK_ACCOUNT_SETUP_CONFIG};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UpgradeState {
    /// Non-compliant: the policy names an account outside the enterprise.
    RequiredAccountNotInEnterprise,
    /// Non-compliant: the user added an account outside the enterprise; it was removed.
    NewAccountNotInEnterprise,
    /// Non-compliant: prompted, the user has not added the account yet.
    AwaitingUser,
    /// The device has not applied the current policy version yet.
    PolicyNotApplied,
    /// Compliant with a policy that requires a managed Google account: upgraded.
    Upgraded,
    /// The policy does not ask for a managed Google account.
    NotRequested,
    /// The device's policy is not among the enterprise's policies offsync read.
    UnknownPolicy,
}

impl UpgradeState {
    pub fn label(self) -> &'static str {
        match self {
            UpgradeState::RequiredAccountNotInEnterprise => "required account not in enterprise",
            UpgradeState::NewAccountNotInEnterprise => "account outside the enterprise removed",
            UpgradeState::AwaitingUser => "waiting for the user",
            UpgradeState::PolicyNotApplied => "policy change not applied yet",
            UpgradeState::Upgraded => "upgraded",
            UpgradeState::NotRequested => "upgrade not requested",
            UpgradeState::UnknownPolicy => "policy unknown",
        }
    }

    pub fn explanation(self) -> &'static str {
        match self {
            UpgradeState::RequiredAccountNotInEnterprise => "The policy's requiredAccountEmail is not an account of the enterprise (REQUIRED_ACCOUNT_NOT_IN_ENTERPRISE). The user sees 'Contact your IT admin' and cannot continue; the device stays non-compliant until the policy is fixed.",
            UpgradeState::NewAccountNotInEnterprise => "The user signed in with an account outside the organisation; Android Device Policy removed it and asks again (NEW_ACCOUNT_NOT_IN_ENTERPRISE).",
            UpgradeState::AwaitingUser => "The user has been prompted to add their managed Google account and has not done so yet.",
            UpgradeState::PolicyNotApplied => "The device still runs an older version of its policy; it applies the new one at its next policy sync.",
            UpgradeState::Upgraded => "Managed by a managed Google account; the managed Google Play account is gone.",
            UpgradeState::NotRequested => "workAccountSetupConfig.authenticationType is not GOOGLE_AUTHENTICATED, so the device keeps whatever account it has.",
            UpgradeState::UnknownPolicy => "The device names a policy that policies.list did not return.",
        }
    }

    pub fn fix(self) -> &'static str {
        match self {
            UpgradeState::RequiredAccountNotInEnterprise => "offsync android set POLICY --required-account-email USER@VERIFIED-DOMAIN --yes (or --clear-required-account-email)",
            UpgradeState::NewAccountNotInEnterprise => "Ask the user to sign in with their work account in one of the tenant's domains.",
            UpgradeState::AwaitingUser => "Ask the user to open Android Device Policy and add their work account. With requiredAccountEmail set, only that account is accepted.",
            UpgradeState::PolicyNotApplied => "Wait for the device to sync (it must be online); nothing to change.",
            UpgradeState::Upgraded => "Nothing to do.",
            UpgradeState::NotRequested => "offsync android set POLICY --require-google-account --yes",
            UpgradeState::UnknownPolicy => "Check the policy exists: offsync android policy POLICY",
        }
    }
}

/// When enforcement hits, as far as offsync can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "days")]
pub enum Estimate {
    /// In at most this many days.
    InAtMost(i64),
    /// The threshold has passed (by offsync's own first sighting): it has happened.
    Due,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceRow {
    /// `enterprises/E/devices/D`.
    pub name: String,
    pub user_name: Option<String>,
    pub policy: Option<String>,
    pub model: Option<String>,
    pub state: UpgradeState,
    /// `nonComplianceReason` / `specificNonComplianceReason` for `workAccountSetupConfig`.
    pub reason: Option<String>,
    pub specific_reason: Option<String>,
    /// Days since offsync first saw it non-compliant: a lower bound.
    pub non_compliant_at_least_days: Option<i64>,
    pub block: Option<Estimate>,
    pub wipe: Option<Estimate>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub state: UpgradeState,
    pub label: &'static str,
    pub explanation: &'static str,
    pub fix: &'static str,
    pub devices: Vec<DeviceRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    pub total: usize,
    pub groups: Vec<Group>,
}

/// The device's state under `policy` (its current version).
pub fn classify(d: &AndroidDevice, policy: Option<&AndroidPolicy>) -> UpgradeState {
    let Some(p) = policy else {
        return UpgradeState::UnknownPolicy;
    };
    let applied: Option<i64> = d
        .applied_policy_version
        .as_deref()
        .and_then(|v| v.parse().ok());
    if applied.is_some_and(|a| p.version_number().is_some_and(|v| a < v)) {
        return UpgradeState::PolicyNotApplied;
    }
    let detail = d
        .non_compliance_details
        .iter()
        .find(|n| n.setting_name.as_deref() == Some(WORK_ACCOUNT_SETUP_CONFIG));
    if let Some(n) = detail {
        return match n.specific_non_compliance_reason.as_deref() {
            Some("REQUIRED_ACCOUNT_NOT_IN_ENTERPRISE") => {
                UpgradeState::RequiredAccountNotInEnterprise
            }
            Some("NEW_ACCOUNT_NOT_IN_ENTERPRISE") => UpgradeState::NewAccountNotInEnterprise,
            // USER_ACTION or PENDING without a specific reason (Google documents neither
            // for this wait; both are read the same way).
            _ => UpgradeState::AwaitingUser,
        };
    }
    if p.requires_google_account() {
        UpgradeState::Upgraded
    } else {
        UpgradeState::NotRequested
    }
}

fn estimate(threshold_days: Option<i32>, seen_days: i64) -> Option<Estimate> {
    let t = threshold_days? as i64;
    Some(if seen_days >= t {
        Estimate::Due
    } else {
        Estimate::InAtMost(t - seen_days)
    })
}

/// Groups `devices` by state (most urgent first). `first_seen` maps a device name to when
/// offsync first saw it non-compliant; `now` is the server's clock.
pub fn summarize(
    devices: &[AndroidDevice],
    policies: &[AndroidPolicy],
    first_seen: &HashMap<String, DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Status {
    let by_name: HashMap<&str, &AndroidPolicy> =
        policies.iter().map(|p| (p.name.as_str(), p)).collect();
    let mut groups: BTreeMap<UpgradeState, Vec<DeviceRow>> = BTreeMap::new();
    for d in devices {
        let policy = d
            .policy_name
            .as_deref()
            .and_then(|n| by_name.get(n).copied());
        let state = classify(d, policy);
        let detail = d
            .non_compliance_details
            .iter()
            .find(|n| n.setting_name.as_deref() == Some(WORK_ACCOUNT_SETUP_CONFIG));
        let seen = detail
            .and_then(|_| first_seen.get(&d.name))
            .map(|t| (now - *t).num_days().max(0));
        let rule = policy.and_then(AndroidPolicy::account_rule);
        let (block, wipe) = match (seen, rule) {
            (Some(s), Some(r)) => (estimate(r.block_days(), s), estimate(r.wipe_days(), s)),
            _ => (None, None),
        };
        groups.entry(state).or_default().push(DeviceRow {
            name: d.name.clone(),
            user_name: d.user_name.clone(),
            policy: d.policy_name.clone(),
            model: d.hardware_info.as_ref().and_then(|h| h.model.clone()),
            state,
            reason: detail.and_then(|n| n.non_compliance_reason.clone()),
            specific_reason: detail.and_then(|n| n.specific_non_compliance_reason.clone()),
            non_compliant_at_least_days: seen,
            block,
            wipe,
        });
    }
    Status {
        total: devices.len(),
        groups: groups
            .into_iter()
            .map(|(state, devices)| Group {
                state,
                label: state.label(),
                explanation: state.explanation(),
                fix: state.fix(),
                devices,
            })
            .collect(),
    }
}

/// Devices non-compliant with `workAccountSetupConfig` now: what the store tracks first-seen for.
pub fn non_compliant_names(devices: &[AndroidDevice]) -> Vec<String> {
    devices
        .iter()
        .filter(|d| {
            d.non_compliance_details
                .iter()
                .any(|n| n.setting_name.as_deref() == Some(WORK_ACCOUNT_SETUP_CONFIG))
        })
        .map(|d| d.name.clone())
        .collect()
}

/// One line about a policy's account-upgrade fields.
pub fn policy_line(p: &AndroidPolicy, devices: usize) -> String {
    let cfg = p.work_account_setup_config.clone().unwrap_or_default();
    let auth = cfg.authentication_type.as_deref().unwrap_or("(not set)");
    let who = match (&cfg.required_account_email, p.requires_google_account()) {
        (Some(e), _) => format!("required {e}"),
        (None, true) => "any enterprise account".into(),
        (None, false) => "-".into(),
    };
    let rule = match p.account_rule() {
        Some(r) => {
            let scope = match r
                .block_action
                .as_ref()
                .and_then(|b| b.block_scope.as_deref())
            {
                Some("BLOCK_SCOPE_DEVICE") => "device",
                _ => "work profile",
            };
            let frp = match r.wipe_action.as_ref().and_then(|w| w.preserve_frp) {
                Some(true) => "FRP kept",
                // Unset is false: Google's default does not preserve FRP data.
                _ => "FRP not kept",
            };
            let d = |v: Option<i32>| v.map_or("?".into(), |d| d.to_string());
            format!(
                "block {}d ({scope}), wipe {}d ({frp})",
                d(r.block_days()),
                d(r.wipe_days())
            )
        }
        None => "no enforcement rule".into(),
    };
    format!(
        "{} v{} · {auth} · {who} · {rule} · {devices} devices",
        p.id(),
        p.version.as_deref().unwrap_or("?"),
    )
}
