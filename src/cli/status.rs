//! `offsync status [--ou /Path] [--json]`: the plan, every OU's steps with state and evidence,
//! waves and their guards, and the user funnel. `--json` prints one JSON object.
use super::migrate::{migrator, parse_ou, print_json, step_line};
use super::GlobalArgs;
use crate::migrate::report::Status;

#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// Only this OU and the OUs below it.
    #[arg(long, value_name = "/PATH", value_parser = parse_ou)]
    pub ou: Option<String>,
    /// One JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(g: &GlobalArgs, a: StatusArgs) -> color_eyre::Result<()> {
    let m = migrator(g).await?;
    let obs = m.observe_ready().await?;
    let status = m.status(&obs, a.ou.as_deref());
    if a.json {
        return print_json(&status);
    }
    print_text(&status);
    Ok(())
}

fn print_text(s: &Status) {
    println!("migration status at {} (server time)", s.now.to_rfc3339());
    println!(
        "pilot: {}",
        s.pilot
            .as_deref()
            .unwrap_or("(none: offsync wave add --pilot /Path)")
    );
    for o in &s.ous {
        println!();
        println!(
            "{}  [{} path, {:?} management{}]  Google Sync devices: {}  IMAP policy: {}",
            o.ou,
            o.declaration.path.as_str(),
            o.declaration.management,
            if o.declaration.emm { ", EMM" } else { "" },
            o.google_sync_devices,
            o.imap.describe()
        );
        for r in &o.steps {
            for line in step_line(r) {
                println!("{line}");
            }
        }
        println!("  users: {}", funnel_line(&o.funnel));
    }
    for w in &s.waves {
        println!();
        let state = match (&w.wave.started_at, w.ready) {
            (Some(at), _) => format!("started {}", at.to_rfc3339()),
            (None, true) => "ready to start".into(),
            (None, false) => "blocked".into(),
        };
        println!(
            "wave {}: {} (gated by {}): {state}",
            w.wave.number,
            w.wave.ous.join(", "),
            w.gated_by.join(", ")
        );
        for g in &w.guards {
            let waived = crate::migration::wave::override_for(&w.wave, g.guard);
            println!(
                "  guard {:<22}{}",
                g.guard.as_str(),
                match (g.passed, waived) {
                    (true, _) => "pass".to_string(),
                    (false, Some(o)) => format!(
                        "FAILED, overridden ({:?}: {}) by {}",
                        o.kind, o.reason, o.by
                    ),
                    (false, None) => "FAILED".to_string(),
                }
            );
            for b in &g.blockers {
                println!("      - {b}");
            }
            if g.more > 0 {
                println!("      … and {} more", g.more);
            }
        }
    }
    println!();
    println!("users with Google Sync devices: {}", funnel_line(&s.funnel));
    for c in &s.in_flight {
        println!("in flight: {c}");
    }
    for w in &s.warnings {
        eprintln!("offsync: warning: {w}");
    }
}

fn funnel_line(f: &std::collections::BTreeMap<crate::migration::Funnel, usize>) -> String {
    f.iter()
        .map(|(k, v)| format!("{} {v}", k.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}
