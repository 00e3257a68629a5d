//! `orgunits.list?type=all`: the whole OU tree in one answer (no paging in this method).
use serde::Deserialize;

use super::Directory;
use crate::google::client::Call;
use crate::google::pace::Api;
use crate::google::{scopes, Error};
use crate::model::OrgUnit;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrgUnits {
    #[serde(default)]
    organization_units: Vec<OrgUnit>,
}

impl Directory {
    /// Every OU below the root (Google does not list `/` itself).
    pub async fn orgunits(&self) -> Result<Vec<OrgUnit>, Error> {
        let mut url = self.url(&["customer", &self.customer, "orgunits"]);
        url.query_pairs_mut().append_pair("type", "all");
        let call = Call::get(Api::Admin, url, &[scopes::ORGUNIT_READ])
            .about(format!("customer {}", self.customer));
        let r: OrgUnits = self.client.json(call).await?;
        Ok(r.organization_units)
    }
}
