//! `offsync android status|policy|set|upgrade-url`: the Android account upgrade (managed
//! Google Play accounts → managed Google accounts) in the customer's existing Android
//! Management enterprise. Parse, call `crate::android` and `crate::migration::android`, print.
use color_eyre::eyre::{bail, eyre};

use super::android_print as print;
use super::GlobalArgs;
use crate::android;
use crate::change::Engine;
use crate::config::Profile;
use crate::google::{Amapi, Clients};
use crate::migration::android::{AccountEdit, Enforcement};

#[derive(Debug, clap::Args)]
pub struct AndroidArgs {
    #[command(subcommand)]
    pub command: AndroidCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum AndroidCommand {
    /// Devices by upgrade state and compliance reason, each explained with its fix.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// One policy's account-upgrade fields and its devices.
    Policy {
        /// Policy ID (`pilot`) or full name (`enterprises/E/policies/pilot`).
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Change a policy's workAccountSetupConfig or its enforcement rule. Prints the dry-run
    /// diff; sends nothing without --yes.
    Set(SetArgs),
    /// For a managed Google Play accounts enterprise: the link that binds it to the managed
    /// Google domain (needed before any account can be upgraded).
    UpgradeUrl {
        /// The admin who will follow the link.
        #[arg(long)]
        admin_email: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct SetArgs {
    pub policy: String,
    /// authenticationType = GOOGLE_AUTHENTICATED.
    #[arg(long, conflicts_with = "no_require_google_account")]
    pub require_google_account: bool,
    /// authenticationType = AUTHENTICATION_TYPE_NOT_ENFORCED (also clears requiredAccountEmail).
    #[arg(long)]
    pub no_require_google_account: bool,
    /// The one account the user must add (lower case, an active user in a verified domain).
    #[arg(long, conflicts_with = "clear_required_account_email")]
    pub required_account_email: Option<String>,
    #[arg(long)]
    pub clear_required_account_email: bool,
    /// Block after this many days of non-compliance (needs --wipe-after-days).
    #[arg(long, requires = "wipe_after_days")]
    pub block_after_days: Option<i32>,
    /// Wipe after this many days (more than --block-after-days; needs typed confirmation).
    #[arg(long, requires = "block_after_days")]
    pub wipe_after_days: Option<i32>,
    /// What the block covers on company-owned devices.
    #[arg(long, value_parser = ["work-profile", "device"])]
    pub block_scope: Option<String>,
    /// Keep factory-reset protection data when wiping (default true).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub preserve_frp: bool,
    /// Remove the workAccountSetupConfig enforcement rule (other rules stay).
    #[arg(long, conflicts_with_all = ["block_after_days", "wipe_after_days"])]
    pub remove_enforcement: bool,
    /// Send the patch (without it: dry run).
    #[arg(long)]
    pub yes: bool,
    /// The typed confirmation a wipe rule asks for, e.g. --confirm "wipe pilot".
    #[arg(long)]
    pub confirm: Option<String>,
    #[arg(long)]
    pub json: bool,
}

impl SetArgs {
    fn edit(&self) -> AccountEdit {
        AccountEdit {
            require_google_account: match (
                self.require_google_account,
                self.no_require_google_account,
            ) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            },
            required_account_email: match (
                &self.required_account_email,
                self.clear_required_account_email,
            ) {
                (Some(e), _) => Some(Some(e.clone())),
                (None, true) => Some(None),
                _ => None,
            },
            enforcement: match (
                self.block_after_days,
                self.wipe_after_days,
                self.remove_enforcement,
            ) {
                (Some(b), Some(w), _) => Some(Some(Enforcement {
                    block_after_days: b,
                    block_scope: self.block_scope.as_deref().map(|s| match s {
                        "device" => "BLOCK_SCOPE_DEVICE".to_string(),
                        _ => "BLOCK_SCOPE_WORK_PROFILE".to_string(),
                    }),
                    wipe_after_days: w,
                    preserve_frp: self.preserve_frp,
                })),
                (_, _, true) => Some(None),
                _ => None,
            },
        }
    }
}

/// The enterprise's client, or an error that says how to configure one.
fn amapi(clients: &Clients, profile: &Profile) -> color_eyre::Result<Amapi> {
    clients
        .amapi
        .clone()
        .ok_or_else(|| eyre!("{}", android::not_configured(&profile.name)))
}

pub async fn run(g: &GlobalArgs, args: AndroidArgs) -> color_eyre::Result<()> {
    let settings = g.settings()?;
    let profile = settings.require_profile()?.clone();
    // Like every command that opens the profile's database: settle interrupted changes first.
    let engine = super::recovery::engine(&settings, &profile)?;
    super::recovery::reconcile(&engine).await?;
    let clients = engine.clients()?.clone();
    let am = amapi(&clients, &profile)?;
    let store = engine
        .store()
        .expect("the engine has the profile's database")
        .clone();
    let first_seen = |view: &android::AndroidView| -> color_eyre::Result<_> {
        let s = store
            .lock()
            .map_err(|_| eyre!("the database lock was poisoned by an earlier panic"))?;
        Ok(android::status(view, &s, &profile.name)?)
    };
    match args.command {
        AndroidCommand::Status { json } => {
            let view = android::load(&am).await?;
            print::status(&view, &first_seen(&view)?, None, json)?;
            incomplete(&view)
        }
        AndroidCommand::Policy { name, json } => {
            let view = android::load(&am).await?;
            let full = am.policy_name(&name);
            if !view.policies.iter().any(|p| p.name == full) {
                bail!(
                    "no policy {full} in {}\n  hint: `offsync android status` lists the policies",
                    am.enterprise()
                );
            }
            print::status(&view, &first_seen(&view)?, Some(&full), json)?;
            incomplete(&view)
        }
        AndroidCommand::Set(a) => set(&engine, &clients, &am, &profile, a).await,
        AndroidCommand::UpgradeUrl { admin_email } => {
            let url = am
                .generate_enterprise_upgrade_url(admin_email.as_deref(), &profile.domains)
                .await?;
            println!("{url}");
            eprintln!(
                "offsync: open this link as a super admin of the Workspace domain; the \
                 enterprise then becomes a managed Google domain enterprise"
            );
            Ok(())
        }
    }
}

/// A partial device listing is printed (what came is still worth seeing) and then fails the
/// command, so a script or cron job cannot take it for the whole enterprise.
fn incomplete(view: &android::AndroidView) -> color_eyre::Result<()> {
    match &view.devices_incomplete {
        None => Ok(()),
        Some(why) => bail!(
            "the Android device listing is incomplete ({} devices fetched): {why}\n  hint: run \
             the command again; offsync retries transient errors, so a repeat failure needs a look",
            view.devices.len()
        ),
    }
}

async fn set(
    engine: &Engine,
    clients: &Clients,
    am: &Amapi,
    profile: &Profile,
    a: SetArgs,
) -> color_eyre::Result<()> {
    let edit = a.edit();
    let prepared = android::prepare(
        &clients.directory,
        am,
        &profile.name,
        &profile.customer_id,
        &a.policy,
        &edit,
    )
    .await
    .map_err(|e| match e {
        android::PrepareError::Google(g) => eyre!(g),
        refused => eyre!("{refused}"),
    })?;
    let plan = &prepared.plan;
    print::plan(plan, a.json)?;
    if !a.yes {
        eprintln!("offsync: dry run: nothing sent (add --yes to apply)");
        return Ok(());
    }
    if profile.readonly {
        bail!("read-only mode (--readonly or readonly = true): nothing was sent");
    }
    if let Some(expected) = &plan.typed_confirmation {
        if a.confirm.as_deref() != Some(expected.as_str()) {
            bail!(
                "this change adds or changes a wipe rule: nothing was sent\n  hint: confirm with --yes --confirm \"{expected}\""
            );
        }
    }
    let report = engine.execute(&prepared.change, |_| {}).await?;
    if let Some((target, why)) = report.failed.first() {
        bail!("{target} was not patched: {why}");
    }
    eprintln!(
        "offsync: {} patched (journal batch {}); devices apply it at their next policy sync",
        plan.policy,
        report.batch_id.map_or("-".into(), |b| b.to_string())
    );
    Ok(())
}
