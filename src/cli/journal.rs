//! `offsync journal`: the audit journal, oldest first, as a table or one JSON array.
//! Like every command that opens the database, it first reconciles interrupted batches.
use std::io::Write;

use chrono::{DateTime, NaiveDate, Utc};

use super::GlobalArgs;
use crate::store::Outcome;

#[derive(Debug, Clone, clap::Args)]
pub struct JournalArgs {
    /// Print one JSON array (like `devices --format json`).
    #[arg(long)]
    pub json: bool,
    /// Only entries at or after this UTC date (2025-03-01) or RFC 3339 time.
    #[arg(long, value_name = "DATE|DATETIME", value_parser = parse_since)]
    pub since: Option<DateTime<Utc>>,
}

pub fn parse_since(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc())
        .map_err(|_| {
            format!(
                "`{s}` is neither a date (2025-03-01) nor an RFC 3339 time (2025-03-01T09:30:00Z)"
            )
        })
}

pub async fn run(g: &GlobalArgs, args: JournalArgs) -> color_eyre::Result<()> {
    let settings = g.settings()?;
    let profile = settings.require_profile()?.clone();
    let engine = super::recovery::engine(&settings, &profile)?;
    super::recovery::reconcile(&engine).await?;
    let Some(store) = engine.store() else {
        return Ok(());
    };
    let entries = {
        let s = store
            .lock()
            .map_err(|_| color_eyre::eyre::eyre!("the journal lock was poisoned"))?;
        s.journal().since(args.since, usize::MAX >> 1)?
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        serde_json::to_writer_pretty(&mut out, &entries)?;
        writeln!(out)?;
    } else if entries.is_empty() {
        eprintln!(
            "offsync: the journal has no entries{}",
            match args.since {
                Some(t) => format!(" since {}", t.to_rfc3339()),
                None => String::new(),
            }
        );
    } else {
        writeln!(
            out,
            "{:<24}  {:<6}  {:<9}  {:<10}  GAM",
            "AT (UTC)", "BATCH", "OUTCOME", "ACTION"
        )?;
        for e in &entries {
            let (outcome, why) = match &e.outcome {
                Outcome::Planned => ("planned", String::new()),
                Outcome::Succeeded => ("succeeded", String::new()),
                Outcome::Failed(w) => ("failed", format!("  ({w})")),
            };
            writeln!(
                out,
                "{:<24}  {:<6}  {outcome:<9}  {:<10}  {}{why}",
                e.at.format("%Y-%m-%d %H:%M:%S%.3f"),
                e.batch_id
                    .map(|b| b.to_string())
                    .unwrap_or_else(|| "-".into()),
                e.action,
                e.gam_command,
            )?;
        }
    }
    out.flush()?;
    Ok(())
}
