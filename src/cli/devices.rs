//! `offsync devices`: the inventory for scripts and cron, with the TUI's filters and its
//! exporter (so a CSV from here and from `:export` are byte-identical for the same filter).
//!
//! Every argument is checked by clap before anything runs, so a malformed `--query` exits
//! with status 2 and sends no request: a query Google misreads could match far too much.
//! Thin: listing and the cache are `listing` (shared with the dashboard), filtering
//! `model::DeviceFilter`, output `model::export` and `store::write_atomically`; this file
//! only wires them and draws a progress line.
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use chrono::Utc;
use color_eyre::eyre::{eyre, WrapErr};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::GlobalArgs;
use crate::google::Clients;
use crate::listing::{self, ListEvent, Listed};
use crate::model::export::{self, CsvCells, ExportOptions, COLUMNS};
use crate::model::{
    Clause, DeviceFilter, DeviceStatus, DeviceType, ExportFormat, Field, OuPath, Query,
};

/// The device filters `devices` and `act` share: one definition, so both select alike.
#[derive(Debug, Clone, clap::Args)]
pub struct DeviceSelection {
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
}

#[derive(Debug, Clone, clap::Args)]
pub struct DevicesArgs {
    #[command(flatten)]
    pub select: DeviceSelection,
    /// Output format: table, csv or json.
    #[arg(long, default_value = "table", value_name = "FORMAT")]
    pub format: ExportFormat,
    /// Comma list of columns to output (default: all).
    #[arg(long, value_name = "COLUMNS", value_parser = parse_fields, long_help = fields_help())]
    pub fields: Option<FieldList>,
    /// Use the cached inventory only; send no request.
    #[arg(long)]
    pub cached: bool,
    /// Print the fast listing built from Google's search index, without confirming it by a
    /// plain listing: devices created or changed recently (Google: up to 36 hours) may be
    /// missing. Default with `trust_search_index = true` in the profile.
    #[arg(long, conflicts_with_all = ["confirmed", "cached"])]
    pub index_only: bool,
    /// Print the confirmed listing even when the profile trusts the search index.
    #[arg(long, conflicts_with = "cached")]
    pub confirmed: bool,
    /// Write to this file instead of stdout (`-` is stdout). A regular file is replaced
    /// atomically, keeping its mode; a FIFO or device is written into.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// CSV: write cells exactly as Google returned them. By default a cell that begins
    /// with = + - @ tab or CR gets a leading ' so spreadsheets cannot run it as a formula.
    #[arg(long)]
    pub csv_raw: bool,
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
/// not a known spelling is far more likely a typo than a new value, so it is refused, and
/// so is an empty one (it would reach Google as `type:UNKNOWN`).
fn looks_like_api_value(raw: &str) -> bool {
    !raw.is_empty()
        && raw
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

pub(crate) fn parse_type(s: &str) -> Result<DeviceType, String> {
    if s.trim().is_empty() {
        return Err("empty device type; leave --type out for every type".into());
    }
    match DeviceType::parse(s) {
        DeviceType::Other(raw) if !looks_like_api_value(&raw) => Err(format!(
            "unknown device type `{raw}`; use google-sync, ios-sync, android, \
             or Google's exact value (e.g. CHROME_OS)"
        )),
        t => Ok(t),
    }
}

pub(crate) fn parse_status(s: &str) -> Result<DeviceStatus, String> {
    if s.trim().is_empty() {
        return Err("empty device status; leave --status out for every status".into());
    }
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

impl DeviceSelection {
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
    let cache = settings.cache(&profile);
    let server_query = args.select.server_query();
    // The cache key: one spelling of the query whatever token the tenant accepts.
    let server_text = server_query.to_google(
        profile
            .google_sync_query_token
            .explicit()
            .unwrap_or("googlesync"),
    );
    let server_text = (!server_text.is_empty()).then_some(server_text);
    let interactive = std::io::stderr().is_terminal();

    let mut inventory = if args.cached {
        let store = cache.open()?;
        let tenant = listing::configured_tenant(&profile);
        let inv = listing::cached_devices_or_explain(&store, &tenant, server_text.as_deref())?;
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
        let index_only = args.index_only || (profile.trust_search_index && !args.confirmed);
        let listing = if index_only {
            eprintln!(
                "offsync: warning: index-only listing: devices created or changed recently \
                 (Google: up to 36 hours) may be missing; run with --confirmed for the \
                 confirmed answer"
            );
            crate::google::Listing::IndexOnly
        } else {
            crate::google::Listing::Confirmed
        };
        let listed = fetch(&profile, &cache, &server_query, listing, interactive).await?;
        for w in &listed.warnings {
            eprintln!("offsync: warning: {w}");
        }
        // The cache is a convenience: failing to write it must not lose a good listing.
        if let Err(e) = cache
            .open()
            .and_then(|mut s| cache.save(&mut s, &listed, server_text.as_deref()))
        {
            eprintln!("offsync: warning: the inventory was not cached: {e}");
        }
        listed.inventory
    };
    if let Some(ou) = &args.select.ou {
        if let Some(near) = inventory.unknown_ou(ou) {
            return Err(eyre!(
                "there is no OU `{ou}` in this tenant (OU paths match exactly, case included, \
                 and `..` is not resolved)\n  hint: the closest existing OUs are {}",
                near.join(", ")
            ));
        }
    }
    // Users were needed for the OU join only; free them before building the output.
    inventory.users = Vec::new();

    let filter = args.select.filter();
    let mut devices: Vec<_> = inventory.filtered(&filter).collect();
    devices.sort_by(|a, b| export::default_order(a, b));
    let fields = args.fields.as_ref().map_or(&COLUMNS[..], |f| &f.0[..]);
    let opts = ExportOptions {
        format: args.format,
        fields,
        // Ages are measured against the server's clock: sync times are the server's.
        now: inventory.server_now(Utc::now()),
        csv: if args.csv_raw {
            CsvCells::Raw
        } else {
            CsvCells::Neutralised
        },
    };
    match args.output.as_deref().filter(|p| p.as_os_str() != "-") {
        Some(path) => {
            crate::store::write_atomically(path, |w| {
                export::write_export(w, devices.iter().copied(), &opts)
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
            export::write_export(&mut w, devices.iter().copied(), &opts)?;
            w.flush()?;
        }
    }
    Ok(())
}

/// Lists the inventory from Google, with a progress line on a terminal and nothing otherwise.
async fn fetch(
    profile: &crate::config::Profile,
    cache: &listing::Cache,
    query: &Query,
    listing: crate::google::Listing,
    interactive: bool,
) -> color_eyre::Result<Listed> {
    let (clients, warnings) = Clients::new(profile, None)?;
    let clients = clients.with_token_memory(cache.token_memory());
    for w in warnings {
        eprintln!("offsync: warning: {w}");
    }
    let bar = progress_bar(interactive);
    let on_event = {
        let bar = bar.clone();
        move |ev: ListEvent| {
            if let ListEvent::Progress(p) = ev {
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
    let result = listing::list_with(&clients, query, listing, on_event).await;
    bar.finish_and_clear();
    Ok(result?)
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
            &["--type", ""],
            &["--type", " "],
            &["--status", ""],
            &["--index-only", "--confirmed"],
            &["--index-only", "--cached"],
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
            a.select.server_query().to_google("googlesync"),
            "email:ann* type:googlesync"
        );
        assert_eq!(a.select.filter().ou.as_deref(), Some("/Sales"));
        assert_eq!(a.select.filter().device_type, Some(DeviceType::GoogleSync));
        let a = parse(&["--type", "CHROME_OS", "--fields", "owner,type"]).unwrap();
        assert_eq!(
            a.select.device_type,
            Some(DeviceType::Other("CHROME_OS".into()))
        );
        assert_eq!(a.fields, Some(FieldList(vec!["owner", "type"])));
    }
}
