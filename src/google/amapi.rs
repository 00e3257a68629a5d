//! Android Management API: devices of the customer's existing enterprise and its policies'
//! account-upgrade fields (`workAccountSetupConfig`, `policyEnforcementRules`).
//!
//! `policies.patch` without `updateMask` overwrites every field of the policy, so a patch
//! here is a [`PolicyPatch`]: fields can only be added together with their mask entry, and
//! an empty patch is refused. Pre-validation follows Google's documented rules.
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};
use url::Url;

use super::client::{Call, Client};
use super::pace::Api;
use super::page::{self, Page};
use super::{scopes, Error};

/// `Device` (what offsync shows; the rest kept verbatim in `other`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AmapiDevice {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub user_name: Option<String>,
    #[serde(default)]
    pub policy_name: Option<String>,
    #[serde(default)]
    pub applied_policy_name: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub management_mode: Option<String>,
    #[serde(default)]
    pub ownership: Option<String>,
    #[serde(default)]
    pub policy_compliant: Option<bool>,
    #[serde(default)]
    pub non_compliance_details: Vec<NonComplianceDetail>,
    #[serde(default)]
    pub last_status_report_time: Option<String>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct NonComplianceDetail {
    #[serde(default)]
    pub setting_name: Option<String>,
    #[serde(default)]
    pub non_compliance_reason: Option<String>,
    #[serde(default)]
    pub specific_non_compliance_reason: Option<String>,
    #[serde(default)]
    pub field_path: Option<String>,
}

/// `WorkAccountSetupConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct WorkAccountSetupConfig {
    /// `AUTHENTICATION_TYPE_NOT_ENFORCED` or `GOOGLE_AUTHENTICATED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_account_email: Option<String>,
}

/// `PolicyEnforcementRule` (block/wipe actions kept as JSON objects).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PolicyEnforcementRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setting_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_action: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wipe_action: Option<serde_json::Value>,
}

/// `Policy` (the account-upgrade fields; everything else in `other`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AmapiPolicy {
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

/// A policy change that always carries its `updateMask`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyPatch {
    body: serde_json::Map<String, serde_json::Value>,
    mask: Vec<&'static str>,
}

impl PolicyPatch {
    pub fn new() -> PolicyPatch {
        PolicyPatch::default()
    }

    /// Sets `workAccountSetupConfig`, checking `requiredAccountEmail` is lower case and in
    /// one of the enterprise's `domains`.
    pub fn work_account_setup_config(
        mut self,
        cfg: WorkAccountSetupConfig,
        domains: &[String],
    ) -> Result<Self, Error> {
        if let Some(email) = &cfg.required_account_email {
            validate_required_email(email, domains)?;
        }
        self.set(
            "workAccountSetupConfig",
            serde_json::to_value(cfg).expect("serialisable"),
        );
        Ok(self)
    }

    /// Sets `policyEnforcementRules`: each rule needs both actions, block before wipe.
    pub fn policy_enforcement_rules(
        mut self,
        rules: Vec<PolicyEnforcementRule>,
    ) -> Result<Self, Error> {
        for r in &rules {
            let days =
                |a: &Option<serde_json::Value>, k: &str| a.as_ref().and_then(|v| v[k].as_i64());
            let (Some(block), Some(wipe)) = (
                days(&r.block_action, "blockAfterDays"),
                days(&r.wipe_action, "wipeAfterDays"),
            ) else {
                return Err(Error::Invalid(
                    "a policy enforcement rule needs both blockAction.blockAfterDays and wipeAction.wipeAfterDays".into(),
                ));
            };
            if block >= wipe {
                return Err(Error::Invalid(format!(
                    "blockAfterDays ({block}) must be less than wipeAfterDays ({wipe})"
                )));
            }
        }
        self.set(
            "policyEnforcementRules",
            serde_json::to_value(rules).expect("serialisable"),
        );
        Ok(self)
    }

    fn set(&mut self, field: &'static str, value: serde_json::Value) {
        self.body.insert(field.to_string(), value);
        if !self.mask.contains(&field) {
            self.mask.push(field);
        }
    }

    pub fn update_mask(&self) -> String {
        self.mask.join(",")
    }
}

/// `requiredAccountEmail` must be lower case and belong to the enterprise's domains.
pub fn validate_required_email(email: &str, domains: &[String]) -> Result<(), Error> {
    if email != email.to_lowercase() {
        return Err(Error::Invalid(format!(
            "requiredAccountEmail `{email}` must be all lower case"
        )));
    }
    let domain = email.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
    if !domains.iter().any(|d| d.eq_ignore_ascii_case(domain)) {
        return Err(Error::Invalid(format!(
            "requiredAccountEmail `{email}` is not in the enterprise's domains ({}); the device would stay \
             non-compliant with REQUIRED_ACCOUNT_NOT_IN_ENTERPRISE",
            domains.join(", ")
        )));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DevicePage {
    #[serde(default)]
    devices: Vec<AmapiDevice>,
    next_page_token: Option<String>,
}

#[derive(Clone)]
pub struct Amapi {
    client: Client,
    root: Url,
    enterprise: String,
}

impl Amapi {
    /// `enterprise` is `enterprises/{id}`.
    pub fn new(client: Client, root: &str, enterprise: &str) -> Result<Amapi, Error> {
        let root = Url::parse(root)
            .map_err(|e| Error::Invalid(format!("androidmanagement endpoint `{root}`: {e}")))?;
        Ok(Amapi {
            client,
            root,
            enterprise: enterprise.to_string(),
        })
    }

    pub fn enterprise(&self) -> &str {
        &self.enterprise
    }

    /// `v1/{name}` where `name` is a resource name with slashes (`enterprises/E/policies/P`).
    fn url(&self, name: &str) -> Url {
        let mut u = self.root.clone();
        u.path_segments_mut()
            .expect("http(s)")
            .pop_if_empty()
            .push("v1")
            .extend(name.split('/'));
        u
    }

    pub async fn devices_page(
        &self,
        page_size: u32,
        page_token: Option<&str>,
    ) -> Result<Page<AmapiDevice>, Error> {
        let mut url = self.url(&format!("{}/devices", self.enterprise));
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("pageSize", &page_size.clamp(1, 100).to_string());
            if let Some(t) = page_token {
                q.append_pair("pageToken", t);
            }
        }
        let call = Call::get(Api::Amapi, url, &[scopes::AMAPI])
            .about(format!("enterprise {}", self.enterprise));
        let p: DevicePage = self.client.json(call).await?;
        Ok(Page {
            items: p.devices,
            next_page_token: p.next_page_token,
        })
    }

    /// Every device of the enterprise (100 per page; the API has no filter).
    pub fn devices(&self) -> BoxStream<'static, Result<Vec<AmapiDevice>, Error>> {
        let me = self.clone();
        page::chain("Android devices", move |tok| {
            let me = me.clone();
            async move { me.devices_page(100, tok.as_deref()).await }
        })
    }

    /// `policies.get`; `policy` is a full name or the policy ID.
    pub async fn policy(&self, policy: &str) -> Result<AmapiPolicy, Error> {
        let name = self.policy_name(policy);
        let call = Call::get(Api::Amapi, self.url(&name), &[scopes::AMAPI])
            .about(format!("policy {name}"));
        self.client.json(call).await
    }

    /// `policies.patch` with the patch's `updateMask`; an empty patch is refused unsent.
    pub async fn patch_policy(
        &self,
        policy: &str,
        patch: &PolicyPatch,
    ) -> Result<AmapiPolicy, Error> {
        if patch.mask.is_empty() {
            return Err(Error::Invalid(
                "refusing an empty policy patch: without updateMask Google would reset every field"
                    .into(),
            ));
        }
        let name = self.policy_name(policy);
        let mut url = self.url(&name);
        url.query_pairs_mut()
            .append_pair("updateMask", &patch.update_mask());
        let mut call = Call::get(Api::Amapi, url, &[scopes::AMAPI])
            .about(format!("patch policy {name} ({})", patch.update_mask()));
        call.method = reqwest::Method::PATCH;
        call.body = Some(serde_json::Value::Object(patch.body.clone()));
        self.client.json(call).await
    }

    fn policy_name(&self, policy: &str) -> String {
        if policy.starts_with("enterprises/") {
            policy.to_string()
        } else {
            format!("{}/policies/{policy}", self.enterprise)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_carry_their_mask_and_are_validated() {
        let domains = vec!["example.com".to_string()];
        let cfg = WorkAccountSetupConfig {
            authentication_type: Some("GOOGLE_AUTHENTICATED".into()),
            required_account_email: Some("ann@example.com".into()),
        };
        let p = PolicyPatch::new()
            .work_account_setup_config(cfg.clone(), &domains)
            .unwrap();
        assert_eq!(p.update_mask(), "workAccountSetupConfig");
        let bad = WorkAccountSetupConfig {
            required_account_email: Some("Ann@example.com".into()),
            ..cfg.clone()
        };
        assert!(PolicyPatch::new()
            .work_account_setup_config(bad, &domains)
            .is_err());
        let outside = WorkAccountSetupConfig {
            required_account_email: Some("ann@gmail.com".into()),
            ..cfg
        };
        assert!(PolicyPatch::new()
            .work_account_setup_config(outside, &domains)
            .is_err());
        let rule = |b, w| PolicyEnforcementRule {
            setting_name: Some("workAccountSetupConfig".into()),
            block_action: Some(serde_json::json!({ "blockAfterDays": b })),
            wipe_action: Some(serde_json::json!({ "wipeAfterDays": w })),
        };
        assert!(PolicyPatch::new()
            .policy_enforcement_rules(vec![rule(3, 10)])
            .is_ok());
        assert!(PolicyPatch::new()
            .policy_enforcement_rules(vec![rule(10, 10)])
            .is_err());
    }
}
