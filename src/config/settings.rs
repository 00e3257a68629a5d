//! Validated, resolved settings: built once from [`RawConfig`], then passed by reference.
//! Every error names the file, the key and what to do.
use std::path::{Path, PathBuf};
use std::time::Duration;

use thiserror::Error;

use super::raw::{RawConfig, RawProfile};
use super::Paths;

pub const GOOGLE_DIRECTORY: &str = "https://admin.googleapis.com/";
pub const GOOGLE_CLOUDIDENTITY: &str = "https://cloudidentity.googleapis.com/";
pub const GOOGLE_GMAIL: &str = "https://gmail.googleapis.com/";
pub const GOOGLE_AMAPI: &str = "https://androidmanagement.googleapis.com/";

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}\n  hint: copy config.example.toml there, or pass --config PATH")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config file {path}: {key} {problem}")]
    Invalid {
        path: PathBuf,
        key: String,
        problem: String,
    },
    #[error("config file {path} has no profile `{name}`; profiles there: {known}")]
    NoSuchProfile {
        path: PathBuf,
        name: String,
        known: String,
    },
    #[error("no profile is configured in {path}\n  hint: copy config.example.toml to that path and fill in [profiles.NAME], or try `offsync demo` which needs no configuration")]
    NoProfile { path: PathBuf },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Dark,
    Light,
}

#[derive(Debug, Clone)]
pub struct UiSettings {
    pub theme: Theme,
    pub mouse: bool,
    /// How often the UI animates while something is loading; idle, it never ticks.
    pub tick: Duration,
    /// How often background tasks poll Google for changes.
    pub poll: Duration,
    pub keymap: Option<PathBuf>,
    /// Above this many devices, a confirmation asks the admin to type the count.
    pub confirm_typed_above: usize,
}

impl Default for UiSettings {
    fn default() -> Self {
        UiSettings {
            theme: Theme::Dark,
            mouse: false,
            tick: Duration::from_millis(100),
            poll: Duration::from_secs(300),
            keymap: None,
            confirm_typed_above: 10,
        }
    }
}

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
    pub google_sync_query_token: String,
    pub endpoints: Endpoints,
    pub http: HttpSettings,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub paths: Paths,
    pub ui: UiSettings,
    pub profile: Option<Profile>,
    pub profile_names: Vec<String>,
}

impl Settings {
    /// Loads `path` (or the platform default). A missing default file is not an error
    /// (there is simply no profile); a missing file named with `--config` is.
    pub fn load(
        explicit: Option<&Path>,
        profile: Option<&str>,
        readonly_flag: bool,
    ) -> Result<Settings, ConfigError> {
        let mut paths = Paths::platform();
        if let Some(p) = explicit {
            paths.config_file = p.to_path_buf();
        }
        let text = match std::fs::read_to_string(&paths.config_file) {
            Ok(t) => t,
            Err(e) if explicit.is_none() && e.kind() == std::io::ErrorKind::NotFound => {
                String::new()
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: paths.config_file,
                    source,
                })
            }
        };
        Self::from_str(&text, paths, profile, readonly_flag)
    }

    /// Resolves config text; `paths.config_file` is used for messages and relative paths.
    pub fn from_str(
        text: &str,
        mut paths: Paths,
        profile: Option<&str>,
        readonly_flag: bool,
    ) -> Result<Settings, ConfigError> {
        let file = paths.config_file.clone();
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: file.clone(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
        if let Some(d) = &raw.data_dir {
            paths.data_dir = base.join(d);
        }
        if let Some(l) = &raw.log_file {
            paths.log_file = base.join(l);
        }
        let ui = resolve_ui(&raw, &file, &base)?;
        let profile_names: Vec<String> = raw.profiles.keys().cloned().collect();
        let chosen = profile
            .map(str::to_string)
            .or_else(|| raw.default_profile.clone())
            .or_else(|| (raw.profiles.len() == 1).then(|| profile_names[0].clone()));
        let profile = match chosen {
            None => None,
            Some(name) => {
                let rp = raw
                    .profiles
                    .get(&name)
                    .ok_or_else(|| ConfigError::NoSuchProfile {
                        path: file.clone(),
                        name: name.clone(),
                        known: if profile_names.is_empty() {
                            "(none)".into()
                        } else {
                            profile_names.join(", ")
                        },
                    })?;
                Some(resolve_profile(&name, rp, &file, &base, readonly_flag)?)
            }
        };
        Ok(Settings {
            paths,
            ui,
            profile,
            profile_names,
        })
    }

    /// The profile, or an error that tells the user how to get one.
    pub fn require_profile(&self) -> Result<&Profile, ConfigError> {
        self.profile.as_ref().ok_or_else(|| ConfigError::NoProfile {
            path: self.paths.config_file.clone(),
        })
    }
}

fn invalid(path: &Path, key: impl Into<String>, problem: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        path: path.to_path_buf(),
        key: key.into(),
        problem: problem.into(),
    }
}

fn resolve_ui(raw: &RawConfig, file: &Path, base: &Path) -> Result<UiSettings, ConfigError> {
    let mut ui = UiSettings::default();
    let r = &raw.ui;
    if let Some(t) = &r.theme {
        ui.theme = match t.as_str() {
            "dark" => Theme::Dark,
            "light" => Theme::Light,
            other => {
                return Err(invalid(
                    file,
                    "ui.theme",
                    format!("is `{other}`; use \"dark\" or \"light\""),
                ))
            }
        };
    }
    ui.mouse = r.mouse.unwrap_or(ui.mouse);
    if let Some(ms) = r.tick_ms {
        if !(10..=5000).contains(&ms) {
            return Err(invalid(
                file,
                "ui.tick_ms",
                format!("is {ms}; use 10 to 5000"),
            ));
        }
        ui.tick = Duration::from_millis(ms);
    }
    if let Some(s) = r.poll_secs {
        if s < 10 {
            return Err(invalid(
                file,
                "ui.poll_secs",
                format!("is {s}; polling faster than every 10 s only burns quota"),
            ));
        }
        ui.poll = Duration::from_secs(s);
    }
    ui.keymap = r.keymap.as_ref().map(|k| base.join(k));
    ui.confirm_typed_above = r.confirm_typed_above.unwrap_or(ui.confirm_typed_above);
    Ok(ui)
}

fn resolve_profile(
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
        .unwrap_or_else(|| "googlesync".into());
    if token.is_empty() || token.contains(char::is_whitespace) || token.contains(':') {
        return Err(invalid(
            file,
            key("google_sync_query_token"),
            format!("is `{token}`; use googlesync or google_sync"),
        ));
    }
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
        endpoints,
        http,
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
            google_sync_query_token: "googlesync".into(),
            endpoints: Endpoints {
                directory: root.clone(),
                reports: root.clone(),
                cloudidentity: root.clone(),
                gmail: root.clone(),
                androidmanagement: root,
                enterprise,
            },
            http: HttpSettings::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Settings, ConfigError> {
        Settings::from_str(text, Paths::under("/cfg".into()), None, false)
    }

    #[test]
    fn minimal_profile_resolves_with_defaults() {
        let s =
            load("[profiles.acme]\nsubject = \"admin@acme.com\"\nkey_file = \"k.json\"\n").unwrap();
        let p = s.profile.unwrap();
        assert_eq!(p.customer_id, "my_customer");
        assert_eq!(p.key_file, PathBuf::from("/cfg/k.json"));
        assert_eq!(p.endpoints.directory, GOOGLE_DIRECTORY);
        assert_eq!(p.http.directory_requests_per_minute, 2400);
        assert!(!p.readonly);
    }

    #[test]
    fn the_example_config_is_valid_and_complete() {
        let s = load(include_str!("../../config.example.toml")).unwrap();
        let p = s.profile.expect("example has a default profile");
        assert_eq!(p.name, "acme");
        assert_eq!(
            p.http,
            HttpSettings::default(),
            "example documents the defaults"
        );
    }

    #[test]
    fn typos_and_bad_values_name_the_key() {
        let e = load("[profiles.a]\nsubjct = \"x@y\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("subjct"), "{e}");
        let e = load("[profiles.a]\nsubject = \"x@y\"\nkey_file = \"k\"\n[profiles.a.http]\nconcurrency = 0\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("profiles.a.http.concurrency"), "{e}");
        let e = load("default_profile = \"b\"\n[profiles.a]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no profile `b`") && e.contains("a"), "{e}");
    }
}
