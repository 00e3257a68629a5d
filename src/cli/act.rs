//! `offsync act VERB [filters]`: device changes for scripts, through the same change
//! engine as the dashboard. It always plans from a fresh listing; without `--yes` it only
//! prints the plan. A saved plan (`--save-plan`) runs exactly as reviewed (`--plan FILE
//! --yes`), and is refused when any target changed since. Exit codes: see [`Exit`].
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::Utc;
use color_eyre::eyre::{eyre, WrapErr};

use super::devices::DeviceSelection;
use super::GlobalArgs;
use crate::change::{ChangeError, Engine, Plan, Planner, PLAN_VERSION};
use crate::google::Clients;
use crate::model::{DeviceAction, Inventory, Query};

/// The documented exit codes of `offsync act` (1 is any other error: config, network).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every change applied, or the plan was only printed (no `--yes`, `--dry-run`).
    Applied = 0,
    /// Bad arguments (clap uses the same code).
    Usage = 2,
    /// Some changes failed; the journal and stderr say which.
    SomeFailed = 3,
    /// Refused before sending anything: read-only, count mismatch, stale or foreign plan,
    /// IDs that are not in the listing.
    Refused = 4,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Verb {
    Approve,
    Block,
    AccountWipe,
    RemoteWipe,
    CancelWipeActivate,
    CancelWipeBlock,
    Delete,
}

impl Verb {
    pub fn action(self) -> DeviceAction {
        match self {
            Verb::Approve => DeviceAction::Approve,
            Verb::Block => DeviceAction::Block,
            Verb::AccountWipe => DeviceAction::AdminAccountWipe,
            Verb::RemoteWipe => DeviceAction::AdminRemoteWipe,
            Verb::CancelWipeActivate => DeviceAction::CancelRemoteWipeThenActivate,
            Verb::CancelWipeBlock => DeviceAction::CancelRemoteWipeThenBlock,
            Verb::Delete => DeviceAction::Delete,
        }
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct ActArgs {
    /// The change (not with --plan or --resume).
    #[arg(value_enum)]
    pub verb: Option<Verb>,
    #[command(flatten)]
    pub select: DeviceSelection,
    /// Only these resource IDs (one per line; `-` reads stdin; `#` starts a comment).
    #[arg(long, value_name = "FILE|-")]
    pub ids_from: Option<String>,
    /// Apply the plan. Without it, offsync prints the plan and changes nothing.
    #[arg(long)]
    pub yes: bool,
    /// Print the plan, say that nothing was changed, and change nothing (even with --yes).
    #[arg(long)]
    pub dry_run: bool,
    /// Write the plan (JSON) to FILE for review; `--plan FILE --yes` runs exactly it.
    #[arg(long, value_name = "FILE")]
    pub save_plan: Option<PathBuf>,
    /// Run a saved plan instead of planning (refused if any target changed since).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["verb", "resume", "save_plan"])]
    pub plan: Option<PathBuf>,
    /// Above `confirm_typed_above` targets, --yes also needs the plan's exact count.
    #[arg(long, value_name = "N")]
    pub count: Option<usize>,
    /// Send what interrupted batch N provably did not apply.
    #[arg(long, value_name = "BATCH", conflicts_with_all = ["verb", "abandon"])]
    pub resume: Option<i64>,
    /// Close interrupted batch N without sending the rest.
    #[arg(long, value_name = "BATCH", conflicts_with = "verb")]
    pub abandon: Option<i64>,
}

impl ActArgs {
    fn has_selection(&self) -> bool {
        let f = &self.select;
        f.device_type.is_some()
            || f.ou.is_some()
            || f.status.is_some()
            || f.query.is_some()
            || self.ids_from.is_some()
    }
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("offsync: {msg}\n  usage: offsync act VERB [filters] [--ids-from FILE|-] [--yes], or act --plan FILE --yes, or act --resume N --yes");
    Exit::Usage.into()
}

fn refused(msg: &str) -> ExitCode {
    eprintln!("offsync: refused, nothing was sent: {msg}");
    Exit::Refused.into()
}

pub async fn run(g: &GlobalArgs, args: ActArgs) -> color_eyre::Result<ExitCode> {
    let settings = g.settings()?;
    let profile = settings.require_profile()?.clone();
    let engine = super::recovery::engine(&settings, &profile)?;
    super::recovery::reconcile(&engine).await?;
    if let Some(id) = args.abandon {
        return match engine.abandon(id).await {
            Ok(()) => {
                eprintln!("offsync: batch {id} abandoned; nothing more will be sent for it");
                Ok(Exit::Applied.into())
            }
            Err(e) => Ok(refused(&e.to_string())),
        };
    }
    if let Some(id) = args.resume {
        return resume(&engine, id, &args, profile.readonly).await;
    }
    let plan = match (&args.plan, args.verb) {
        (Some(file), _) => match load_plan(file, &profile, &engine).await? {
            Ok(plan) => plan,
            Err(why) => return Ok(refused(&why)),
        },
        (None, Some(verb)) if args.has_selection() => {
            match plan_fresh(&engine, &profile, verb.action(), &args).await? {
                Ok(plan) => plan,
                Err(why) => return Ok(refused(&why)),
            }
        }
        (None, Some(_)) => {
            return Ok(usage(
                "act needs a filter (--type, --ou, --status, --query) or --ids-from; use --ou / for the whole organisation",
            ))
        }
        (None, None) => return Ok(usage("act needs a VERB, --plan FILE, --resume N or --abandon N")),
    };
    if let Some(path) = &args.save_plan {
        let text = serde_json::to_vec_pretty(&plan)?;
        crate::store::write_atomically(path, |w| w.write_all(&text))
            .wrap_err_with(|| format!("cannot write the plan to {}", path.display()))?;
        eprintln!("offsync: plan written to {}", path.display());
    }
    super::act_print::plan(&plan);
    if plan.is_empty() {
        println!("nothing to do: no target needs this change");
        return Ok(Exit::Applied.into());
    }
    if args.dry_run {
        println!("dry run: nothing was changed");
        return Ok(Exit::Applied.into());
    }
    if !args.yes {
        println!("nothing was changed; add --yes to apply this plan");
        return Ok(Exit::Applied.into());
    }
    if profile.readonly {
        return Ok(refused("read-only mode (--readonly or readonly = true)"));
    }
    let n = plan.len();
    if n > settings.ui.confirm_typed_above && args.count != Some(n) {
        return Ok(refused(&format!(
            "this plan changes {n} targets, more than confirm_typed_above ({}); add --count {n} to confirm the number",
            settings.ui.confirm_typed_above
        )));
    }
    let report = engine.execute(&plan, super::act_print::progress(n)).await;
    finish(report.map(|r| (r, n)))
}

async fn resume(
    engine: &Engine,
    id: i64,
    args: &ActArgs,
    readonly: bool,
) -> color_eyre::Result<ExitCode> {
    if !args.yes {
        println!("batch {id}: add --yes to send what it provably did not apply (see above)");
        return Ok(Exit::Applied.into());
    }
    if readonly {
        return Ok(refused("read-only mode (--readonly or readonly = true)"));
    }
    let r = engine.resume(id, super::act_print::progress(0)).await;
    finish(r.map(|(report, _)| {
        let n = report.sent;
        (report, n)
    }))
}

fn finish(r: Result<(crate::change::Report, usize), ChangeError>) -> color_eyre::Result<ExitCode> {
    match r {
        Ok((report, _)) => Ok(super::act_print::report(&report)),
        Err(e @ (ChangeError::ReadOnly | ChangeError::Refused(_))) => Ok(refused(&e.to_string())),
        Err(e) => Err(e.into()),
    }
}

/// Lists every device now (never the cache), filters like `offsync devices`, and plans.
async fn plan_fresh(
    engine: &Engine,
    profile: &crate::config::Profile,
    action: DeviceAction,
    args: &ActArgs,
) -> color_eyre::Result<Result<Plan, String>> {
    let ids = match &args.ids_from {
        Some(src) => Some(read_ids(src)?),
        None => None,
    };
    let clients = engine.clients()?;
    let q = args.select.server_query();
    let inv = list(clients, (!q.is_empty()).then_some(&q)).await?;
    let filter = args.select.filter();
    let chosen: Vec<&crate::model::Device> =
        match &ids {
            None => inv.filtered(&filter).collect(),
            Some(ids) => {
                let by_id: std::collections::HashMap<&str, &crate::model::Device> = inv
                    .devices
                    .iter()
                    .map(|d| (d.resource_id.as_str(), d))
                    .collect();
                let mut out = Vec::new();
                let mut missing = Vec::new();
                for id in ids {
                    match by_id.get(id.as_str()) {
                        Some(d) if filter.matches(d) => out.push(*d),
                        _ => missing.push(id.as_str()),
                    }
                }
                if !missing.is_empty() {
                    return Ok(Err(format!(
                    "{} of the {} IDs are not in the listing or not matched by the filters: {}{}",
                    missing.len(),
                    ids.len(),
                    missing.iter().take(10).copied().collect::<Vec<_>>().join(", "),
                    if missing.len() > 10 { ", …" } else { "" }
                )));
                }
                out
            }
        };
    let planner = planner(profile);
    Ok(Ok(planner.devices(
        action,
        chosen,
        inv.server_now(Utc::now()),
    )))
}

fn planner(p: &crate::config::Profile) -> Planner {
    Planner {
        profile: p.name.clone(),
        customer_id: p.customer_id.clone(),
        actor: p.subject.clone(),
    }
}

async fn list(clients: &Clients, q: Option<&Query>) -> color_eyre::Result<Inventory> {
    if std::io::stderr().is_terminal() {
        eprintln!("offsync: listing devices…");
    }
    // The shared listing path (owners joined with aliases, like `offsync devices`), always
    // fresh: a plan from a stale cache could target devices that changed since.
    crate::listing::list_with(clients, q, crate::google::Listing::Confirmed, |_| {})
        .await
        .map(|l| l.inventory)
        .wrap_err("listing devices to plan the change")
}

/// Reads a saved plan and checks it still describes the tenant: same profile and customer,
/// and every target still in its recorded before-state.
async fn load_plan(
    file: &std::path::Path,
    profile: &crate::config::Profile,
    engine: &Engine,
) -> color_eyre::Result<Result<Plan, String>> {
    let text = std::fs::read_to_string(file)
        .wrap_err_with(|| format!("cannot read {}", file.display()))?;
    let plan: Plan = serde_json::from_str(&text)
        .map_err(|e| eyre!("{} is not an offsync plan: {e}", file.display()))?;
    if plan.version != PLAN_VERSION {
        return Ok(Err(format!(
            "{} has plan format {}, this offsync writes {PLAN_VERSION}; plan again",
            file.display(),
            plan.version
        )));
    }
    if plan.profile != profile.name || plan.customer_id != profile.customer_id {
        return Ok(Err(format!(
            "the plan is for profile `{}` (customer {}), not `{}` (customer {})",
            plan.profile, plan.customer_id, profile.name, profile.customer_id
        )));
    }
    let inv = list(engine.clients()?, None).await?;
    let by_id: std::collections::HashMap<&str, &crate::model::Device> = inv
        .devices
        .iter()
        .map(|d| (d.resource_id.as_str(), d))
        .collect();
    let stale: Vec<String> = plan
        .targets
        .iter()
        .filter_map(|t| match by_id.get(t.resource_id.as_str()) {
            None => Some(format!("{} is gone", t.resource_id)),
            Some(d) if d.status.as_str() != t.before => Some(format!(
                "{} is now {} (planned from {})",
                t.resource_id, d.status, t.before
            )),
            Some(_) => None,
        })
        .collect();
    if !stale.is_empty() {
        return Ok(Err(format!(
            "the plan is stale: {} of {} targets changed since it was made ({}{}); plan again",
            stale.len(),
            plan.len(),
            stale.iter().take(5).cloned().collect::<Vec<_>>().join("; "),
            if stale.len() > 5 { "; …" } else { "" }
        )));
    }
    Ok(Ok(plan))
}

fn read_ids(src: &str) -> color_eyre::Result<Vec<String>> {
    let mut text = String::new();
    if src == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .wrap_err("reading IDs from stdin")?;
    } else {
        text =
            std::fs::read_to_string(src).wrap_err_with(|| format!("cannot read IDs from {src}"))?;
    }
    let ids: Vec<String> = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if ids.is_empty() {
        return Err(eyre!("no resource IDs in {src}"));
    }
    Ok(ids)
}
