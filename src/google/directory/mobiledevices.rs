//! `mobiledevices.list/get/action/delete`. Listing pages hold at most 100 devices; only
//! the fields offsync shows are requested (`fields=`), which roughly halves the bytes.
use futures::stream::BoxStream;
use serde::Deserialize;

use super::Directory;
use crate::google::client::Call;
use crate::google::pace::Api;
use crate::google::page::{self, Page};
use crate::google::{scopes, Error};
use crate::model::{Device, DeviceAction};

/// The `MobileDevice` fields offsync reads (all of `model::Device`).
pub const DEVICE_FIELDS: &str =
    "resourceId,deviceId,email,name,model,os,type,status,firstSync,lastSync,\
userAgent,serialNumber,imei,brand,manufacturer,hardwareId,releaseVersion,encryptionStatus,\
devicePasswordStatus,deviceCompromisedStatus,otherAccountsInfo";

/// Parameters of one `mobiledevices.list` chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceListing {
    /// Google search syntax (already validated, see `model::Query::to_google`).
    pub query: Option<String>,
    /// One of discovery's `orderBy` values (`email`, `lastSync`, …).
    pub order_by: Option<&'static str>,
    pub descending: bool,
    /// 1..=100; 0 means 100.
    pub max_results: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListPage {
    #[serde(default)]
    mobiledevices: Vec<Device>,
    next_page_token: Option<String>,
}

impl Directory {
    /// One page of `mobiledevices.list`.
    pub async fn mobiledevices_page(
        &self,
        l: &DeviceListing,
        page_token: Option<&str>,
    ) -> Result<Page<Device>, Error> {
        let mut url = self.url(&["customer", &self.customer, "devices", "mobile"]);
        {
            let mut q = url.query_pairs_mut();
            let max = if l.max_results == 0 {
                100
            } else {
                l.max_results.min(100)
            };
            q.append_pair("maxResults", &max.to_string());
            q.append_pair("projection", "FULL");
            q.append_pair(
                "fields",
                &format!("nextPageToken,mobiledevices({DEVICE_FIELDS})"),
            );
            if let Some(query) = l.query.as_deref().filter(|s| !s.is_empty()) {
                q.append_pair("query", query);
            }
            if let Some(o) = l.order_by {
                q.append_pair("orderBy", o);
                q.append_pair(
                    "sortOrder",
                    if l.descending {
                        "DESCENDING"
                    } else {
                        "ASCENDING"
                    },
                );
            }
            if let Some(t) = page_token {
                q.append_pair("pageToken", t);
            }
        }
        let call = Call::get(Api::Admin, url, &[scopes::DEVICE_READ])
            .about(format!("customer {}", self.customer));
        let p: ListPage = self.client.json(call).await?;
        Ok(Page {
            items: p.mobiledevices,
            next_page_token: p.next_page_token,
        })
    }

    /// The plain sequential page chain (what GAM does).
    pub fn mobiledevices(
        &self,
        listing: DeviceListing,
    ) -> BoxStream<'static, Result<Vec<Device>, Error>> {
        let dir = self.clone();
        page::chain("mobile devices", move |tok| {
            let (dir, l) = (dir.clone(), listing.clone());
            async move { dir.mobiledevices_page(&l, tok.as_deref()).await }
        })
    }

    pub async fn mobiledevice(&self, resource_id: &str) -> Result<Device, Error> {
        let mut url = self.url(&["customer", &self.customer, "devices", "mobile", resource_id]);
        url.query_pairs_mut().append_pair("projection", "FULL");
        let call = Call::get(Api::Admin, url, &[scopes::DEVICE_READ])
            .about(format!("mobile device {resource_id}"));
        self.client.json(call).await
    }

    /// `mobiledevices.action`, or `mobiledevices.delete` for [`DeviceAction::Delete`].
    pub async fn mobiledevice_action(
        &self,
        resource_id: &str,
        action: DeviceAction,
    ) -> Result<(), Error> {
        let base = ["customer", &self.customer, "devices", "mobile", resource_id];
        let mut call = match action.api_value() {
            Some(value) => {
                let mut segs = base.to_vec();
                segs.push("action");
                let mut c = Call::get(Api::Admin, self.url(&segs), &[scopes::DEVICE_ACTION]);
                c.method = reqwest::Method::POST;
                c.body = Some(serde_json::json!({ "action": value }));
                c
            }
            None => {
                let mut c = Call::get(Api::Admin, self.url(&base), &[scopes::DEVICE_DELETE]);
                c.method = reqwest::Method::DELETE;
                c
            }
        };
        call.what = Some(format!("{} mobile device {resource_id}", action.label()));
        self.client.send(call).await.map(|_| ())
    }
}
