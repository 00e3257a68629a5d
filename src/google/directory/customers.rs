//! `customers.get`: confirms the configured customer ID exists and names its primary domain.
use serde::{Deserialize, Serialize};

use super::Directory;
use crate::google::client::Call;
use crate::google::pace::Api;
use crate::google::{scopes, Error};

/// `Customer` in admin.directory_v1.json (the fields offsync uses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub customer_domain: String,
}

impl Directory {
    /// The configured customer (`my_customer` means the admin's own).
    pub async fn customer(&self) -> Result<Customer, Error> {
        let url = self.url(&["customers", &self.customer]);
        let call = Call::get(Api::Admin, url, &[scopes::CUSTOMER_READ])
            .about(format!("customer {} (profile customer_id)", self.customer));
        self.client.json(call).await
    }
}
