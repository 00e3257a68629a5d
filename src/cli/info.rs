//! `offsync info`: every path offsync uses and the active profile, like `k9s info`, so a
//! user can find the config to edit, the log to attach to a bug report, or the database
//! to move aside. Works with no config file at all; it never contacts Google.
use std::io::Write;
use std::path::Path;

use super::GlobalArgs;
use crate::config::{Paths, Settings, UiSettings};

#[derive(Debug, Clone, Default, clap::Args)]
pub struct InfoArgs {}

pub async fn run(g: &GlobalArgs, _args: InfoArgs) -> color_eyre::Result<()> {
    let mut out = std::io::stdout().lock();
    match g.settings() {
        Ok(settings) => write_info(&mut out, &settings)?,
        Err(e) => {
            // A broken config is when the paths matter most: show them, then the error.
            let mut paths = Paths::platform();
            if let Some(c) = &g.config {
                paths.config_file = c.clone();
            }
            let bare = Settings {
                paths,
                keep_snapshots: crate::store::KEEP_SNAPSHOTS,
                ui: UiSettings::default(),
                profile: None,
                profile_names: Vec::new(),
            };
            write_info(&mut out, &bare)?;
            out.flush()?;
            return Err(e.into());
        }
    }
    Ok(())
}

/// The report, separate from `run` so it can be tested without a process.
pub fn write_info(w: &mut impl Write, s: &Settings) -> std::io::Result<()> {
    let p = &s.paths;
    let row = |w: &mut dyn Write, label: &str, value: String| writeln!(w, "{label:<14} {value}");
    row(
        w,
        "config file",
        with_state(&p.config_file, "not found: built-in defaults, no profile"),
    )?;
    row(w, "data dir", p.data_dir.display().to_string())?;
    match &s.profile {
        Some(profile) => {
            let db = p.database(&profile.name);
            row(w, "database", with_state(&db, "not created yet"))?;
            if let Some(bytes) = crate::store::disk_use(&db) {
                row(
                    w,
                    "disk use",
                    format!(
                        "{} (database with its cache and journal; keeps {} complete snapshots)",
                        human_bytes(bytes),
                        s.keep_snapshots
                    ),
                )?;
            }
        }
        None => row(w, "database", "(no profile)".into())?,
    }
    row(w, "cache dir", p.cache_dir.display().to_string())?;
    row(w, "log file", p.log_file.display().to_string())?;
    let active = match &s.profile {
        Some(pr) if pr.readonly => format!("{} (read-only)", pr.name),
        Some(pr) => pr.name.clone(),
        None => "(none)".into(),
    };
    row(w, "profile", active)?;
    let names = if s.profile_names.is_empty() {
        "(none)".to_string()
    } else {
        s.profile_names.join(", ")
    };
    row(w, "profiles", names)?;
    if let Some(pr) = &s.profile {
        row(w, "subject", pr.subject.clone())?;
        row(w, "key file", with_state(&pr.key_file, "not found"))?;
    }
    Ok(())
}

/// "812 KB", "95.3 MB", "1.9 GB" (decimal units, like `ls -h --si` and disk vendors).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut v = n as f64;
    let mut unit = "B";
    for u in UNITS {
        if v < 1000.0 {
            break;
        }
        v /= 1000.0;
        unit = u;
    }
    if v < 10.0 {
        format!("{v:.1} {unit}")
    } else {
        format!("{v:.0} {unit}")
    }
}

fn with_state(path: &Path, missing: &str) -> String {
    if path.exists() {
        path.display().to_string()
    } else {
        format!("{} ({missing})", path.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn works_without_a_config_file() {
        let s = Settings::from_str("", Paths::under("/nonexistent/offsync".into()), None, false)
            .unwrap();
        let mut out = Vec::new();
        write_info(&mut out, &s).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("/nonexistent/offsync/config.toml (not found"),
            "{text}"
        );
        assert!(text.contains("profile        (none)"), "{text}");
    }

    #[test]
    fn disk_use_of_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = "[profiles.p]\nsubject = \"a@b.example\"\nkey_file = \"k.json\"\n";
        let s =
            Settings::from_str(cfg, Paths::under(dir.path().to_path_buf()), None, false).unwrap();
        let mut out = Vec::new();
        write_info(&mut out, &s).unwrap();
        assert!(!String::from_utf8(out).unwrap().contains("disk use"));
        let mut store = crate::store::Store::open(&s.paths.database("p")).unwrap();
        store
            .save_inventory(&crate::model::Inventory::default())
            .unwrap();
        let mut out = Vec::new();
        write_info(&mut out, &s).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("disk use") && text.contains("KB") && text.contains("keeps 3"),
            "{text}"
        );
        assert_eq!(human_bytes(95_300_000), "95 MB");
        assert_eq!(human_bytes(1_900_000_000), "1.9 GB");
        assert_eq!(human_bytes(512), "512 B");
    }
}
