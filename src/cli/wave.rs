//! `offsync wave list|add|start|override`: the pilot, ordered waves and their guards.
use color_eyre::eyre::eyre;

use super::migrate::{migrator, parse_ou, print_json};
use super::GlobalArgs;
use crate::migration::{GuardId, OverrideKind};

#[derive(Debug, clap::Args)]
pub struct WaveArgs {
    #[command(subcommand)]
    pub command: WaveCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum WaveCommand {
    /// The pilot, every wave and the guards that gate it.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Set the pilot OU (--pilot) or append a wave of OUs.
    Add {
        #[arg(long, value_name = "/PATH", value_parser = parse_ou, conflicts_with = "ous")]
        pilot: Option<String>,
        #[arg(value_parser = parse_ou)]
        ous: Vec<String>,
    },
    /// Start a wave once its guards pass (or are overridden); prints the check without --yes.
    Start {
        number: u32,
        #[arg(long)]
        yes: bool,
    },
    /// Override a failing guard for a wave, with a typed reason (journaled).
    Override {
        number: u32,
        /// steps-verified, no-sync-after-cutoff or users-replaced.
        #[arg(value_parser = parse_guard)]
        guard: GuardId,
        /// accepted-risk, verified-out-of-band or deadline.
        #[arg(long, value_parser = parse_kind)]
        kind: OverrideKind,
        #[arg(long)]
        reason: String,
    },
}

fn parse_guard(s: &str) -> Result<GuardId, String> {
    GuardId::parse(s).ok_or_else(|| {
        format!("unknown guard `{s}`; use steps-verified, no-sync-after-cutoff or users-replaced")
    })
}

fn parse_kind(s: &str) -> Result<OverrideKind, String> {
    OverrideKind::parse(s).ok_or_else(|| {
        format!("unknown override kind `{s}`; use accepted-risk, verified-out-of-band or deadline")
    })
}

pub async fn run(g: &GlobalArgs, a: WaveArgs) -> color_eyre::Result<()> {
    let m = migrator(g).await?;
    match a.command {
        WaveCommand::List { json } => {
            let obs = m.observe_ready().await?;
            let waves = m.wave_statuses(&obs);
            if json {
                return print_json(&serde_json::json!({"pilot": obs.plan.pilot, "waves": waves}));
            }
            println!("pilot: {}", obs.plan.pilot.as_deref().unwrap_or("(none)"));
            for w in waves {
                let state = match (w.wave.started_at, w.ready) {
                    (Some(at), _) => format!("started {}", at.to_rfc3339()),
                    (None, true) => "ready".into(),
                    (None, false) => "blocked".into(),
                };
                println!(
                    "wave {}: {}  [{state}]",
                    w.wave.number,
                    w.wave.ous.join(", ")
                );
                if let (None, Some(b)) = (w.wave.started_at, &w.blocked) {
                    println!("{b}");
                }
            }
        }
        WaveCommand::Add { pilot: Some(p), .. } => {
            m.set_pilot(&p).await?;
            println!("pilot: {p}");
        }
        WaveCommand::Add { pilot: None, ous } => {
            if ous.is_empty() {
                return Err(eyre!(
                    "name the wave's OUs (offsync wave add /Staff /Students) or --pilot /Path"
                ));
            }
            let n = m.add_wave(&ous).await?;
            println!("wave {n}: {}", ous.join(", "));
        }
        WaveCommand::Start { number, yes } => {
            let w = m.start_wave(number, yes).await?;
            if yes {
                println!("wave {number} started: {} (its API steps are planned; `offsync step OU imap apply --yes` sends them)", w.wave.ous.join(", "));
            } else {
                println!(
                    "wave {number} may start ({}); add --yes to start it",
                    w.wave.ous.join(", ")
                );
            }
        }
        WaveCommand::Override {
            number,
            guard,
            kind,
            reason,
        } => {
            m.override_guard(number, guard, kind, &reason).await?;
            println!(
                "wave {number}: guard {} overridden ({kind:?}): {reason}",
                guard.as_str()
            );
        }
    }
    Ok(())
}
