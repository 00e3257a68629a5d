//! Gmail API IMAP settings per user. Calls impersonate *the user* (domain-wide delegation
//! with `sub` = that user, scope `gmail.settings.basic`): an admin token cannot read them.
//! The admin's OU policy overrides what a user sets here.
use serde::{Deserialize, Serialize};
use url::Url;

use super::client::{Call, Client};
use super::pace::Api;
use super::{scopes, Error};

/// `ImapSettings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ImapSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_expunge: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expunge_behavior: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_folder_size: Option<i64>,
}

#[derive(Clone)]
pub struct Gmail {
    client: Client,
    root: Url,
}

impl Gmail {
    pub fn new(client: Client, root: &str) -> Result<Gmail, Error> {
        let root = Url::parse(root)
            .map_err(|e| Error::Invalid(format!("gmail endpoint `{root}`: {e}")))?;
        Ok(Gmail { client, root })
    }

    fn call(&self, user: &str) -> Call {
        let mut u = self.root.clone();
        u.path_segments_mut()
            .expect("http(s)")
            .pop_if_empty()
            .extend(["gmail", "v1", "users", user, "settings", "imap"]);
        let mut c = Call::get(Api::Gmail, u, &[scopes::GMAIL_SETTINGS])
            .about(format!("IMAP settings of {user}"));
        c.subject = Some(user.to_string());
        c
    }

    pub async fn get_imap(&self, user: &str) -> Result<ImapSettings, Error> {
        self.client.json(self.call(user)).await
    }

    pub async fn update_imap(
        &self,
        user: &str,
        settings: &ImapSettings,
    ) -> Result<ImapSettings, Error> {
        let mut c = self.call(user);
        c.method = reqwest::Method::PUT;
        c.body = Some(serde_json::to_value(settings).map_err(|e| Error::Invalid(e.to_string()))?);
        self.client.json(c).await
    }
}
