//! `offsync sim serve|dump`: run the Google API simulator on its own (for manual testing and for
//! pointing a second offsync at it), or print a generated tenant without serving it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use color_eyre::eyre::{eyre, WrapErr};

use crate::sim::{self, FaultSpec, SimConfig, Tenant};

#[derive(Debug, clap::Args)]
pub struct SimArgs {
    #[command(subcommand)]
    pub command: SimCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum SimCommand {
    /// Serve the simulated Google APIs until Ctrl-C.
    Serve(Box<ServeArgs>),
    /// Print the generated tenant (ground truth) as JSON.
    Dump(TenantArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct TenantArgs {
    /// Seed of the generated tenant (same seed, same tenant).
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Number of users [default: 300; with --demo 2000].
    #[arg(long)]
    pub users: Option<usize>,
    /// Number of mobile devices [default: 600; with --demo 5000].
    #[arg(long)]
    pub devices: Option<usize>,
    /// The tenant `offsync demo` runs against: a twelve-user /Pilot where everyone is on
    /// Google Sync (some never move, some only after a reminder), EMM profiles in
    /// /Sales/EMEA, IMAP writable through the Policy API, and --time-scale 1440 unless given.
    #[arg(long)]
    pub demo: bool,
    /// Pin the sim clock's start (RFC 3339, e.g. 2026-01-05T09:00:00Z) for a reproducible tenant;
    /// by default it starts at the real now, so the data never ages.
    #[arg(long, value_name = "DATETIME")]
    pub start: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub tenant: TenantArgs,
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Added latency per API request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Fault injection, e.g. "429=0.05,503=0.03,500=0.02,403rate=0.02,timeout=0.01,reset=0.01,expire=0.01".
    #[arg(long, value_parser = FaultSpec::parse)]
    pub faults: Option<FaultSpec>,
    /// Per-user queries per minute (Google's Directory default is 2400).
    #[arg(long)]
    pub quota_per_minute: Option<u32>,
    /// Start the Android Management enterprise as a managed Google Play accounts enterprise
    /// (accounts cannot be upgraded until `generateEnterpriseUpgradeUrl` has been followed).
    #[arg(long)]
    pub amapi_play_accounts_enterprise: bool,
    /// What a device prompted for its managed Google account reports while it waits
    /// (unverified upstream): `user-action` (USER_ACTION) or `pending` (PENDING).
    #[arg(long, default_value = "user-action", value_parser = ["user-action", "pending"])]
    pub amapi_awaiting: String,
    /// How the per-minute quota is enforced: fixed (per clock minute), sliding (any 60 s)
    /// or second (quota/60 in any second).
    #[arg(long, default_value = "fixed", value_parser = sim::QuotaWindow::from_str)]
    pub quota_window: sim::QuotaWindow,
    /// Android Management queries per 100 s per project (Google's default is 1000).
    #[arg(long)]
    pub amapi_quota_per_100s: Option<u32>,
    /// How `email:` search values match: prefix (of the address) or words (word starts of
    /// the local part and domain, split at . @ - _).
    #[arg(long, default_value = "prefix", value_parser = sim::EmailMatch::from_str)]
    pub email_match: sim::EmailMatch,
    /// Search lag in seconds: devices created or changed within it are hidden from queries
    /// (a listing without query and get still show them).
    #[arg(long, default_value_t = 0)]
    pub search_lag_secs: u64,
    /// With --search-lag-secs: share of devices created within the lag at start (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    pub search_lag_share: f64,
    /// Comma list of the `type:` tokens that select Google Sync devices.
    #[arg(long, value_delimiter = ',', default_value = "google_sync,googlesync")]
    pub google_sync_tokens: Vec<String>,
    /// What another `type:` token gets: error (400) or empty (no device).
    #[arg(long, default_value = "error", value_parser = sim::UnknownTypeToken::from_str)]
    pub unknown_type_token: sim::UnknownTypeToken,
    /// Write sa-key.json, authorized-user.json and config.toml pointing offsync at this server,
    /// and a GAM7 config directory in DIR/gam (also makes the service account an admin).
    #[arg(long, value_name = "DIR")]
    pub write_config: Option<PathBuf>,
    /// Assign the service account an admin role in the tenant, so it may call Directory and
    /// Reports as itself (GAM's `enable_dasa`). On with --write-config.
    #[arg(long)]
    pub service_account_admin: bool,
    /// Run sim time N times faster: the clock, propagation delays and user behaviour
    /// (token lifetimes and quota windows stay real) [default: 1; with --demo 1440].
    #[arg(long, value_name = "N", value_parser = parse_scale)]
    pub time_scale: Option<f64>,
    /// Sim minutes a policy write or console change takes to reach users.
    #[arg(long, default_value_t = 120, value_name = "MINUTES")]
    pub propagation_minutes: u64,
    /// Accept writes of settings/gmail.imap_access through the Policy API (unverified upstream).
    #[arg(long)]
    pub imap_policy_mutable: bool,
    /// How gmail.imap_access carries the mail-client restriction: none, flat or nested.
    #[arg(long, default_value = "none", value_parser = parse_shape)]
    pub imap_restriction_shape: sim::ImapRestrictionShape,
    /// When reads show a policy write: immediate, or after-propagation.
    #[arg(long, default_value = "immediate", value_parser = parse_readback)]
    pub policy_readback: sim::PolicyReadback,
    /// An OU whose Exchange profiles an EMM pushed (repeatable; replaces the demo's).
    #[arg(long = "emm-ou", value_name = "/PATH")]
    pub emm_ous: Vec<String>,
}

fn parse_scale(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Ok(n),
        _ => Err(format!("`{s}` is not a positive number")),
    }
}

fn parse_shape(s: &str) -> Result<sim::ImapRestrictionShape, String> {
    match s {
        "none" => Ok(sim::ImapRestrictionShape::None),
        "flat" => Ok(sim::ImapRestrictionShape::Flat),
        "nested" => Ok(sim::ImapRestrictionShape::Nested),
        _ => Err(format!("`{s}`: use none, flat or nested")),
    }
}

fn parse_readback(s: &str) -> Result<sim::PolicyReadback, String> {
    match s {
        "immediate" => Ok(sim::PolicyReadback::Immediate),
        "after-propagation" => Ok(sim::PolicyReadback::AfterPropagation),
        _ => Err(format!("`{s}`: use immediate or after-propagation")),
    }
}

impl TenantArgs {
    fn config(&self) -> SimConfig {
        let mut cfg = if self.demo {
            SimConfig::demo(
                self.seed,
                self.users.unwrap_or(super::demo::DEMO_USERS),
                self.devices.unwrap_or(super::demo::DEMO_DEVICES),
            )
        } else {
            SimConfig {
                seed: self.seed,
                users: self.users.unwrap_or(300),
                devices: self.devices.unwrap_or(600),
                ..SimConfig::default()
            }
        };
        cfg.clock.start = self.start;
        cfg
    }
}

pub async fn run(args: SimArgs) -> color_eyre::Result<()> {
    match args.command {
        SimCommand::Dump(t) => {
            let cfg = t.config();
            let tenant = Tenant::generate(&cfg);
            // A closed pipe (`| head -c 10`) is an io::Error that main treats as a quiet
            // exit; `println!` would panic instead.
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            serde_json::to_writer_pretty(&mut out, &tenant.dump(tenant.epoch))
                .map_err(std::io::Error::from)?;
            writeln!(out)?;
            out.flush()?;
            Ok(())
        }
        SimCommand::Serve(a) => serve(*a).await,
    }
}

async fn serve(a: ServeArgs) -> color_eyre::Result<()> {
    let mut cfg = a.tenant.config();
    cfg.latency = Duration::from_millis(a.latency_ms);
    cfg.faults = a.faults.unwrap_or_default();
    cfg.quota_per_minute = a.quota_per_minute;
    cfg.service_account_admin = a.service_account_admin || a.write_config.is_some();
    if let Some(n) = a.time_scale {
        cfg.clock.speed = n;
    }
    cfg.propagation = Duration::from_secs(a.propagation_minutes * 60);
    cfg.imap_policy_mutable |= a.imap_policy_mutable;
    cfg.imap_restriction_shape = a.imap_restriction_shape;
    cfg.policy_readback = a.policy_readback;
    if !a.emm_ous.is_empty() {
        cfg.emm_ous = a.emm_ous.clone();
    }
    if a.amapi_play_accounts_enterprise {
        cfg.amapi.enterprise_type = sim::EnterpriseType::ManagedGooglePlayAccounts;
    }
    if a.amapi_awaiting == "pending" {
        cfg.amapi.awaiting = sim::AwaitingReading::Pending;
    }
    cfg.quota_window = a.quota_window;
    cfg.amapi_quota_per_100s = a.amapi_quota_per_100s;
    cfg.email_match = a.email_match;
    cfg.search_lag = Duration::from_secs(a.search_lag_secs);
    if !(0.0..=1.0).contains(&a.search_lag_share) {
        return Err(eyre!(
            "--search-lag-share {} is outside 0..=1",
            a.search_lag_share
        ));
    }
    cfg.search_lag_share = a.search_lag_share;
    cfg.google_sync_type_tokens = a.google_sync_tokens;
    cfg.unknown_type_token = a.unknown_type_token;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", a.port))
        .await
        .wrap_err_with(|| format!("cannot listen on 127.0.0.1:{}", a.port))?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let tenant = Tenant::generate(&cfg);
    let creds = sim::credentials_for(&tenant, &cfg, &base_url);
    if let Some(dir) = &a.write_config {
        write_config(dir, &base_url, &creds)
            .wrap_err_with(|| format!("writing config into {}", dir.display()))?;
        let gam_dir = dir.join("gam");
        write_gam_config(&gam_dir, &base_url, &tenant, &cfg)
            .wrap_err_with(|| format!("writing the GAM config into {}", gam_dir.display()))?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "wrote {}", dir.join("config.toml").display())?;
        writeln!(out, "wrote {} (GAM7: see README)", gam_dir.display())?;
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{base_url}")?;
    writeln!(
        out,
        "admin: {}  customer: {}  domains: {}",
        creds.admin_email,
        creds.customer_id,
        creds.domains.join(", ")
    )?;
    out.flush()?;
    drop(out);
    sim::serve(listener, tenant, cfg, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?;
        f.write_all(text.as_bytes())?;
        // `mode` only applies on creation; tighten an existing file too.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
    }
    #[cfg(not(unix))]
    std::fs::write(path, text)
}

fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Writes the key files and a config.toml in the shape the config module reads.
pub fn write_config(
    dir: &Path,
    base_url: &str,
    creds: &sim::SimCredentials,
) -> color_eyre::Result<()> {
    std::fs::create_dir_all(dir)?;
    let dir = std::fs::canonicalize(dir)?;
    let key = dir.join("sa-key.json");
    write_private(&key, &creds.key_json)?;
    write_private(
        &dir.join("authorized-user.json"),
        &creds.authorized_user_json,
    )?;
    let key_path = key
        .to_str()
        .ok_or_else(|| eyre!("key path is not UTF-8: {}", key.display()))?;
    let domains: Vec<String> = creds.domains.iter().map(|d| toml_str(d)).collect();
    let toml = format!(
        "default_profile = \"sim\"\n\n[profiles.sim]\ncustomer_id = \"my_customer\"\nsubject = {subject}\n\
         key_file = {key}\ndomains = [{domains}]\n\n[profiles.sim.endpoints]\n\
         directory = {url}\nreports = {url}\ncloudidentity = {url}\ngmail = {url}\n\
         androidmanagement = {url}\nenterprise = {enterprise}\n",
        subject = toml_str(&creds.admin_email),
        key = toml_str(key_path),
        domains = domains.join(", "),
        url = toml_str(base_url),
        enterprise = toml_str(&creds.enterprise),
    );
    std::fs::write(dir.join("config.toml"), toml)?;
    Ok(())
}

/// Writes a GAM7 config directory for the simulated tenant, and `sim-url` with this server's
/// address, which the launcher `scripts/gam_sim.py` reads to redirect Google's hosts here.
pub fn write_gam_config(
    dir: &Path,
    base_url: &str,
    tenant: &Tenant,
    cfg: &SimConfig,
) -> color_eyre::Result<()> {
    // GAM warns about (and will not use) a cache directory that does not exist.
    std::fs::create_dir_all(dir.join("gamcache"))?;
    let dir = std::fs::canonicalize(dir)?;
    let dir_str = dir
        .to_str()
        .ok_or_else(|| eyre!("GAM config path is not UTF-8: {}", dir.display()))?;
    for file in sim::gam_config_files(tenant, cfg, dir_str) {
        let path = dir.join(file.name);
        if file.private {
            write_private(&path, &file.text)?;
        } else {
            std::fs::write(&path, &file.text)?;
        }
    }
    std::fs::write(dir.join("sim-url"), format!("{base_url}\n"))?;
    Ok(())
}
