//! Admin SDK Reports API: Gmail usage per user (last IMAP / webmail use; the last 30 days
//! only, lagging by days) and admin audit events (console changes such as `IMAP_ACCESS`).
//! Google Sync itself produces no audit events.
use chrono::NaiveDate;
use futures::stream::BoxStream;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use url::Url;

use super::client::{Call, Client};
use super::pace::Api;
use super::page::{self, Page};
use super::{scopes, Error};

/// The Gmail usage parameters offsync reads.
pub const GMAIL_USAGE_PARAMETERS: &str =
    "gmail:timestamp_last_imap,gmail:timestamp_last_webmail,gmail:timestamp_last_interaction";

/// `UsageReport` (the fields offsync uses).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct UsageReport {
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub entity: serde_json::Value,
    #[serde(default)]
    pub parameters: Vec<UsageParameter>,
}

impl UsageReport {
    pub fn user_email(&self) -> Option<&str> {
        self.entity["userEmail"].as_str()
    }

    /// A `datetimeValue` parameter, e.g. `gmail:timestamp_last_imap`.
    pub fn datetime(&self, name: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        self.parameters
            .iter()
            .find(|p| p.name == name)?
            .datetime_value
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct UsageParameter {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datetime_value: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub int_value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string_value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bool_value: Option<bool>,
}

/// `Activity` (the fields offsync uses; parameters kept as JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    #[serde(default)]
    pub id: serde_json::Value,
    #[serde(default)]
    pub actor: serde_json::Value,
    #[serde(default)]
    pub events: Vec<ActivityEvent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ActivityEvent {
    #[serde(rename = "type", default)]
    pub event_type: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub parameters: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UsagePage {
    #[serde(default)]
    usage_reports: Vec<UsageReport>,
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ActivityPage {
    #[serde(default)]
    items: Vec<Activity>,
    next_page_token: Option<String>,
}

#[derive(Clone)]
pub struct Reports {
    client: Client,
    root: Url,
}

impl Reports {
    pub fn new(client: Client, root: &str) -> Result<Reports, Error> {
        let root = Url::parse(root)
            .map_err(|e| Error::Invalid(format!("reports endpoint `{root}`: {e}")))?;
        Ok(Reports { client, root })
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut u = self.root.clone();
        u.path_segments_mut()
            .expect("http(s)")
            .pop_if_empty()
            .extend(["admin", "reports", "v1"])
            .extend(segments);
        u
    }

    /// Gmail usage for every user (`userKey=all`) on `date` (YYYY-MM-DD).
    pub fn gmail_usage(&self, date: &str) -> BoxStream<'static, Result<Vec<UsageReport>, Error>> {
        let (me, date) = (self.clone(), date.to_string());
        page::chain("usage reports", move |tok| {
            let (me, date) = (me.clone(), date.clone());
            async move {
                let mut url = me.url(&["usage", "users", "all", "dates", &date]);
                {
                    let mut q = url.query_pairs_mut();
                    q.append_pair("parameters", GMAIL_USAGE_PARAMETERS);
                    q.append_pair("maxResults", "1000");
                    if let Some(t) = &tok {
                        q.append_pair("pageToken", t);
                    }
                }
                let call = Call::get(Api::Admin, url, &[scopes::REPORTS_USAGE])
                    .about(format!("usage report {date}"));
                let p: UsagePage = me.client.json(call).await?;
                Ok(Page {
                    items: p.usage_reports,
                    next_page_token: p.next_page_token,
                })
            }
        })
    }

    /// The first page of Gmail usage for the newest day that has data, starting at `want`.
    ///
    /// Usage data lags by a variable number of days, and Google names the newest day it has
    /// ("Data for dates later than D is not yet available"): step back to D rather than guess
    /// the lag from this machine's date. Returns the day actually read.
    pub async fn gmail_usage_latest(
        &self,
        want: NaiveDate,
    ) -> Result<(NaiveDate, Vec<UsageReport>), Error> {
        let mut day = want;
        // Twice at most: the named day can itself cross midnight on the server once.
        for _ in 0..3 {
            let date = day.format("%Y-%m-%d").to_string();
            match self.gmail_usage(&date).next().await {
                None => return Ok((day, Vec::new())),
                Some(Ok(page)) => return Ok((day, page)),
                Some(Err(e)) => match not_yet_available(&e) {
                    Some(latest) if latest < day => day = latest,
                    _ => return Err(e),
                },
            }
        }
        Err(Error::Invalid(format!(
            "the usage report kept moving its newest day (last asked for {day})"
        )))
    }

    /// Admin console audit events, optionally one `event_name` (e.g. `CHANGE_APPLICATION_SETTING`)
    /// since `start_time` (RFC 3339).
    pub fn admin_activities(
        &self,
        event_name: Option<String>,
        start_time: Option<String>,
    ) -> BoxStream<'static, Result<Vec<Activity>, Error>> {
        let me = self.clone();
        page::chain("admin activities", move |tok| {
            let (me, ev, start) = (me.clone(), event_name.clone(), start_time.clone());
            async move {
                let mut url = me.url(&["activity", "users", "all", "applications", "admin"]);
                {
                    let mut q = url.query_pairs_mut();
                    q.append_pair("maxResults", "1000");
                    if let Some(e) = &ev {
                        q.append_pair("eventName", e);
                    }
                    if let Some(s) = &start {
                        q.append_pair("startTime", s);
                    }
                    if let Some(t) = &tok {
                        q.append_pair("pageToken", t);
                    }
                }
                let call = Call::get(Api::Admin, url, &[scopes::REPORTS_AUDIT]);
                let p: ActivityPage = me.client.json(call).await?;
                Ok(Page {
                    items: p.items,
                    next_page_token: p.next_page_token,
                })
            }
        })
    }
}

/// The newest day named by Google's 400 "Data for dates later than D is not yet available".
pub fn not_yet_available(e: &Error) -> Option<NaiveDate> {
    if let Error::Listing { source, .. } = e {
        return not_yet_available(source);
    }
    let Error::Api {
        status: 400,
        message,
        ..
    } = e
    else {
        return None;
    };
    let rest = message.split("later than ").nth(1)?;
    NaiveDate::parse_from_str(rest.get(..10)?, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, message: &str) -> Error {
        Error::Api {
            status,
            reason: Some("invalid".into()),
            message: message.into(),
            request: "GET /x".into(),
            tries: 1,
            hint: None,
        }
    }

    #[test]
    fn reads_the_newest_day_google_names() {
        let e = api(
            400,
            "Data for dates later than 2031-02-27 is not yet available. Please check back later",
        );
        assert_eq!(not_yet_available(&e), NaiveDate::from_ymd_opt(2031, 2, 27));
        assert_eq!(not_yet_available(&api(400, "Invalid value 'x'")), None);
        assert_eq!(not_yet_available(&api(500, "later than 2031-02-27")), None);
    }
}
