//! `offsync` with no subcommand: the dashboard for the configured profile.
use color_eyre::eyre::WrapErr;

use super::GlobalArgs;
use crate::tui;

pub async fn run(g: &GlobalArgs) -> color_eyre::Result<()> {
    let settings = g.settings()?;
    let profile = settings.require_profile()?.clone();
    let database = settings.paths.database(&profile.name);
    let config_file = settings.paths.config_file.clone();
    tui::run(tui::Launch {
        settings,
        profile,
        database: Some(database),
        config_file: Some(config_file),
        readonly_flag: g.readonly,
        sim_clock_scale: None,
    })
    .await
    .wrap_err("the dashboard stopped")
}
