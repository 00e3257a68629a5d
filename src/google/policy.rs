//! Cloud Identity Policy API v1 (`cloudidentity.v1.json`, super admin only): list/get, and
//! `patch`, which replaces the whole policy (there is no update mask) and returns a
//! long-running [`Operation`]. Google returns only settings *explicitly set* on an OU or
//! group, so a missing policy means "inherited or default: unknown", never "off".
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};
use url::Url;

use super::client::{Call, Client};
use super::pace::Api;
use super::page::{self, Page};
use super::{scopes, Error};

/// `Policy`: a setting bound to an OU or group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CiPolicy {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    #[serde(default)]
    pub policy_query: PolicyQuery,
    #[serde(default)]
    pub setting: Setting,
    /// `SYSTEM` or `ADMIN` (output only).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub policy_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PolicyQuery {
    /// `orgUnits/{id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Setting {
    /// e.g. `settings/gmail.imap_access`.
    #[serde(rename = "type", default)]
    pub setting_type: String,
    #[serde(default)]
    pub value: serde_json::Value,
}

/// A long-running operation (`Operation`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Operation {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub done: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListPage {
    #[serde(default)]
    policies: Vec<CiPolicy>,
    next_page_token: Option<String>,
}

#[derive(Clone)]
pub struct Policy {
    client: Client,
    root: Url,
    customer: String,
}

impl Policy {
    pub fn new(client: Client, root: &str, customer_id: &str) -> Result<Policy, Error> {
        let root = Url::parse(root)
            .map_err(|e| Error::Invalid(format!("cloudidentity endpoint `{root}`: {e}")))?;
        Ok(Policy {
            client,
            root,
            customer: customer_id.to_string(),
        })
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut u = self.root.clone();
        u.path_segments_mut()
            .expect("http(s)")
            .pop_if_empty()
            .push("v1")
            .extend(segments);
        u
    }

    /// One page of `policies.list` with an optional `filter` (e.g.
    /// `setting.type.matches('gmail.imap_access')`).
    pub async fn list_page(
        &self,
        filter: Option<&str>,
        page_token: Option<&str>,
    ) -> Result<Page<CiPolicy>, Error> {
        let mut url = self.url(&["policies"]);
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("pageSize", "100");
            if let Some(f) = filter.filter(|f| !f.is_empty()) {
                q.append_pair("filter", f);
            }
            if let Some(t) = page_token {
                q.append_pair("pageToken", t);
            }
        }
        let call = Call::get(Api::CloudIdentity, url, &[scopes::POLICY_READ])
            .about(format!("customer {}", self.customer));
        let p: ListPage = self.client.json(call).await?;
        Ok(Page {
            items: p.policies,
            next_page_token: p.next_page_token,
        })
    }

    pub fn list(&self, filter: Option<String>) -> BoxStream<'static, Result<Vec<CiPolicy>, Error>> {
        let me = self.clone();
        page::chain("policies", move |tok| {
            let (me, f) = (me.clone(), filter.clone());
            async move { me.list_page(f.as_deref(), tok.as_deref()).await }
        })
    }

    /// `policies.get`; `name` is `policies/{id}`.
    pub async fn get(&self, name: &str) -> Result<CiPolicy, Error> {
        let id = name.strip_prefix("policies/").unwrap_or(name);
        let call = Call::get(
            Api::CloudIdentity,
            self.url(&["policies", id]),
            &[scopes::POLICY_READ],
        )
        .about(format!("policy {name}"));
        self.client.json(call).await
    }

    /// `policies.patch`: replaces the policy's setting. Not every setting type is mutable
    /// (Google answers 400/403 for `api_controls.*`, for example): callers fall back to a
    /// guided manual step on error.
    pub async fn patch(&self, policy: &CiPolicy) -> Result<Operation, Error> {
        let id = policy
            .name
            .strip_prefix("policies/")
            .unwrap_or(&policy.name);
        if id.is_empty() {
            return Err(Error::Invalid(
                "policies.patch needs the policy's name (policies/ID)".into(),
            ));
        }
        let mut call = Call::get(
            Api::CloudIdentity,
            self.url(&["policies", id]),
            &[scopes::POLICY_WRITE],
        )
        .about(format!(
            "patch policy {} ({})",
            policy.name, policy.setting.setting_type
        ));
        call.method = reqwest::Method::PATCH;
        call.body = Some(serde_json::to_value(policy).map_err(|e| Error::Invalid(e.to_string()))?);
        self.client.json(call).await
    }

    /// `policies.create` of `setting` at `orgUnits/{org_unit_id}`. Not idempotent: a retried
    /// create whose first answer was lost gets 409 `ALREADY_EXISTS`; callers read back.
    pub async fn create(
        &self,
        org_unit_id: &str,
        setting_type: &str,
        value: &serde_json::Value,
    ) -> Result<Operation, Error> {
        let id = org_unit_id.strip_prefix("id:").unwrap_or(org_unit_id);
        let body = CiPolicy {
            customer: Some(format!("customers/{}", self.customer)),
            policy_query: PolicyQuery {
                org_unit: Some(format!("orgUnits/{id}")),
                ..PolicyQuery::default()
            },
            setting: Setting {
                setting_type: setting_type.to_string(),
                value: value.clone(),
            },
            ..CiPolicy::default()
        };
        let mut call = Call::get(
            Api::CloudIdentity,
            self.url(&["policies"]),
            &[scopes::POLICY_WRITE],
        )
        .about(format!("create {setting_type} at orgUnits/{id}"));
        call.method = reqwest::Method::POST;
        call.body = Some(serde_json::to_value(&body).map_err(|e| Error::Invalid(e.to_string()))?);
        self.client.json(call).await
    }

    /// `policies.delete`: the OU goes back to inheriting the setting.
    pub async fn delete(&self, name: &str) -> Result<Operation, Error> {
        let id = name.strip_prefix("policies/").unwrap_or(name);
        let mut call = Call::get(
            Api::CloudIdentity,
            self.url(&["policies", id]),
            &[scopes::POLICY_WRITE],
        )
        .about(format!("delete policy {name}"));
        call.method = reqwest::Method::DELETE;
        self.client.json(call).await
    }
}
