//! `domains.list`: the tenant's domains, used to check that an address belongs to it.
use serde::{Deserialize, Serialize};

use super::Directory;
use crate::google::client::Call;
use crate::google::pace::Api;
use crate::google::{scopes, Error};

/// `Domains` in admin.directory_v1.json (the fields offsync uses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Domain {
    #[serde(default)]
    pub domain_name: String,
    #[serde(default)]
    pub is_primary: bool,
    #[serde(default)]
    pub verified: bool,
}

#[derive(Deserialize)]
struct Domains {
    #[serde(default)]
    domains: Vec<Domain>,
}

impl Directory {
    pub async fn domains(&self) -> Result<Vec<Domain>, Error> {
        let url = self.url(&["customer", &self.customer, "domains"]);
        let call = Call::get(Api::Admin, url, &[scopes::DOMAIN_READ])
            .about(format!("customer {}", self.customer));
        let r: Domains = self.client.json(call).await?;
        Ok(r.domains)
    }
}
