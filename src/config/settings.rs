//! Validated, resolved settings: built once from [`RawConfig`], then passed by reference.
//! Every error names the file, the key and what to do.
use std::path::{Path, PathBuf};
use std::time::Duration;

use thiserror::Error;

use super::profile::{resolve_profile, Profile};
use super::raw::RawConfig;
use super::Paths;

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
            keymap: None,
            confirm_typed_above: 10,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub paths: Paths,
    /// Complete inventory snapshots kept in each profile's database (default 3).
    pub keep_snapshots: usize,
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
        let keep_snapshots = raw.keep_snapshots.unwrap_or(crate::store::KEEP_SNAPSHOTS);
        if !(1..=100).contains(&keep_snapshots) {
            return Err(invalid(
                &file,
                "keep_snapshots",
                format!(
                    "is {keep_snapshots}; use 1 to 100 (a 100k-device snapshot takes about 95 MB)"
                ),
            ));
        }
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
            keep_snapshots,
            ui,
            profile,
            profile_names,
        })
    }

    /// The inventory cache of `profile`: its database and how much of it to keep.
    pub fn cache(&self, profile: &super::Profile) -> crate::listing::Cache {
        crate::listing::Cache {
            database: self.paths.database(&profile.name),
            keep: self.keep_snapshots,
        }
    }

    /// The profile, or an error that tells the user how to get one.
    pub fn require_profile(&self) -> Result<&Profile, ConfigError> {
        self.profile.as_ref().ok_or_else(|| ConfigError::NoProfile {
            path: self.paths.config_file.clone(),
        })
    }
}

pub(super) fn invalid(
    path: &Path,
    key: impl Into<String>,
    problem: impl Into<String>,
) -> ConfigError {
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
    if r.poll_secs.is_some() {
        // The live feed refreshes the inventory now; a value here would silently do nothing.
        return Err(invalid(
            file,
            "ui.poll_secs",
            "is no longer used: the live feed refreshes the inventory; remove it and set profiles.NAME.feed.directory.interval_secs instead",
        ));
    }
    ui.keymap = r.keymap.as_ref().map(|k| base.join(k));
    ui.confirm_typed_above = r.confirm_typed_above.unwrap_or(ui.confirm_typed_above);
    Ok(ui)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::profile::{HttpSettings, GOOGLE_DIRECTORY};

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
        assert_eq!(p.google_sync_query_token, crate::config::SyncToken::Auto);
        assert!(!p.trust_search_index);
        let s = load(
            "[profiles.a]\nsubject = \"x@y\"\nkey_file = \"k\"\n\
             google_sync_query_token = \"google_sync\"\ntrust_search_index = true\n",
        )
        .unwrap();
        let p = s.profile.unwrap();
        assert_eq!(p.google_sync_query_token.explicit(), Some("google_sync"));
        assert!(p.trust_search_index);
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
        assert_eq!(
            p.feed,
            crate::config::FeedSettings::default(),
            "example documents the feed defaults"
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
