//! `offsync users --left-behind [--ou /Path] [--format csv|json]`: who is still to move, with
//! the instructions that fit their phones; `--acknowledge` and `--remind` mark users (journaled).
use std::io::Write;

use color_eyre::eyre::eyre;

use super::migrate::{migrator, parse_ou};
use super::GlobalArgs;
use crate::migration::export::{write_users, UserFormat};
use crate::migration::UserRow;
use crate::model::export::CsvCells;
use crate::model::OuPath;

#[derive(Debug, Clone, clap::Args)]
pub struct UsersArgs {
    /// Only users still on Google Sync or not seen since (the contact list).
    #[arg(long)]
    pub left_behind: bool,
    #[arg(long, value_name = "/PATH", value_parser = parse_ou)]
    pub ou: Option<String>,
    /// csv or json (default: csv).
    #[arg(long, default_value = "csv")]
    pub format: String,
    /// Mark these users as acknowledged left behind (needs --reason).
    #[arg(long, value_name = "EMAIL", num_args = 1.., conflicts_with = "remind")]
    pub acknowledge: Vec<String>,
    /// Record that these users were reminded.
    #[arg(long, value_name = "EMAIL", num_args = 1..)]
    pub remind: Vec<String>,
    #[arg(long)]
    pub reason: Option<String>,
}

pub async fn run(g: &GlobalArgs, a: UsersArgs) -> color_eyre::Result<()> {
    let m = migrator(g).await?;
    if !a.acknowledge.is_empty() {
        let n = m
            .mark_users(&a.acknowledge, "acknowledged", a.reason.as_deref())
            .await?;
        println!("acknowledged {n} users as left behind");
        return Ok(());
    }
    if !a.remind.is_empty() {
        let n = m
            .mark_users(&a.remind, "reminded", a.reason.as_deref())
            .await?;
        println!("recorded a reminder for {n} users");
        return Ok(());
    }
    if a.format != "csv" && a.format != "json" {
        return Err(eyre!("--format {}: use csv or json", a.format));
    }
    let obs = m.observe_ready().await?;
    let rows: Vec<&UserRow> = obs
        .funnel
        .iter()
        .filter(|u| a.ou.as_deref().is_none_or(|o| OuPath::is_within(&u.ou, o)))
        .filter(|u| !a.left_behind || u.funnel.is_left_behind())
        .collect();
    for w in &obs.warnings {
        eprintln!("offsync: warning: {w}");
    }
    let format = if a.format == "json" {
        UserFormat::Json
    } else {
        UserFormat::Csv(CsvCells::Neutralised)
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    write_users(&mut out, rows.into_iter(), format)?;
    out.flush()?;
    Ok(())
}
