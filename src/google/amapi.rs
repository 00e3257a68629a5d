//! Android Management API: the customer's existing enterprise (Google restricts the API to EMM
//! providers; offsync reads and changes an enterprise the customer already has), its devices
//! and its policies' account-upgrade fields.
//!
//! `policies.patch` without `updateMask` overwrites every field of the policy, so a patch is a
//! [`PolicyPatch`] that carries its mask, and an empty one is refused unsent. What a patch may
//! contain is decided (and validated) in `migration::android`, not here.
use futures::stream::BoxStream;
use serde::Deserialize;
use url::Url;

use super::client::{Call, Client};
use super::pace::Api;
use super::page::{self, Page};
use super::{scopes, Error};
pub use crate::model::android::{
    AndroidDevice as AmapiDevice, AndroidEnterprise, AndroidPolicy as AmapiPolicy, BlockAction,
    NonComplianceDetail, PolicyEnforcementRule, PolicyPatch, WipeAction, WorkAccountSetupConfig,
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DevicePage {
    #[serde(default)]
    devices: Vec<AmapiDevice>,
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PolicyPage {
    #[serde(default)]
    policies: Vec<AmapiPolicy>,
    next_page_token: Option<String>,
}

/// Whose token the calls carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// The domain-wide delegation key; the token's `sub` is this admin.
    Delegated { client_email: String, admin: String },
    /// A separate (EMM) service-account key; the token has no `sub`.
    ServiceAccount { client_email: String },
}

impl std::fmt::Display for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Delegated {
                client_email,
                admin,
            } => write!(
                f,
                "domain-wide delegation key {client_email}; the token carries sub = {admin}"
            ),
            Credential::ServiceAccount { client_email } => write!(
                f,
                "service-account key {client_email}; the token carries no sub (the service account itself)"
            ),
        }
    }
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

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn credential(&self) -> Credential {
        let client_email = self.client.key_info().client_email.clone();
        match self.client.subject() {
            "" => Credential::ServiceAccount { client_email },
            admin => Credential::Delegated {
                client_email,
                admin: admin.to_string(),
            },
        }
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

    fn call(&self, url: Url, what: String) -> Call {
        Call::get(Api::Amapi, url, &[scopes::AMAPI]).about(what)
    }

    /// `enterprises.get`: its type says whether accounts can be upgraded at all.
    pub async fn get_enterprise(&self) -> Result<AndroidEnterprise, Error> {
        let call = self.call(
            self.url(&self.enterprise),
            format!("enterprise {}", self.enterprise),
        );
        self.client.json(call).await
    }

    /// `enterprises.generateEnterpriseUpgradeUrl`: where the admin turns a managed Google Play
    /// accounts enterprise into a managed Google domain one (needed before any upgrade).
    pub async fn generate_enterprise_upgrade_url(
        &self,
        admin_email: Option<&str>,
        allowed_domains: &[String],
    ) -> Result<String, Error> {
        let mut url = self.url(&self.enterprise);
        let last = format!(
            "{}:generateEnterpriseUpgradeUrl",
            self.enterprise.rsplit('/').next().unwrap_or_default()
        );
        url.path_segments_mut().expect("http(s)").pop().push(&last);
        let mut body = serde_json::json!({});
        if let Some(a) = admin_email {
            body["adminEmail"] = a.into();
        }
        if !allowed_domains.is_empty() {
            body["allowedDomains"] = allowed_domains.into();
        }
        let mut call = self.call(url, format!("upgrade URL for {}", self.enterprise));
        call.method = reqwest::Method::POST;
        call.body = Some(body);
        let v: serde_json::Value = self.client.json(call).await?;
        v["url"].as_str().map(str::to_string).ok_or_else(|| {
            Error::Invalid("generateEnterpriseUpgradeUrl answered without a url".into())
        })
    }

    pub async fn devices_page(
        &self,
        page_size: u32,
        page_token: Option<&str>,
    ) -> Result<Page<AmapiDevice>, Error> {
        let mut url = self.url(&format!("{}/devices", self.enterprise));
        page_query(&mut url, page_size, page_token);
        let call = self.call(url, format!("enterprise {}", self.enterprise));
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

    pub async fn policies_page(
        &self,
        page_size: u32,
        page_token: Option<&str>,
    ) -> Result<Page<AmapiPolicy>, Error> {
        let mut url = self.url(&format!("{}/policies", self.enterprise));
        page_query(&mut url, page_size, page_token);
        let call = self.call(url, format!("policies of {}", self.enterprise));
        let p: PolicyPage = self.client.json(call).await?;
        Ok(Page {
            items: p.policies,
            next_page_token: p.next_page_token,
        })
    }

    /// Every policy of the enterprise (`policies.list`, paged).
    pub fn policies(&self) -> BoxStream<'static, Result<Vec<AmapiPolicy>, Error>> {
        let me = self.clone();
        page::chain("Android policies", move |tok| {
            let me = me.clone();
            async move { me.policies_page(100, tok.as_deref()).await }
        })
    }

    /// `policies.get`; `policy` is a full name or the policy ID.
    pub async fn policy(&self, policy: &str) -> Result<AmapiPolicy, Error> {
        let name = self.policy_name(policy);
        let call = self.call(self.url(&name), format!("policy {name}"));
        self.client.json(call).await
    }

    /// `policies.patch` with the patch's `updateMask`; an empty patch is refused unsent.
    pub async fn patch_policy(
        &self,
        policy: &str,
        patch: &PolicyPatch,
    ) -> Result<AmapiPolicy, Error> {
        if patch.is_empty() {
            return Err(Error::Invalid(
                "refusing an empty policy patch: without updateMask Google would reset every field"
                    .into(),
            ));
        }
        let name = self.policy_name(policy);
        let mut url = self.url(&name);
        url.query_pairs_mut()
            .append_pair("updateMask", &patch.update_mask());
        let mut call = self.call(
            url,
            format!("patch policy {name} ({})", patch.update_mask()),
        );
        call.method = reqwest::Method::PATCH;
        call.body = Some(patch.body());
        self.client.json(call).await
    }

    pub fn policy_name(&self, policy: &str) -> String {
        if policy.starts_with("enterprises/") {
            policy.to_string()
        } else {
            format!("{}/policies/{policy}", self.enterprise)
        }
    }
}

fn page_query(url: &mut Url, page_size: u32, page_token: Option<&str>) {
    let mut q = url.query_pairs_mut();
    q.append_pair("pageSize", &page_size.clamp(1, 100).to_string());
    if let Some(t) = page_token {
        q.append_pair("pageToken", t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_custom_verb_keeps_its_colon_unescaped() {
        // Google's `{+name}:generateEnterpriseUpgradeUrl` needs a literal `:` in the path.
        let mut u =
            Url::parse("https://androidmanagement.googleapis.com/v1/enterprises/LC1").unwrap();
        u.path_segments_mut()
            .unwrap()
            .pop()
            .push("LC1:generateEnterpriseUpgradeUrl");
        assert_eq!(
            u.as_str(),
            "https://androidmanagement.googleapis.com/v1/enterprises/LC1:generateEnterpriseUpgradeUrl"
        );
    }

    #[test]
    fn patches_carry_exactly_their_mask() {
        let cfg = WorkAccountSetupConfig {
            authentication_type: Some("GOOGLE_AUTHENTICATED".into()),
            required_account_email: Some("ann@example.com".into()),
        };
        let p = PolicyPatch::new().work_account_setup_config(&cfg);
        assert_eq!(p.update_mask(), "workAccountSetupConfig");
        let p = p
            .policy_enforcement_rules(&[])
            .work_account_setup_config(&cfg);
        assert_eq!(
            p.update_mask(),
            "workAccountSetupConfig,policyEnforcementRules"
        );
        assert_eq!(p.body()["policyEnforcementRules"], serde_json::json!([]));
        assert!(PolicyPatch::new().is_empty());
        let back = PolicyPatch::from_parts(&p.update_mask(), &p.body()).unwrap();
        assert_eq!(back, p);
        assert_eq!(PolicyPatch::from_parts("applications", &p.body()), None);
        assert_eq!(PolicyPatch::from_parts("", &p.body()), None);
    }
}
