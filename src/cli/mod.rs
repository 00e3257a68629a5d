//! Thin subcommands: parse, call the library, print. No business logic lives here.
use std::path::PathBuf;

/// Options every subcommand shares.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// Config file (default: the platform config dir, see `offsync info`).
    #[arg(long, global = true, env = "OFFSYNC_CONFIG")]
    pub config: Option<PathBuf>,
    /// Profile to use (default: `default_profile` in the config).
    #[arg(long, global = true, env = "OFFSYNC_PROFILE")]
    pub profile: Option<String>,
    /// Never send a mutating request (also `readonly = true` in a profile).
    #[arg(long, global = true)]
    pub readonly: bool,
}

impl GlobalArgs {
    pub fn settings(&self) -> Result<crate::config::Settings, crate::config::ConfigError> {
        crate::config::Settings::load(
            self.config.as_deref(),
            self.profile.as_deref(),
            self.readonly,
        )
    }
}
pub mod act;
mod act_print;
pub mod android;
mod android_print;
pub mod check;
pub mod completions;
pub mod declare;
pub mod demo;
pub mod demo_console;
pub mod devices;
pub mod feed;
pub mod info;
pub mod journal;
pub mod migrate;
mod recovery;
pub mod sim;
pub mod status;
pub mod step;
pub mod ui;
pub mod users;
pub mod wave;
