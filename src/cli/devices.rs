//! `offsync devices`: the inventory for scripts and cron, with the TUI's filters and its
//! exporter (so a CSV from here and from `:export` are byte-identical for the same filter).
//!
//! Every argument is checked by clap before anything runs, so a malformed `--query` exits
//! with status 2 and sends no request: a query Google misreads could match far too much.
//! Thin: listing is `google::load_inventory`, filtering `model::DeviceFilter`, output
//! `model::export`; this file only wires them and draws a progress line.
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use chrono::Utc;
use color_eyre::eyre::{eyre, WrapErr};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::GlobalArgs;
use crate::google::{self, Clients, LoadEvent};
use crate::model::export::{self, COLUMNS};
use crate::model::{
    Clause, DeviceFilter, DeviceStatus, DeviceType, ExportFormat, Field, Inventory, OuPath, Query,
};
use crate::store::Store;

#[derive(Debug, Clone, clap::Args)]
pub struct DevicesArgs {
    /// Device type: google-sync, ios-sync, android, or Google's raw value (default: every type).
    #[arg(long = "type", value_name = "TYPE", value_parser = parse_type)]
    pub device_type: Option<DeviceType>,
    /// Only devices whose owner is in this OU (add --include-children for the OUs below it).
    #[arg(long, value_name = "/PATH", value_parser = parse_ou)]
    pub ou: Option<String>,
    /// With --ou, include devices of owners in child OUs.
    #[arg(long, requires = "ou")]
    pub include_children: bool,
    /// Device status: approved, blocked, pending, … or Google's raw value.
    #[arg(long, value_name = "STATUS", value_parser = parse_status)]
    pub status: Option<DeviceStatus>,
    /// Google device search, e.g. 'email:ann* sync:..2025-01-31' (checked before sending).
    #[arg(long, value_name = "QUERY", value_parser = parse_query)]
    pub query: Option<Query>,
    /// Output format: table, csv or json.
    #[arg(long, default_value = "table", value_name = "FORMAT")]
    pub format: ExportFormat,
    /// Comma list of columns to output (default: all).
    #[arg(long, value_name = "COLUMNS", value_parser = parse_fields, long_help = fields_help())]
    pub fields: Option<FieldList>,
    /// Use the cached inventory only; send no request.
    #[arg(long)]
    pub cached: bool,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Validated `--fields`: names from [`COLUMNS`], in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldList(pub Vec<&'static str>);

fn fields_help() -> String {
    format!(
        "Comma list of columns to output (default: all).\nColumns: {}",
        COLUMNS.join(",")
    )
}

fn parse_fields(s: &str) -> Result<FieldList, String> {
    export::parse_fields(s).map(FieldList)
}

/// Google writes unknown types and statuses in upper snake case; a lower-case word that is
/// not a known spelling is far more likely a typo than a new value, so it is refused.
fn looks_like_api_value(raw: &str) -> bool {
    raw == raw.to_ascii_uppercase() && !raw.contains(char::is_whitespace)
}

pub(crate) fn parse_type(s: &str) -> Result<DeviceType, String> {
    match DeviceType::parse(s) {
        DeviceType::Other(raw) if !looks_like_api_value(&raw) => Err(format!(
            "unknown device type `{raw}`; use google-sync, ios-sync, android, \
             or Google's exact value (e.g. CHROME_OS)"
        )),
        t => Ok(t),
    }
}

pub(crate) fn parse_status(s: &str) -> Result<DeviceStatus, String> {
    match DeviceStatus::parse(s) {
        DeviceStatus::Other(raw) if !looks_like_api_value(&raw) => Err(format!(
            "unknown device status `{raw}`; use approved, blocked, pending, unprovisioned, \
             wiping, wiped, account-wiping, account-wiped, unknown, or Google's exact value"
        )),
        st => Ok(st),
    }
}

pub(crate) fn parse_ou(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        return Err("empty OU path; use / for the whole organisation".into());
    }
    Ok(OuPath::normalize(s))
}

pub(crate) fn parse_query(s: &str) -> Result<Query, String> {
    Query::parse_google(s).map_err(|e| e.to_string())
}

impl DevicesArgs {
    /// The local filter: applied to every listing, even one Google already filtered,
    /// because Google's search lags and its `type:` token for Google Sync is unverified.
    pub fn filter(&self) -> DeviceFilter {
        DeviceFilter {
            device_type: self.device_type.clone(),
            status: self.status.clone(),
            ou: self.ou.clone(),
            include_children: self.include_children,
            query: self.query.clone(),
        }
    }

    /// What is sent to Google: the `--query` clauses plus `type:` for `--type`.
    pub fn server_query(&self) -> Query {
        let mut q = self.query.clone().unwrap_or_default();
        if let Some(t) = &self.device_type {
            q.clauses.push(Clause::Match {
                field: Field::Type,
                value: t.as_str().to_string(),
                prefix: false,
            });
        }
        q
    }
}

pub async fn run(g: &GlobalArgs, args: DevicesArgs) -> color_eyre::Result<()> {
    let settings = g.settings()?;
    let profile = settings.require_profile()?.clone();
    let db = settings.paths.database(&profile.name);
    let server_query = args.server_query();
    let server_text = server_query.to_google(&profile.google_sync_query_token);
    let server_text = (!server_text.is_empty()).then_some(server_text);
    let interactive = std::io::stderr().is_terminal();

    let inventory = if args.cached {
        let store = Store::open(&db)?;
        let inv = store.load_inventory_for_query(server_text.as_deref())?.ok_or_else(|| {
            eyre!(
                "no cached inventory for profile `{}` in {}\n  hint: run `offsync devices` without --cached once to fetch it",
                profile.name,
                db.display()
            )
        })?;
        if interactive {
            if let Some(at) = inv.fetched_at {
                eprintln!(
                    "offsync: cached inventory from {} ({})",
                    at.format("%Y-%m-%d %H:%M UTC"),
                    export::relative(Some(at), inv.server_now(Utc::now()))
                );
            }
        }
        inv
    } else {
        let inv = fetch(&profile, &server_query, interactive).await?;
        // The cache is a convenience: failing to write it must not lose a good listing.
        if let Err(e) = Store::open(&db)
            .and_then(|mut s| s.save_inventory_for_query(&inv, server_text.as_deref()))
        {
            eprintln!("offsync: warning: the inventory was not cached: {e}");
        }
        inv
    };

    let filter = args.filter();
    let mut devices: Vec<_> = inventory.filtered(&filter).collect();
    devices.sort_by(|a, b| export::default_order(a, b));
    let fields = args.fields.as_ref().map_or(&COLUMNS[..], |f| &f.0[..]);
    // Ages are measured against the server's clock: sync times are the server's.
    let now = inventory.server_now(Utc::now());
    match &args.output {
        Some(path) => {
            crate::store::write_atomically(path, |w| {
                export::write_devices_fields(w, devices.iter().copied(), args.format, fields, now)
            })
            .wrap_err_with(|| format!("cannot write {}", path.display()))?;
            if interactive {
                eprintln!(
                    "offsync: wrote {} devices to {}",
                    devices.len(),
                    path.display()
                );
            }
        }
        None => {
            let mut w = std::io::BufWriter::new(std::io::stdout().lock());
            // A closed pipe (`| head`) surfaces as an io::Error kept in the report's chain;
            // main treats BrokenPipe as success, like ripgrep.
            export::write_devices_fields(
                &mut w,
                devices.iter().copied(),
                args.format,
                fields,
                now,
            )?;
            w.flush()?;
        }
    }
    Ok(())
}

/// Lists the inventory from Google, with a progress line on a terminal and nothing otherwise.
async fn fetch(
    profile: &crate::config::Profile,
    query: &Query,
    interactive: bool,
) -> color_eyre::Result<Inventory> {
    let (clients, warnings) = Clients::new(profile, None)?;
    for w in warnings {
        eprintln!("offsync: warning: {w}");
    }
    let bar = progress_bar(interactive);
    let on_event = {
        let bar = bar.clone();
        move |ev: LoadEvent| {
            if let LoadEvent::Progress(p) = ev {
                let secs = p.elapsed.as_secs_f64().max(0.001);
                bar.set_message(format!(
                    "{} devices, {} users, {} pages ({:.0} pages/s), {} requests, {} retries",
                    p.devices,
                    p.users,
                    p.pages,
                    p.pages as f64 / secs,
                    p.requests,
                    p.retries
                ));
            }
        }
    };
    let query = (!query.is_empty()).then_some(query);
    let result = google::load_inventory(&clients, query, on_event).await;
    bar.finish_and_clear();
    result.wrap_err_with(|| format!("listing devices for profile `{}` failed", profile.name))
}

/// A spinner, not a bar: Google does not say how many devices a listing will return.
fn progress_bar(interactive: bool) -> ProgressBar {
    if !interactive {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message("listing devices…");
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        a: DevicesArgs,
    }

    fn parse(args: &[&str]) -> Result<DevicesArgs, clap::Error> {
        T::try_parse_from(std::iter::once("devices").chain(args.iter().copied())).map(|t| t.a)
    }

    #[test]
    fn bad_arguments_are_usage_errors() {
        for bad in [
            &["--query", "emial:fred"][..],
            &["--query", "fred"],
            &["--query", "ou:/Sales"],
            &["--fields", "owner,ownr"],
            &["--format", "xml"],
            &["--type", "googel-sync"],
            &["--include-children"],
        ] {
            let e = parse(bad)
                .err()
                .unwrap_or_else(|| panic!("{bad:?} accepted"));
            assert_eq!(e.exit_code(), 2, "{bad:?}");
        }
    }

    #[test]
    fn server_query_adds_the_type() {
        let a = parse(&[
            "--type",
            "google-sync",
            "--query",
            "email:ann*",
            "--ou",
            "Sales/",
        ])
        .unwrap();
        assert_eq!(
            a.server_query().to_google("googlesync"),
            "email:ann* type:googlesync"
        );
        assert_eq!(a.filter().ou.as_deref(), Some("/Sales"));
        assert_eq!(a.filter().device_type, Some(DeviceType::GoogleSync));
        let a = parse(&["--type", "CHROME_OS", "--fields", "owner,type"]).unwrap();
        assert_eq!(a.device_type, Some(DeviceType::Other("CHROME_OS".into())));
        assert_eq!(a.fields, Some(FieldList(vec!["owner", "type"])));
    }
}
