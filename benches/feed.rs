//! Feed benchmark (harness = false): a poller against `offsync sim serve` at 100,000 devices
//! and 50,000 users, the simulator enforcing Google's 2,400 Directory requests per minute.
//! Polls every source twice (the baseline, then a steady-state diff against the stored
//! state) and prints requests per poll and per hour at the default intervals, next to
//! Google's quotas, plus the poller's CPU time and peak memory.
//!
//! `OFFSYNC_BENCH_DEVICES` (100000), `OFFSYNC_BENCH_USERS` (50000), `OFFSYNC_BENCH_QUOTA`
//! (2400). The simulator runs in its own process, so the figures are the poller's own.
use std::time::{Duration, Instant};

use offsync::config::Settings;
use offsync::feed::{ListingHooks, PollOutcome, Poller};
use offsync::google::Clients;
use offsync::model::Source;
use offsync::store::Store;
use tokio::io::{AsyncBufReadExt, BufReader};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn peak_rss_mb() -> f64 {
    status_mb("VmHWM:")
}

fn rss_mb() -> f64 {
    status_mb("VmRSS:")
}

fn status_mb(field: &str) -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// This process's user + system CPU seconds.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let f: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    f.get(11..13).map_or(f64::NAN, |t| {
        t.iter().filter_map(|v| v.parse::<f64>().ok()).sum::<f64>() / 100.0
    })
}

#[tokio::main]
async fn main() {
    let devices = env_num("OFFSYNC_BENCH_DEVICES", 100_000);
    let users = env_num("OFFSYNC_BENCH_USERS", 50_000);
    let quota = env_num("OFFSYNC_BENCH_QUOTA", 2_400);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut sim = tokio::process::Command::new(env!("CARGO_BIN_EXE_offsync"))
        .args([
            "sim",
            "serve",
            "--users",
            &users.to_string(),
            "--devices",
            &devices.to_string(),
        ])
        .args(["--quota-per-minute", &quota.to_string(), "--write-config"])
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("offsync sim serve");
    let mut lines = BufReader::new(sim.stdout.take().expect("stdout")).lines();
    while let Some(l) = lines.next_line().await.expect("read") {
        if l.starts_with("http://") {
            break;
        }
    }
    let settings =
        Settings::load(Some(&dir.path().join("config.toml")), None, false).expect("config");
    let mut profile = settings.profile.expect("profile");
    profile.http.directory_requests_per_minute = quota as u32;
    let (clients, _) = Clients::new(&profile, None).expect("clients");
    let store = Store::open(&dir.path().join("feed.sqlite")).expect("store");
    let poller = Poller::new(clients, store);
    // Measure what each poll costs, whatever the budgets: the per-hour table below compares
    // the cost with the default budgets (a poll over budget would wait instead).
    let defaults = poller.settings().clone();
    let mut unbounded = defaults.clone();
    for s in Source::ALL {
        unbounded.source_mut(s).requests_per_hour = u32::MAX;
    }
    let mut poller = poller.with_settings(unbounded);
    assert!(poller.lease().expect("lease").is_held());
    println!("feed poll at {devices} devices, {users} users; simulator quota {quota}/min\n");
    let mut steady = Vec::new();
    for cycle in ["baseline", "steady"] {
        println!("{cycle}:");
        for s in Source::ALL {
            let cpu = cpu_secs();
            let r = poller.poll(s).await.expect("poll");
            let cpu = cpu_secs() - cpu;
            assert_eq!(r.outcome, PollOutcome::Committed, "{s}: {r:?}");
            println!(
                "  {:<9} {:>5} requests  {:>6.1} s  {:>5.1} s CPU  {} new events",
                s.as_str(),
                r.requests,
                r.took.as_secs_f64(),
                cpu,
                r.new_events
            );
            if cycle == "steady" {
                steady.push((s, r.requests));
            }
        }
        // Let the tenant's phones sync between cycles so the second diff has work to do.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    println!(
        "\nper hour at the default intervals (steady state; usage reads a new day once a day):"
    );
    let feed = defaults;
    let (mut directory, mut reports, mut amapi, mut policy) = (0.0, 0.0, 0.0, 0.0);
    for (s, n) in &steady {
        let interval = feed.source(*s).interval.expect("on by default");
        let per_hour = *n as f64 * 3600.0 / interval.as_secs_f64();
        println!(
            "  {:<9} every {:>6} s  {:>5} requests/poll  {:>7.0} requests/h  (budget {}/h{})",
            s.as_str(),
            interval.as_secs(),
            n,
            per_hour,
            feed.source(*s).requests_per_hour,
            if per_hour > f64::from(feed.source(*s).requests_per_hour) {
                ": OVER, polls would wait"
            } else {
                ""
            }
        );
        *match s {
            Source::Directory => &mut directory,
            Source::Audit | Source::Usage => &mut reports,
            Source::Android => &mut amapi,
            Source::Policy => &mut policy,
        } += per_hour;
    }
    println!(
        "  Directory: {directory:.0}/h of Google's 2,400/min per user = 144,000/h ({:.1}%)",
        directory / 1440.0
    );
    println!("  Reports: {reports:.0}/h; Cloud Identity policies: {policy:.0}/h");
    println!(
        "  Android Management: {amapi:.0}/h of 1,000 per 100 s = 36,000/h ({:.1}%)",
        amapi / 360.0
    );
    let started = Instant::now();
    let cpu = cpu_secs();
    poller.poll(Source::Directory).await.expect("poll");

    println!(
        "\none more directory poll: {:.1} s wall, {:.1} s CPU; poller peak RSS {:.0} MB",
        started.elapsed().as_secs_f64(),
        cpu_secs() - cpu,
        peak_rss_mb()
    );
    // A process that keeps polling, as a dashboard that holds the lease does: every
    // Directory listing is also cached and handed to the table (here: dropped).
    let cycles = env_num("OFFSYNC_BENCH_CYCLES", 3);
    poller.set_listing_hooks(ListingHooks {
        on_event: Box::new(|_| {}),
        on_listed: Box::new(drop),
        cache: Some(offsync::store::KEEP_SNAPSHOTS),
    });
    println!("\nkeeps polling ({cycles} cycles of directory + android, listing cached as a dashboard does):");
    let every = poller
        .settings()
        .source(Source::Directory)
        .interval
        .expect("on by default")
        .as_secs_f64();
    for cycle in 1..=cycles {
        let started = Instant::now();
        let cpu = cpu_secs();
        let mut requests = 0;
        for s in [
            Source::Directory,
            Source::Android,
            Source::Policy,
            Source::Audit,
        ] {
            let r = poller.poll(s).await.expect("poll");
            assert_eq!(r.outcome, PollOutcome::Committed, "{s}: {r:?}");
            requests += r.requests;
        }
        let wall = started.elapsed().as_secs_f64();
        let cpu = cpu_secs() - cpu;
        println!(
            "  cycle {cycle}: {requests} requests, {wall:.1} s wall, {cpu:.1} s CPU ({:.1}% of one core over a {every:.0} s interval), RSS {:.0} MB, peak {:.0} MB",
            100.0 * cpu / every,
            rss_mb(),
            peak_rss_mb()
        );
    }
    let _ = sim.kill().await;
}
