//! The demo's own costs (harness = false), at the demo's size (2,000 users, 5,000 devices)
//! and at a large tenant (`OFFSYNC_BENCH_USERS` 50000, `OFFSYNC_BENCH_DEVICES` 100000):
//!
//! - generating the shaped demo tenant (what `offsync demo` does before its first frame);
//! - one pass of simulated users once the admin changed something: the simulator catches
//!   users up at most once per sim minute, so at the demo's 1440× clock that is up to 24
//!   passes per real second while requests arrive; printed as a share of one core;
//! - one migration refresh (the full observation the Checklist and `offsync status` run:
//!   confirmed listing, policies, funnel, verification of every plan OU) against the
//!   in-process simulator, without latency and with the demo's 40 ms;
//! - the wall-clock minutes the pilot takes at the demo's scale (sim hours it must wait,
//!   from the windows offsync uses, divided by the scale).
use std::time::{Duration, Instant};

use offsync::cli::demo::{Backend, DemoArgs};
use offsync::google::Clients;
use offsync::migrate::Migrator;
use offsync::sim::{SimConfig, Tenant, DEMO_TIME_SCALE};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn backend(users: usize, devices: usize, latency_ms: u64) -> Backend {
    let args = DemoArgs {
        users,
        devices,
        seed: 7,
        latency_ms,
        faults: None,
        time_scale: DEMO_TIME_SCALE,
        feed_every: 60,
        deadline_hours: 48,
    };
    Backend::start(&args, false).await.expect("demo backend")
}

/// Median of `runs` migration refreshes, in milliseconds.
async fn refresh_ms(b: &Backend, runs: usize) -> f64 {
    let (clients, _) = Clients::new(&b.profile, None).expect("clients");
    let m = Migrator::new(clients, &b.profile, b.database.clone());
    let mut t = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let obs = m.observe_ready().await.expect("observe");
        let _ = m.status(&obs, None);
        t.push(ms(start.elapsed()));
    }
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

/// Mean of `runs` user-behaviour passes after the admin turned iOS push on and Google Sync
/// off at the pilot, in milliseconds.
async fn behaviour_pass_ms(b: &Backend, runs: u32) -> f64 {
    let http = reqwest::Client::new();
    for (setting, enabled) in [("ios_push", true), ("google_sync", false)] {
        http.post(format!("{}/_sim/console", b.sim.base_url))
            .json(&serde_json::json!({"orgUnitPath": "/Pilot", "setting": setting, "enabled": enabled}))
            .send()
            .await
            .expect("console");
    }
    let start = Instant::now();
    for _ in 0..runs {
        // Each step passes a sim minute, so each runs one whole pass.
        b.sim.advance(Duration::from_secs(61));
    }
    ms(start.elapsed()) / runs as f64
}

#[tokio::main]
async fn main() {
    let big_users = env_num("OFFSYNC_BENCH_USERS", 50_000) as usize;
    let big_devices = env_num("OFFSYNC_BENCH_DEVICES", 100_000) as usize;
    let passes_per_sec = DEMO_TIME_SCALE / 60.0;
    println!("offsync demo: costs at the demo's clock ({DEMO_TIME_SCALE}x)\n");
    println!(
        "{:<22}{:>14}{:>14}{:>18}{:>16}{:>16}",
        "tenant", "generate ms", "pass ms", "passes, % core", "refresh ms", "refresh 40ms"
    );
    for (users, devices) in [(2_000, 5_000), (big_users, big_devices)] {
        let start = Instant::now();
        let t = Tenant::generate(&SimConfig::demo(7, users, devices));
        let generate = ms(start.elapsed());
        drop(t);
        let b = backend(users, devices, 0).await;
        let refresh = refresh_ms(&b, 3).await;
        let pass = behaviour_pass_ms(&b, 20).await;
        b.shutdown().await;
        // The demo's latency only at its own size: at 100k the listing is quota-paced anyway.
        let slow = if devices <= 5_000 {
            let b = backend(users, devices, 40).await;
            let r = refresh_ms(&b, 3).await;
            b.shutdown().await;
            format!("{r:.0}")
        } else {
            "-".into()
        };
        println!(
            "{:<22}{:>14.0}{:>14.2}{:>18.1}{:>16.0}{:>16}",
            format!("{users} users/{devices}"),
            generate,
            pass,
            pass * passes_per_sec / 10.0,
            refresh,
            slow
        );
    }
    // The pilot's waits in sim hours: IMAP and push reach users (2 h), the last prompt user
    // moves (12 h), IMAP's 24 h window ends (covers both), reminded users move (12 h), then
    // sync-off's 24 h window and 24 h quiet window.
    let sim_hours = 24.0 + 12.0 + 24.0 + 24.0;
    println!(
        "\npilot waits: {sim_hours} sim hours = {:.1} real minutes at {DEMO_TIME_SCALE}x",
        sim_hours * 60.0 / DEMO_TIME_SCALE
    );
}
