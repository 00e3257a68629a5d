//! `users.list`: 500 users per page. Note Google's `query=orgUnitPath='/Sales'` also returns
//! users of sub-OUs; [`Directory::users_in_ou`] filters client-side for the exact OU.
use futures::stream::{BoxStream, StreamExt};
use serde::Deserialize;

use super::Directory;
use crate::google::client::Call;
use crate::google::pace::Api;
use crate::google::page::{self, Page};
use crate::google::{scopes, Error};
use crate::model::User;

const USER_FIELDS: &str =
    "nextPageToken,users(id,primaryEmail,orgUnitPath,suspended,isAdmin,aliases)";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListPage {
    #[serde(default)]
    users: Vec<User>,
    next_page_token: Option<String>,
}

impl Directory {
    /// `users.get`: one user by primary email or ID (`isAdmin` = super admin).
    pub async fn user(&self, user_key: &str) -> Result<User, Error> {
        let mut url = self.url(&["users", user_key]);
        url.query_pairs_mut()
            .append_pair("projection", "basic")
            .append_pair(
                "fields",
                "id,primaryEmail,orgUnitPath,suspended,isAdmin,aliases",
            );
        let call =
            Call::get(Api::Admin, url, &[scopes::USER_READ]).about(format!("user {user_key}"));
        self.client.json(call).await
    }

    /// One page of `users.list` for the customer, optionally with a user-search `query`.
    pub async fn users_page(
        &self,
        query: Option<&str>,
        max: u32,
        page_token: Option<&str>,
    ) -> Result<Page<User>, Error> {
        self.users_page_sorted(query, None, max, page_token).await
    }

    /// One page of `users.list`; `order` is `Some(descending)` for `orderBy=email`
    /// (primary email, compared ignoring case).
    pub async fn users_page_sorted(
        &self,
        query: Option<&str>,
        order: Option<bool>,
        max: u32,
        page_token: Option<&str>,
    ) -> Result<Page<User>, Error> {
        let mut url = self.url(&["users"]);
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("customer", &self.customer);
            q.append_pair("maxResults", &max.clamp(1, 500).to_string());
            q.append_pair("projection", "basic");
            q.append_pair("fields", USER_FIELDS);
            if let Some(query) = query.filter(|s| !s.is_empty()) {
                q.append_pair("query", query);
            }
            if let Some(desc) = order {
                q.append_pair("orderBy", "email");
                q.append_pair("sortOrder", if desc { "DESCENDING" } else { "ASCENDING" });
            }
            if let Some(t) = page_token {
                q.append_pair("pageToken", t);
            }
        }
        let call = Call::get(Api::Admin, url, &[scopes::USER_READ])
            .about(format!("customer {}", self.customer));
        let p: ListPage = self.client.json(call).await?;
        Ok(Page {
            items: p.users,
            next_page_token: p.next_page_token,
        })
    }

    /// Every user (500 per page), optionally filtered by a Google user-search query.
    pub fn users(&self, query: Option<String>) -> BoxStream<'static, Result<Vec<User>, Error>> {
        let dir = self.clone();
        page::chain("users", move |tok| {
            let (dir, q) = (dir.clone(), query.clone());
            async move { dir.users_page(q.as_deref(), 500, tok.as_deref()).await }
        })
    }

    /// Users whose OU is exactly `ou` (Google's query also returns sub-OUs).
    pub fn users_in_ou(&self, ou: &str) -> BoxStream<'static, Result<Vec<User>, Error>> {
        let exact = ou.to_string();
        let query = format!("orgUnitPath='{}'", ou.replace('\'', "\\'"));
        self.users(Some(query))
            .map(move |page| {
                page.map(|us| {
                    us.into_iter()
                        .filter(|u| u.org_unit_path == exact)
                        .collect()
                })
            })
            .boxed()
    }
}
