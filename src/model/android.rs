//! Android Management API nouns (androidmanagement.v1.json): the enterprise, its devices and
//! the account-upgrade fields of its policies. Field names follow Google's JSON so the client
//! deserialises straight into them; enum-valued fields stay strings, so a value Google adds
//! later is shown as it is instead of failing the whole listing.
use serde::{Deserialize, Serialize};

/// The policy field the account upgrade lives in, and the `settingName` of its enforcement rule.
pub const WORK_ACCOUNT_SETUP_CONFIG: &str = "workAccountSetupConfig";
pub const POLICY_ENFORCEMENT_RULES: &str = "policyEnforcementRules";
pub const GOOGLE_AUTHENTICATED: &str = "GOOGLE_AUTHENTICATED";

/// `Enterprise` (the fields offsync reads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AndroidEnterprise {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise_display_name: Option<String>,
    /// `MANAGED_GOOGLE_DOMAIN` or `MANAGED_GOOGLE_PLAY_ACCOUNTS_ENTERPRISE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise_type: Option<String>,
}

impl AndroidEnterprise {
    /// Accounts can only be upgraded in an enterprise bound to a managed Google domain.
    pub fn is_managed_google_domain(&self) -> bool {
        self.enterprise_type.as_deref() == Some("MANAGED_GOOGLE_DOMAIN")
    }
}

/// `Device` (what offsync shows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AndroidDevice {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_policy_name: Option<String>,
    /// int64 as a decimal string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_policy_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_compliant: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub non_compliance_details: Vec<NonComplianceDetail>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrollment_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status_report_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_policy_sync_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware_info: Option<HardwareInfo>,
}

impl AndroidDevice {
    /// The device ID (last segment of `enterprises/E/devices/ID`).
    pub fn id(&self) -> &str {
        self.name.rsplit('/').next().unwrap_or(&self.name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct HardwareInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct NonComplianceDetail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setting_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_compliance_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specific_non_compliance_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_path: Option<String>,
}

/// `WorkAccountSetupConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct WorkAccountSetupConfig {
    /// `AUTHENTICATION_TYPE_UNSPECIFIED`, `AUTHENTICATION_TYPE_NOT_ENFORCED` or `GOOGLE_AUTHENTICATED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_account_email: Option<String>,
}

impl WorkAccountSetupConfig {
    pub fn requires_google_account(&self) -> bool {
        self.authentication_type.as_deref() == Some(GOOGLE_AUTHENTICATED)
    }
}

/// `BlockAction`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct BlockAction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_after_days: Option<i32>,
    /// `BLOCK_SCOPE_UNSPECIFIED` (= work profile), `BLOCK_SCOPE_WORK_PROFILE`, `BLOCK_SCOPE_DEVICE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_scope: Option<String>,
}

/// `WipeAction`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct WipeAction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wipe_after_days: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preserve_frp: Option<bool>,
}

/// `PolicyEnforcementRule`. Only the `settingName` trigger exists in the API today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PolicyEnforcementRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setting_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_action: Option<BlockAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wipe_action: Option<WipeAction>,
}

impl PolicyEnforcementRule {
    pub fn block_days(&self) -> Option<i32> {
        self.block_action.as_ref()?.block_after_days
    }
    pub fn wipe_days(&self) -> Option<i32> {
        self.wipe_action.as_ref()?.wipe_after_days
    }
}

/// `Policy`: the account-upgrade fields typed, every other field kept verbatim in `other`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AndroidPolicy {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_account_setup_config: Option<WorkAccountSetupConfig>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy_enforcement_rules: Vec<PolicyEnforcementRule>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl AndroidPolicy {
    /// The policy ID (last segment of `enterprises/E/policies/ID`).
    pub fn id(&self) -> &str {
        self.name.rsplit('/').next().unwrap_or(&self.name)
    }

    pub fn version_number(&self) -> Option<i64> {
        self.version.as_deref()?.parse().ok()
    }

    pub fn requires_google_account(&self) -> bool {
        self.work_account_setup_config
            .as_ref()
            .is_some_and(WorkAccountSetupConfig::requires_google_account)
    }

    /// The enforcement rule for `workAccountSetupConfig`, if any.
    pub fn account_rule(&self) -> Option<&PolicyEnforcementRule> {
        self.policy_enforcement_rules
            .iter()
            .find(|r| r.setting_name.as_deref() == Some(WORK_ACCOUNT_SETUP_CONFIG))
    }
}

/// A `policies.patch` body with the exact `updateMask` for the fields it sets. Without a mask
/// Google overwrites every field of the policy, so the two only ever change together.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyPatch {
    body: serde_json::Map<String, serde_json::Value>,
    mask: Vec<&'static str>,
}

impl PolicyPatch {
    pub fn new() -> PolicyPatch {
        PolicyPatch::default()
    }

    pub fn work_account_setup_config(mut self, cfg: &WorkAccountSetupConfig) -> Self {
        self.set(
            WORK_ACCOUNT_SETUP_CONFIG,
            serde_json::to_value(cfg).expect("serialisable"),
        );
        self
    }

    /// The whole list: a masked patch replaces `policyEnforcementRules` as one field.
    pub fn policy_enforcement_rules(mut self, rules: &[PolicyEnforcementRule]) -> Self {
        self.set(
            POLICY_ENFORCEMENT_RULES,
            serde_json::to_value(rules).expect("serialisable"),
        );
        self
    }

    /// Rebuilds a patch from its mask and body (a saved plan's request). Only the fields
    /// offsync edits are accepted; `None` for anything else or a field missing from the body.
    pub fn from_parts(mask: &str, body: &serde_json::Value) -> Option<PolicyPatch> {
        let mut p = PolicyPatch::new();
        for field in mask.split(',') {
            let field = [WORK_ACCOUNT_SETUP_CONFIG, POLICY_ENFORCEMENT_RULES]
                .into_iter()
                .find(|f| *f == field)?;
            p.set(field, body.get(field)?.clone());
        }
        (!p.is_empty()).then_some(p)
    }

    fn set(&mut self, field: &'static str, value: serde_json::Value) {
        self.body.insert(field.to_string(), value);
        if !self.mask.contains(&field) {
            self.mask.push(field);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.mask.is_empty()
    }

    pub fn update_mask(&self) -> String {
        self.mask.join(",")
    }

    pub fn body(&self) -> serde_json::Value {
        serde_json::Value::Object(self.body.clone())
    }
}
