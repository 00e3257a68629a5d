//! Where offsync keeps things, from the platform's conventions (XDG on Linux) via
//! `directories`, each overridable so tests and `offsync demo` never touch the real home.
use std::path::PathBuf;

use directories::ProjectDirs;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub config_file: PathBuf,
    pub data_dir: PathBuf,
    pub cache_dir: PathBuf,
    pub log_file: PathBuf,
}

impl Paths {
    /// The platform defaults; falls back to `./.offsync` when no home directory is known
    /// (a bare container), so offsync still runs instead of failing on start-up.
    pub fn platform() -> Paths {
        match ProjectDirs::from("", "", "offsync") {
            Some(p) => Paths {
                config_file: p.config_dir().join("config.toml"),
                data_dir: p.data_dir().to_path_buf(),
                cache_dir: p.cache_dir().to_path_buf(),
                log_file: p.data_dir().join("offsync.log"),
            },
            None => Paths::under(PathBuf::from(".offsync")),
        }
    }

    /// Everything below one directory (tests, demo).
    pub fn under(root: PathBuf) -> Paths {
        Paths {
            config_file: root.join("config.toml"),
            data_dir: root.join("data"),
            cache_dir: root.join("cache"),
            log_file: root.join("offsync.log"),
        }
    }

    /// The SQLite file for one profile's inventory cache and journal.
    pub fn database(&self, profile: &str) -> PathBuf {
        let safe: String = profile
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.data_dir.join(format!("{safe}.sqlite"))
    }
}
