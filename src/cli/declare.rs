//! `offsync declare <OU> [--path standard|gmail-app] [--management basic|advanced] [--emm]
//! [--emm-device ID…]`: what no API reveals about an OU, declared by the admin (journaled).
use super::migrate::{migrator, parse_ou};
use super::GlobalArgs;
use crate::migration::{Management, MigrationPath, OuDeclaration};

#[derive(Debug, Clone, clap::Args)]
pub struct DeclareArgs {
    #[arg(value_parser = parse_ou)]
    pub ou: String,
    /// standard (IMAP + native accounts) or gmail-app (IMAP off, Gmail app).
    #[arg(long, default_value = "standard", value_parser = parse_path)]
    pub path: MigrationPath,
    /// basic or advanced mobile management (iOS automatic push needs advanced).
    #[arg(long, default_value = "basic", value_parser = parse_mgmt)]
    pub management: Management,
    /// A third-party EMM pushed this OU's Exchange profiles.
    #[arg(long)]
    pub emm: bool,
    /// A device (resource ID) whose Exchange profile an EMM pushed (repeatable).
    #[arg(long = "emm-device", value_name = "RESOURCE_ID")]
    pub emm_devices: Vec<String>,
}

fn parse_path(s: &str) -> Result<MigrationPath, String> {
    MigrationPath::parse(s).ok_or_else(|| format!("unknown path `{s}`; use standard or gmail-app"))
}

fn parse_mgmt(s: &str) -> Result<Management, String> {
    match s {
        "basic" => Ok(Management::Basic),
        "advanced" => Ok(Management::Advanced),
        _ => Err(format!("unknown management `{s}`; use basic or advanced")),
    }
}

pub async fn run(g: &GlobalArgs, a: DeclareArgs) -> color_eyre::Result<()> {
    let m = migrator(g).await?;
    let d = OuDeclaration {
        ou: a.ou.clone(),
        path: a.path,
        management: a.management,
        emm: a.emm,
        emm_devices: a.emm_devices,
    };
    m.declare(d).await?;
    println!(
        "{}: {} path, {:?} management{}",
        a.ou,
        a.path.as_str(),
        a.management,
        if a.emm { ", EMM-managed" } else { "" }
    );
    Ok(())
}
