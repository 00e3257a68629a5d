//! `offsync step <OU> <STEP> <plan|apply|attest|verify|retry|skip|undo> [--reason TEXT] [--yes]`
use color_eyre::eyre::eyre;

use super::migrate::{migrator, parse_ou, print_json, step_line};
use super::GlobalArgs;
use crate::migrate::{StepAction, StepPlan};
use crate::migration::{SkipKind, StepId};

#[derive(Debug, Clone, clap::Args)]
pub struct StepArgs {
    /// The OU, e.g. /Pilot.
    #[arg(value_parser = parse_ou)]
    pub ou: String,
    /// imap, ios-push, re-add, sync-off, alt-imap-off, alt-trust-ios or sweep.
    #[arg(value_parser = parse_step)]
    pub step: StepId,
    /// plan, apply, attest, verify, retry, skip or undo.
    #[arg(value_parser = parse_action)]
    pub action: StepAction,
    /// Why (journaled; required for skip).
    #[arg(long)]
    pub reason: Option<String>,
    /// For skip: not-needed, done-elsewhere or declined.
    #[arg(long, default_value = "declined", value_parser = parse_skip)]
    pub kind: SkipKind,
    /// Send the change (apply and undo print the plan without it).
    #[arg(long)]
    pub yes: bool,
    #[arg(long)]
    pub json: bool,
}

fn parse_step(s: &str) -> Result<StepId, String> {
    StepId::parse(s).ok_or_else(|| format!("unknown step `{s}`; use imap, ios-push, re-add, sync-off, alt-imap-off, alt-trust-ios or sweep"))
}

fn parse_action(s: &str) -> Result<StepAction, String> {
    StepAction::parse(s).ok_or_else(|| {
        format!("unknown action `{s}`; use plan, apply, attest, verify, retry, skip or undo")
    })
}

fn parse_skip(s: &str) -> Result<SkipKind, String> {
    SkipKind::parse(s).ok_or_else(|| {
        format!("unknown skip kind `{s}`; use not-needed, done-elsewhere or declined")
    })
}

pub async fn run(g: &GlobalArgs, a: StepArgs) -> color_eyre::Result<()> {
    if a.action == StepAction::Skip && a.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(eyre!("skip needs --reason TEXT (it is journaled)"));
    }
    let m = migrator(g).await?;
    let out = m
        .step(&a.ou, a.step, a.action, a.reason.as_deref(), a.kind, a.yes)
        .await?;
    if a.json {
        return print_json(&out);
    }
    println!("{} {}: {}", a.ou, a.step, a.step.title());
    if let Some(p) = &out.plan {
        print_plan(p);
    }
    for line in step_line(&out.record) {
        println!("{line}");
    }
    for msg in &out.messages {
        println!("{msg}");
    }
    Ok(())
}

fn print_plan(p: &StepPlan) {
    match p {
        StepPlan::Policy {
            change,
            request,
            noop,
            notes,
            user_imap,
        } => {
            for l in change.diff_lines() {
                println!("{l}");
            }
            if *noop {
                println!("  (no change needed)");
            } else if let Some(t) = request.targets.first() {
                println!("  request: {}", t.request.line());
                if let Some(body) = &t.request.body {
                    println!("  body:    {body}");
                }
            }
            for n in notes {
                println!("  note: {n}");
            }
            for l in user_imap.iter().flat_map(|u| u.lines()) {
                println!("{l}");
            }
        }
        StepPlan::Block { change } => {
            println!(
                "block {} Google Sync devices still syncing in {}:",
                change.devices.len(),
                change.ou
            );
            for (rid, owner) in change.devices.iter().take(20) {
                println!("  {rid}  {owner}   (gam update mobile {rid} action block)");
            }
            if change.devices.len() > 20 {
                println!("  … and {} more", change.devices.len() - 20);
            }
        }
        StepPlan::Manual {
            console_path,
            how_verified,
        } => {
            println!("manual step in the Admin console: {console_path}");
            println!("offsync verifies it: {how_verified}");
        }
        StepPlan::Users { left_behind } => {
            println!(
                "{} users still to move (offsync users --left-behind lists them with instructions)",
                left_behind.len()
            );
        }
        StepPlan::NotApplicable { why } => println!("not applicable: {why}"),
    }
}
