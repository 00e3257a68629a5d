//! `offsync feed`: the stored feed events, oldest first (newest last, for streaming); with
//! `--follow` it keeps streaming, polling Google while it holds the profile's lease and
//! reading what the poller stores otherwise. Thin: the library polls, diffs and stores.
use std::io::{IsTerminal, Write};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use color_eyre::eyre::WrapErr;

use super::GlobalArgs;
use crate::feed::follow::{self, Notice};
use crate::feed::{PollOutcome, Poller};
use crate::google::Clients;
use crate::model::Event;
use crate::store::{Store, StoredEvent};

#[derive(Debug, Clone, clap::Args)]
pub struct FeedArgs {
    /// Only events at or after this instant: RFC 3339 (2026-03-01T09:00:00Z) or a date (UTC).
    #[arg(long, value_name = "DATETIME", value_parser = parse_since)]
    pub since: Option<DateTime<Utc>>,
    /// One JSON object per line: id, at, source, kind, severity, ou, and device, user, step,
    /// detail where they apply.
    #[arg(long)]
    pub json: bool,
    /// Keep streaming new events (polling Google if no other offsync of this profile does).
    #[arg(long)]
    pub follow: bool,
}

fn parse_since(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc())
        .map_err(|_| format!("`{s}` is not a date-time; use 2026-03-01T09:00:00Z or 2026-03-01"))
}

/// One line per event: time, severity, source, kind, OU, device, user, step, detail.
pub fn line(e: &Event) -> String {
    let mut out = format!(
        "{}  {:<7}  {:<9}  {}",
        e.at.to_rfc3339_opts(SecondsFormat::Secs, true),
        e.severity.as_str(),
        e.source.as_str(),
        e.kind.as_str()
    );
    for (label, v) in [
        ("ou", &e.ou),
        ("device", &e.device),
        ("user", &e.user),
        ("step", &e.step),
    ] {
        if let Some(v) = v {
            out.push_str(&format!("  {label}={v}"));
        }
    }
    if !e.detail.is_empty() {
        out.push_str("  ");
        out.push_str(&e.detail);
    }
    out
}

fn print(w: &mut impl Write, e: &StoredEvent, json: bool) -> std::io::Result<()> {
    if json {
        serde_json::to_writer(&mut *w, &e.event)?;
        writeln!(w)?;
    } else {
        writeln!(w, "{}", line(&e.event))?;
    }
    w.flush()
}

pub async fn run(g: &GlobalArgs, args: FeedArgs) -> color_eyre::Result<()> {
    let settings = g.settings()?;
    let profile = settings.require_profile()?.clone();
    let db = settings.paths.database(&profile.name);
    let store = Store::open(&db)?;
    let mut out = std::io::stdout().lock();
    if !args.follow {
        let events = follow::stored(&store, args.since)?;
        if events.is_empty() && std::io::stderr().is_terminal() {
            eprintln!(
                "offsync: no feed events stored for profile `{}` yet\n  hint: `offsync feed --follow` (or the dashboard) polls Google and records them",
                profile.name
            );
        }
        for e in &events {
            print(&mut out, e, args.json)?;
        }
        return Ok(());
    }
    let (clients, warnings) = Clients::new(&profile, None)?;
    for w in warnings {
        eprintln!("offsync: warning: {w}");
    }
    let poller = Poller::new(clients, store);
    let notice = |n: Notice| match n {
        Notice::Polling => eprintln!("offsync: polling Google for profile `{}`", profile.name),
        Notice::Reading { holder } => {
            eprintln!("offsync: {holder} polls this profile; reading what it stores")
        }
        Notice::Report(r) => match r.outcome {
            PollOutcome::Failed(e) => eprintln!("offsync: {} poll failed: {e}", r.source),
            PollOutcome::Discarded(why) => eprintln!("offsync: {} poll discarded: {why}", r.source),
            PollOutcome::Deferred { spent, .. } => eprintln!(
                "offsync: {} poll deferred: {spent} requests spent in the last hour (budget {})",
                r.source,
                profile.feed.source(r.source).requests_per_hour
            ),
            PollOutcome::Committed => tracing::info!(
                "feed: {} polled: {} requests, {} new events, {:?}",
                r.source,
                r.requests,
                r.new_events,
                r.took
            ),
        },
    };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let json = args.json;
    follow::follow(
        poller,
        args.since,
        |e| print(&mut out, e, json),
        notice,
        shutdown,
    )
    .await
    .wrap_err_with(|| format!("following the feed of profile `{}` failed", profile.name))??;
    Ok(())
}
