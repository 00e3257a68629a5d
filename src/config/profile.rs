//! A resolved profile: one tenant's credentials, API endpoints and HTTP behaviour,
//! validated from `[profiles.NAME]` in the config file.
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::raw::RawProfile;
use super::settings::{invalid, ConfigError};

pub const GOOGLE_DIRECTORY: &str = "https://admin.googleapis.com/";
pub const GOOGLE_CLOUDIDENTITY: &str = "https://cloudidentity.googleapis.com/";
pub const GOOGLE_GMAIL: &str = "https://gmail.googleapis.com/";
pub const GOOGLE_AMAPI: &str = "https://androidmanagement.googleapis.com/";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Root URLs (ending in `/`); each client appends its API's service path.
    pub directory: String,
    pub reports: String,
    pub cloudidentity: String,
    pub gmail: String,
    pub androidmanagement: String,
    pub enterprise: Option<String>,
}

impl Default for Endpoints {
    fn default() -> Self {
        Endpoints {
            directory: GOOGLE_DIRECTORY.into(),
            reports: GOOGLE_DIRECTORY.into(),
            cloudidentity: GOOGLE_CLOUDIDENTITY.into(),
            gmail: GOOGLE_GMAIL.into(),
            androidmanagement: GOOGLE_AMAPI.into(),
            enterprise: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpSettings {
    pub timeout: Duration,
    pub max_tries: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Page chains / requests in flight at once per listing.
    pub concurrency: usize,
    /// Client-side pacing for the Admin SDK: Google's default per-user quota is 2,400/min.
    pub directory_requests_per_minute: u32,
    /// Android Management API: 1,000 queries per 100 s per project.
    pub amapi_requests_per_100s: u32,
    pub partitioned_listing: bool,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            timeout: Duration::from_secs(30),
            max_tries: 8,
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(32),
            concurrency: 8,
            directory_requests_per_minute: 2400,
            amapi_requests_per_100s: 1000,
            partitioned_listing: true,
        }
    }
}

/// How offsync writes the Google Sync type in queries sent to Google. Google does not
/// document the token (GAM uses `googlesync`; `google_sync` is as plausible).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncToken {
    /// Find out which spelling the tenant accepts (a spelling counts only when it returns
    /// Google Sync devices and nothing else); with none proven, filter a full listing
    /// client-side.
    Auto,
    /// The configured spelling, used as is.
    Explicit(String),
}

impl SyncToken {
    pub fn explicit(&self) -> Option<&str> {
        match self {
            SyncToken::Auto => None,
            SyncToken::Explicit(t) => Some(t),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub customer_id: String,
    /// The admin that domain-wide delegation impersonates.
    pub subject: String,
    pub key_file: PathBuf,
    pub domains: Vec<String>,
    pub readonly: bool,
    /// How `type:` is written for Google Sync in queries sent to Google (unverified:
    /// GAM documents `googlesync`; offsync also filters client-side on `GOOGLE_SYNC`).
    pub google_sync_query_token: SyncToken,
    /// The admin accepts the search index's lag: `offsync devices` prints the index-only
    /// (query-built) listing by default instead of the confirmed one.
    pub trust_search_index: bool,
    pub endpoints: Endpoints,
    pub http: HttpSettings,
    pub migration: super::migration::MigrationSettings,
    /// `android.key_file`: a separate key for the Android Management API, used without `sub`.
    /// `None` = the domain-wide delegation key, impersonating `subject`.
    pub android_key_file: Option<PathBuf>,
    pub feed: super::FeedSettings,
}

impl Profile {
    /// A profile pointing every API at one simulator root URL (`offsync demo`, tests).
    pub fn for_simulator(
        base_url: &str,
        key_file: PathBuf,
        subject: &str,
        domains: Vec<String>,
        enterprise: Option<String>,
    ) -> Profile {
        let root = if base_url.ends_with('/') {
            base_url.to_string()
        } else {
            format!("{base_url}/")
        };
        Profile {
            name: "demo".into(),
            customer_id: "my_customer".into(),
            subject: subject.into(),
            key_file,
            domains,
            readonly: false,
            google_sync_query_token: SyncToken::Auto,
            trust_search_index: false,
            endpoints: Endpoints {
                directory: root.clone(),
                reports: root.clone(),
                cloudidentity: root.clone(),
                gmail: root.clone(),
                androidmanagement: root,
                enterprise,
            },
            http: HttpSettings::default(),
            migration: Default::default(),
            android_key_file: None,
            feed: super::FeedSettings::default(),
        }
    }
}

pub(super) fn resolve_profile(
    name: &str,
    rp: &RawProfile,
    file: &Path,
    base: &Path,
    readonly_flag: bool,
) -> Result<Profile, ConfigError> {
    let key = |k: &str| format!("profiles.{name}.{k}");
    let subject = rp.subject.clone().ok_or_else(|| {
        invalid(
            file,
            key("subject"),
            "is missing; set it to the admin email that domain-wide delegation impersonates",
        )
    })?;
    if !subject.contains('@') {
        return Err(invalid(
            file,
            key("subject"),
            format!("is `{subject}`, not an email address"),
        ));
    }
    let key_file = rp.key_file.as_ref().map(|k| base.join(k)).ok_or_else(|| {
        invalid(
            file,
            key("key_file"),
            "is missing; set it to the path of the service-account JSON key",
        )
    })?;
    let mut endpoints = Endpoints::default();
    let e = &rp.endpoints;
    for (k, v, slot) in [
        ("directory", &e.directory, &mut endpoints.directory),
        ("reports", &e.reports, &mut endpoints.reports),
        (
            "cloudidentity",
            &e.cloudidentity,
            &mut endpoints.cloudidentity,
        ),
        ("gmail", &e.gmail, &mut endpoints.gmail),
        (
            "androidmanagement",
            &e.androidmanagement,
            &mut endpoints.androidmanagement,
        ),
    ] {
        if let Some(v) = v {
            *slot = root_url(v).map_err(|p| invalid(file, key(&format!("endpoints.{k}")), p))?;
        }
    }
    if let Some(ent) = &e.enterprise {
        if !ent.starts_with("enterprises/") {
            return Err(invalid(
                file,
                key("endpoints.enterprise"),
                format!("is `{ent}`; expected `enterprises/ID`"),
            ));
        }
        endpoints.enterprise = Some(ent.clone());
    }
    let mut http = HttpSettings::default();
    let h = &rp.http;
    if let Some(s) = h.timeout_secs {
        if s == 0 {
            return Err(invalid(
                file,
                key("http.timeout_secs"),
                "is 0; use at least 1",
            ));
        }
        http.timeout = Duration::from_secs(s);
    }
    if let Some(t) = h.max_tries {
        if t == 0 {
            return Err(invalid(
                file,
                key("http.max_tries"),
                "is 0; use at least 1 (1 = no retries)",
            ));
        }
        http.max_tries = t;
    }
    if let Some(ms) = h.backoff_base_ms {
        http.backoff_base = Duration::from_millis(ms);
    }
    if let Some(ms) = h.backoff_max_ms {
        http.backoff_max = Duration::from_millis(ms);
    }
    if let Some(c) = h.concurrency {
        if !(1..=64).contains(&c) {
            return Err(invalid(
                file,
                key("http.concurrency"),
                format!("is {c}; use 1 to 64"),
            ));
        }
        http.concurrency = c;
    }
    if let Some(q) = h.directory_requests_per_minute {
        if q == 0 {
            return Err(invalid(
                file,
                key("http.directory_requests_per_minute"),
                "is 0; use Google's quota (default 2400)",
            ));
        }
        http.directory_requests_per_minute = q;
    }
    if let Some(q) = h.amapi_requests_per_100s {
        if q == 0 {
            return Err(invalid(
                file,
                key("http.amapi_requests_per_100s"),
                "is 0; use 1000 (Google's default)",
            ));
        }
        http.amapi_requests_per_100s = q;
    }
    http.partitioned_listing = h.partitioned_listing.unwrap_or(http.partitioned_listing);
    let token = rp
        .google_sync_query_token
        .clone()
        .unwrap_or_else(|| "auto".into());
    if token.is_empty() || token.contains(char::is_whitespace) || token.contains(':') {
        return Err(invalid(
            file,
            key("google_sync_query_token"),
            format!("is `{token}`; use auto (the default), googlesync or google_sync"),
        ));
    }
    let token = if token == "auto" {
        SyncToken::Auto
    } else {
        SyncToken::Explicit(token)
    };
    Ok(Profile {
        name: name.to_string(),
        customer_id: rp
            .customer_id
            .clone()
            .unwrap_or_else(|| "my_customer".into()),
        subject,
        key_file,
        domains: rp.domains.clone(),
        readonly: readonly_flag || rp.readonly.unwrap_or(false),
        google_sync_query_token: token,
        trust_search_index: rp.trust_search_index.unwrap_or(false),
        endpoints,
        http,
        migration: super::migration::resolve(name, &rp.migration, file)?,
        android_key_file: rp.android.key_file.as_ref().map(|k| base.join(k)),
        feed: super::feed::resolve(&rp.feed, file, &key)?,
    })
}

/// Validates a root URL and makes it end in `/` so service paths append cleanly.
fn root_url(v: &str) -> Result<String, String> {
    let u = url::Url::parse(v).map_err(|e| format!("is `{v}`, not a URL ({e})"))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(format!("is `{v}`; use an http:// or https:// URL"));
    }
    let mut s = u.to_string();
    if !s.ends_with('/') {
        s.push('/');
    }
    Ok(s)
}
