//! What `offsync act` prints: the plan (count, left out, samples, GAM lines, warnings) on
//! stdout, progress on a terminal's stderr, and the final report.
use std::io::IsTerminal;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::act::Exit;
use crate::change::{Plan, Report, TargetOutcome};

const SAMPLES: usize = 10;

pub fn plan(p: &Plan) {
    println!(
        "plan: {} (profile {}, customer {}, as {})",
        p.summary(),
        p.profile,
        p.customer_id,
        p.actor
    );
    if !p.skipped.is_empty() {
        println!(
            "left out: {} already in the wanted state (e.g. {} {})",
            p.skipped.len(),
            p.skipped[0].resource_id,
            p.skipped[0].why
        );
    }
    for t in p.targets.iter().take(SAMPLES) {
        println!(
            "  {}  {}  {}  {}  {}",
            t.resource_id,
            t.owner.as_deref().unwrap_or("(no owner)"),
            t.org_unit.as_deref().unwrap_or("(no OU)"),
            t.about,
            t.before
        );
    }
    if p.len() > SAMPLES {
        println!("  … and {} more", p.len() - SAMPLES);
    }
    if !p.is_empty() {
        println!("GAM equivalent (one command per target):");
        for t in p.targets.iter().take(SAMPLES) {
            println!("  {}", t.gam);
        }
        if p.len() > SAMPLES {
            println!(
                "  … and {} more (--save-plan FILE lists them all)",
                p.len() - SAMPLES
            );
        }
    }
    for w in &p.warnings {
        println!("warning: {w}");
    }
}

/// A progress bar on a terminal, nothing otherwise; failures are printed as they come.
pub fn progress(total: usize) -> impl FnMut(TargetOutcome) {
    let bar = if std::io::stderr().is_terminal() {
        let b = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
        b.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    move |o: TargetOutcome| {
        bar.inc(1);
        if let Err(e) = &o.result {
            bar.suspend(|| eprintln!("offsync: {} failed: {e}", o.resource_id));
        }
    }
}

pub fn report(r: &Report) -> ExitCode {
    let batch = r
        .batch_id
        .map(|b| format!(" (batch {b})"))
        .unwrap_or_default();
    println!(
        "done{batch}: {} sent, {} applied, {} failed",
        r.sent,
        r.applied,
        r.failed.len()
    );
    if r.failed.is_empty() {
        Exit::Applied.into()
    } else {
        Exit::SomeFailed.into()
    }
}
