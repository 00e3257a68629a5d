//! Shared by the migration subcommands (status, step, wave, users, declare): build the
//! migrator for the active profile, and print a step record.
use color_eyre::eyre::WrapErr;

use super::GlobalArgs;
use crate::google::Clients;
use crate::migrate::Migrator;
use crate::migration::StepRecord;
use crate::model::OuPath;

/// The migrator for the active profile, after the change engine reconciled any batch an
/// earlier offsync left interrupted (a sweep's blocks run as such batches).
pub async fn migrator(g: &GlobalArgs) -> color_eyre::Result<Migrator> {
    let settings = g.settings()?;
    let profile = settings.require_profile()?.clone();
    let engine = super::recovery::engine(&settings, &profile)?;
    super::recovery::reconcile(&engine).await?;
    let db = settings.paths.database(&profile.name);
    let (clients, warnings) =
        Clients::new(&profile, None).wrap_err_with(|| format!("profile `{}`", profile.name))?;
    for w in warnings {
        eprintln!("offsync: warning: {w}");
    }
    Ok(Migrator::new(clients, &profile, db))
}

pub fn parse_ou(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        return Err("empty OU path; use / for the whole organisation".into());
    }
    Ok(OuPath::normalize(s))
}

/// `  imap          verified              <first evidence line>`
pub fn step_line(r: &StepRecord) -> Vec<String> {
    let mut out = vec![format!(
        "  {:<14}{:<22}{}",
        r.step.as_str(),
        r.state.as_str(),
        r.reason.as_deref().unwrap_or("")
    )];
    for e in &r.evidence {
        out.push(format!(
            "      {} {}: {}{}",
            if e.supports { "+" } else { "-" },
            serde_json::to_value(e.kind)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            e.summary,
            if e.refs.is_empty() {
                String::new()
            } else {
                format!(" [{}]", e.refs.join(", "))
            }
        ));
    }
    if let Some(s) = &r.skip {
        out.push(format!("      skipped ({:?}): {}", s.kind, s.reason));
    }
    out
}

pub fn print_json(v: &impl serde::Serialize) -> color_eyre::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}
