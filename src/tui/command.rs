//! The `:` command line: parsing into [`Command`] values and Tab completion. Pure
//! functions over strings; the state decides what a command does.
use std::path::PathBuf;

use crate::model::{DeviceStatus, DeviceType, OuPath};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Quit,
    Refresh,
    Help,
    /// `:devices type=… ou=… status=…`: sets exactly these filters (absent = any).
    Devices {
        device_type: Option<DeviceType>,
        status: Option<DeviceStatus>,
        ou: Option<String>,
    },
    Export {
        format: ExportKind,
        path: PathBuf,
    },
    Profile(String),
    /// `:resume N`: send what interrupted batch N provably did not apply.
    Resume(i64),
    /// `:abandon N`: close interrupted batch N without sending the rest.
    Abandon(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// CSV with formula-like cells neutralised (the safe default).
    Csv,
    /// CSV with every value exactly as Google returned it, for scripts.
    CsvRaw,
    Json,
}

pub const COMMANDS: [&str; 9] = [
    "devices", "export", "profile", "refresh", "resume", "abandon", "help", "quit", "q",
];
const TYPES: [&str; 5] = ["google_sync", "ios_sync", "android", "all", "unknown"];
const STATUSES: [&str; 10] = [
    "approved",
    "blocked",
    "pending",
    "unprovisioned",
    "wiping",
    "wiped",
    "account_wiping",
    "account_wiped",
    "unknown",
    "any",
];

pub fn parse(line: &str) -> Result<Command, String> {
    let mut words = line.split_whitespace();
    let Some(cmd) = words.next() else {
        return Err("empty command; try :devices, :export, :profile, :q".into());
    };
    let rest: Vec<&str> = words.collect();
    match cmd {
        "q" | "quit" | "q!" => Ok(Command::Quit),
        "refresh" => Ok(Command::Refresh),
        "help" => Ok(Command::Help),
        "devices" => parse_devices(&rest),
        "export" => match rest.as_slice() {
            [fmt, path] => {
                let format = match *fmt {
                    "csv" => ExportKind::Csv,
                    "csv-raw" => ExportKind::CsvRaw,
                    "json" => ExportKind::Json,
                    other => {
                        return Err(format!(
                            "unknown export format `{other}`; use csv, csv-raw or json"
                        ))
                    }
                };
                Ok(Command::Export {
                    format,
                    path: expand_home(path),
                })
            }
            _ => Err("usage: :export csv|csv-raw|json PATH".into()),
        },
        "resume" | "abandon" => match rest.as_slice() {
            [n] => match n.parse::<i64>() {
                Ok(id) if cmd == "resume" => Ok(Command::Resume(id)),
                Ok(id) => Ok(Command::Abandon(id)),
                Err(_) => Err(format!("`{n}` is not a batch number; usage: :{cmd} N")),
            },
            _ => Err(format!(
                "usage: :{cmd} N (the batch number the Log pane shows)"
            )),
        },
        "profile" => match rest.as_slice() {
            [name] => Ok(Command::Profile((*name).to_string())),
            _ => Err("usage: :profile NAME".into()),
        },
        other => Err(format!(
            "unknown command `{other}`; commands: {}",
            COMMANDS.join(", ")
        )),
    }
}

fn parse_devices(args: &[&str]) -> Result<Command, String> {
    let (mut device_type, mut status, mut ou) = (None, None, None);
    for a in args {
        let Some((k, v)) = a.split_once('=') else {
            return Err(format!("`{a}` is not key=value; use type=, ou=, status="));
        };
        match k {
            "type" => {
                device_type = match v {
                    "all" | "any" | "" => None,
                    v => Some(DeviceType::parse(v)),
                }
            }
            "status" => {
                status = match v {
                    "all" | "any" | "" => None,
                    v => Some(DeviceStatus::parse(v)),
                }
            }
            "ou" => {
                let p = OuPath::normalize(v);
                ou = (p != "/").then_some(p);
            }
            other => return Err(format!("unknown filter `{other}`; use type=, ou=, status=")),
        }
    }
    Ok(Command::Devices {
        device_type,
        status,
        ou,
    })
}

fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(p),
    }
}

/// Completes the last word of `line`. Returns the new line and, when several candidates
/// remain, the candidates to show.
pub fn complete(line: &str, ous: &[String], profiles: &[String]) -> (String, Vec<String>) {
    let words: Vec<&str> = line.split(' ').collect();
    let last = *words.last().unwrap_or(&"");
    let head = &line[..line.len() - last.len()];
    let candidates: Vec<String> = match words.len() {
        0 | 1 => COMMANDS.iter().map(|s| s.to_string()).collect(),
        _ => match words[0] {
            "devices" => match last.split_once('=') {
                Some(("type", _)) => TYPES.iter().map(|t| format!("type={t}")).collect(),
                Some(("status", _)) => STATUSES.iter().map(|t| format!("status={t}")).collect(),
                Some(("ou", _)) => ous.iter().map(|o| format!("ou={o}")).collect(),
                _ => ["type=", "ou=", "status="]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            },
            "export" if words.len() == 2 => {
                vec!["csv".into(), "csv-raw".into(), "json".into()]
            }
            "profile" if words.len() == 2 => profiles.to_vec(),
            _ => Vec::new(),
        },
    };
    let matching: Vec<String> = candidates
        .into_iter()
        .filter(|c| c.starts_with(last))
        .collect();
    match matching.len() {
        0 => (line.to_string(), Vec::new()),
        1 => {
            let m = &matching[0];
            let space = if m.ends_with('=') { "" } else { " " };
            (format!("{head}{m}{space}"), Vec::new())
        }
        _ => {
            let prefix = common_prefix(&matching);
            (format!("{head}{prefix}"), matching)
        }
    }
}

fn common_prefix(items: &[String]) -> String {
    let first = &items[0];
    let mut len = first.len();
    for it in &items[1..] {
        len = len.min(
            first
                .bytes()
                .zip(it.bytes())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    first[..len].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_sets_exactly_the_given_filters() {
        let c = parse("devices type=google_sync ou=/Pilot status=approved").unwrap();
        assert_eq!(
            c,
            Command::Devices {
                device_type: Some(DeviceType::GoogleSync),
                status: Some(DeviceStatus::Approved),
                ou: Some("/Pilot".into())
            }
        );
        assert!(parse("devices colour=red").unwrap_err().contains("colour"));
        assert!(parse("export xml /tmp/x").is_err());
        assert_eq!(
            parse("export csv-raw /tmp/x").unwrap(),
            Command::Export {
                format: ExportKind::CsvRaw,
                path: "/tmp/x".into()
            }
        );
    }

    #[test]
    fn completion() {
        assert_eq!(complete("dev", &[], &[]).0, "devices ");
        assert_eq!(complete("devices ty", &[], &[]).0, "devices type=");
        assert_eq!(
            complete("devices type=go", &[], &[]).0,
            "devices type=google_sync "
        );
        let ous = vec!["/Pilot".to_string(), "/Pilot/Wave1".to_string()];
        let (l, c) = complete("devices ou=/P", &ous, &[]);
        assert_eq!(l, "devices ou=/Pilot");
        assert_eq!(c.len(), 2);
        assert_eq!(
            complete("profile a", &[], &["acme".into()]).0,
            "profile acme "
        );
    }
}
