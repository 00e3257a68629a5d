//! Inventory loading benchmark against the simulator (harness = false), one table per
//! reading of Google's documentation the simulator offers (how `email:` matches, how the
//! per-minute quota is enforced, a lagging search index). First the GAM-style sequential
//! page chain, once (it sends no query, so no reading changes it); then per reading:
//! offsync's index-only listing under the default quota (2,400/min, enforced the reading's
//! way), the same with the quota raised, and the confirmed listing (no query). Plus
//! requests, retries, bytes, peak RSS, and the start from cache.
//!
//! Sizes are configurable for a quick run:
//! `OFFSYNC_BENCH_DEVICES` (100000), `OFFSYNC_BENCH_USERS` (50000), `OFFSYNC_BENCH_LATENCY_MS`
//! (150), `OFFSYNC_BENCH_QUOTA` (2400), `OFFSYNC_BENCH_CONCURRENCY` for the raised quota (32),
//! `OFFSYNC_BENCH_SKIP_BASELINE=1` to skip the slow sequential chain (ratios then use
//! 1,100 requests × the latency as its time), `OFFSYNC_BENCH_READINGS=1,4` to run only some
//! tables (numbers as printed).
//!
//! The simulator runs in a child process (this same binary, started with
//! `OFFSYNC_BENCH_SIM_CHILD` set) so the peak RSS reported per run is offsync's own.
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};

use offsync::config::Profile;
use offsync::google::{load_inventory_with, Clients, Listing};
use offsync::sim::{self, EmailMatch, QuotaWindow, SimConfig};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Resets VmHWM to the current RSS (Linux ≥ 4.0), so each run reports its own peak.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

struct Run {
    label: String,
    secs: f64,
    devices: usize,
    /// Devices the tenant has (what a confirmed listing must return).
    expected: u64,
    users: usize,
    requests: u64,
    retries: u64,
    bytes: u64,
    quota_errors: u64,
    peak_mb: Option<f64>,
}

/// What the child simulator serves: sizes and the readings.
#[derive(Clone)]
struct Spec {
    users: usize,
    devices: usize,
    latency_ms: u64,
    quota: u32,
    window: QuotaWindow,
    words: bool,
    lag_share: f64,
}

impl Spec {
    fn encode(&self) -> String {
        let w = match self.window {
            QuotaWindow::FixedMinute => "fixed",
            QuotaWindow::SlidingMinute => "sliding",
            QuotaWindow::StrictSecond => "second",
        };
        format!(
            "{},{},{},{},{w},{},{}",
            self.users, self.devices, self.latency_ms, self.quota, self.words, self.lag_share
        )
    }

    fn decode(s: &str) -> SimConfig {
        let f: Vec<&str> = s.split(',').collect();
        let quota: u32 = f[3].parse().expect("quota");
        SimConfig {
            users: f[0].parse().expect("users"),
            devices: f[1].parse().expect("devices"),
            latency: Duration::from_millis(f[2].parse().expect("latency")),
            quota_per_minute: (quota > 0).then_some(quota),
            quota_window: f[4].parse().expect("window"),
            email_match: if f[5] == "true" {
                EmailMatch::WordStart
            } else {
                EmailMatch::AddressPrefix
            },
            search_lag: Duration::from_secs(36 * 3600),
            search_lag_share: f[6].parse().expect("lag share"),
            devices_keep_syncing: false,
            ..SimConfig::default()
        }
    }
}

/// Child mode: serve the simulator, print its credentials as one JSON line, and when stdin
/// closes print the quota errors it answered and exit.
async fn sim_child(spec: &str) {
    let cfg = Spec::decode(spec);
    let sim = sim::start(cfg).await.expect("simulator");
    let c = &sim.credentials;
    let total = sim.tenant_snapshot()["mobiledevices"]
        .as_array()
        .map_or(0, |d| d.iter().filter(|d| d["_deleted"] != true).count());
    let hello = serde_json::json!({
        "base_url": sim.base_url,
        "key_json": c.key_json,
        "admin_email": c.admin_email,
        "domains": c.domains,
        "devices": total,
    });
    println!("{hello}");
    let mut sink = Vec::new();
    let _ = tokio::io::AsyncReadExt::read_to_end(&mut tokio::io::stdin(), &mut sink).await;
    let st = sim.stats();
    println!("{}", st.count_status("/", 429) + st.count_status("/", 403));
    // The simulator's own CPU time: when it nears the wall time, the simulator (which scans
    // its tenant for every search) bounds the run, not offsync.
    if let Ok(stat) = std::fs::read_to_string("/proc/self/stat") {
        let f: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        let ticks: f64 = f.get(11..13).map_or(0.0, |t| {
            t.iter().filter_map(|v| v.parse::<f64>().ok()).sum()
        });
        eprintln!("  simulator CPU: {:.1} s", ticks / 100.0);
    }
    sim.shutdown().await;
}

struct SimProcess {
    child: tokio::process::Child,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    hello: serde_json::Value,
}

async fn spawn_sim(spec: &Spec) -> SimProcess {
    let mut child = tokio::process::Command::new(std::env::current_exe().expect("exe"))
        .env("OFFSYNC_BENCH_SIM_CHILD", spec.encode())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("simulator process");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let line = lines.next_line().await.expect("read").expect("hello");
    let hello = serde_json::from_str(&line).expect("hello json");
    SimProcess {
        child,
        lines,
        hello,
    }
}

async fn run(
    label: String,
    spec: &Spec,
    listing: Listing,
    tune: impl FnOnce(&mut Profile),
    keep: bool,
) -> (Run, Option<offsync::model::Inventory>) {
    let mut sim = spawn_sim(spec).await;
    let h = &sim.hello;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.json");
    std::fs::write(&key, h["key_json"].as_str().expect("key")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let domains = h["domains"]
        .as_array()
        .expect("domains")
        .iter()
        .map(|d| d.as_str().unwrap_or_default().to_string())
        .collect();
    let expected = h["devices"].as_u64().unwrap_or(0);
    let mut p = Profile::for_simulator(
        h["base_url"].as_str().expect("url"),
        key,
        h["admin_email"].as_str().expect("admin"),
        domains,
        None,
    );
    tune(&mut p);
    let (clients, _) = Clients::new(&p, None).expect("clients");
    reset_peak_rss();
    let t = Instant::now();
    let inv = load_inventory_with(&clients, None, listing, |_| {})
        .await
        .expect("inventory loads");
    let secs = t.elapsed().as_secs_f64();
    let peak_mb = peak_rss_mb();
    let s = clients.client.stats();
    drop(sim.child.stdin.take());
    let quota_errors = sim
        .lines
        .next_line()
        .await
        .ok()
        .flatten()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0);
    let _ = sim.child.wait().await;
    let r = Run {
        label,
        secs,
        devices: inv.devices.len(),
        expected,
        users: inv.users.len(),
        requests: s.requests,
        retries: s.retries,
        bytes: s.bytes,
        quota_errors,
        peak_mb,
    };
    eprintln!("  {}: {:.1} s, {} requests", r.label, r.secs, r.requests);
    (r, keep.then_some(inv))
}

fn table(title: &str, runs: &[Run], base: (f64, u64)) {
    println!("\n## {title}");
    println!(
        "{:34} {:>7} {:>7} {:>8} {:>7} {:>6} {:>8} {:>6} {:>7} {:>6} {:>6} {:>6}",
        "run",
        "seconds",
        "x seq",
        "devices",
        "missing",
        "users",
        "requests",
        "x seq",
        "retries",
        "quota",
        "MB",
        "peakMB"
    );
    for r in runs {
        println!(
            "{:34} {:>7.1} {:>7.2} {:>8} {:>7} {:>6} {:>8} {:>6.2} {:>7} {:>6} {:>6.1} {:>6.0}",
            r.label,
            r.secs,
            r.secs / base.0,
            r.devices,
            r.expected.saturating_sub(r.devices as u64),
            r.users,
            r.requests,
            r.requests as f64 / base.1.max(1) as f64,
            r.retries,
            r.quota_errors,
            r.bytes as f64 / 1e6,
            r.peak_mb.unwrap_or(f64::NAN)
        );
    }
}

fn main() {
    // As offsync's own `main` does, before the runtime's threads start.
    offsync::heap::one_arena();
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(run_all());
}

async fn run_all() {
    if let Ok(spec) = std::env::var("OFFSYNC_BENCH_SIM_CHILD") {
        return sim_child(&spec).await;
    }
    if let Ok(path) = std::env::var("OFFSYNC_BENCH_CACHE_CHILD") {
        return cache_child(std::path::Path::new(&path));
    }
    let devices = env_num("OFFSYNC_BENCH_DEVICES", 100_000) as usize;
    let users = env_num("OFFSYNC_BENCH_USERS", 50_000) as usize;
    let latency_ms = env_num("OFFSYNC_BENCH_LATENCY_MS", 150);
    let quota = env_num("OFFSYNC_BENCH_QUOTA", 2400) as u32;
    let fast_conc = env_num("OFFSYNC_BENCH_CONCURRENCY", 32) as usize;
    let only: Option<Vec<usize>> = std::env::var("OFFSYNC_BENCH_READINGS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect());
    let base = Spec {
        users,
        devices,
        latency_ms,
        quota,
        window: QuotaWindow::FixedMinute,
        words: false,
        lag_share: 0.0,
    };
    println!(
        "tenant: {devices} devices, {users} users, {latency_ms} ms latency per request; \
         quota {quota}/min per user"
    );

    // The sequential chain sends no query: the same under every reading.
    let seq = if std::env::var("OFFSYNC_BENCH_SKIP_BASELINE").is_err() {
        let (r, _) = run(
            "sequential chain (GAM-style)".into(),
            &base,
            Listing::IndexOnly,
            |p| {
                p.http.partitioned_listing = false;
                p.http.concurrency = 1;
            },
            false,
        )
        .await;
        let b = (r.secs, r.requests);
        table("baseline (every reading)", &[r], b);
        b
    } else {
        let pages = (devices.div_ceil(100) + users.div_ceil(500) + 1) as u64;
        (pages as f64 * latency_ms as f64 / 1000.0, pages)
    };

    let readings: [(&str, Spec); 5] = [
        (
            "1. email: as address prefix; quota per fixed minute",
            base.clone(),
        ),
        (
            "2. email: by word starts; quota per fixed minute",
            Spec {
                words: true,
                ..base.clone()
            },
        ),
        (
            "3. email: by word starts; quota over a sliding minute",
            Spec {
                words: true,
                window: QuotaWindow::SlidingMinute,
                ..base.clone()
            },
        ),
        (
            "4. email: by word starts; quota strictly per second (40/s)",
            Spec {
                words: true,
                window: QuotaWindow::StrictSecond,
                ..base.clone()
            },
        ),
        (
            "5. search lag: 2% of devices not yet in the index (word starts, fixed minute)",
            Spec {
                words: true,
                lag_share: 0.02,
                ..base.clone()
            },
        ),
    ];
    let mut cached = None;
    for (i, (title, spec)) in readings.iter().enumerate() {
        if only.as_ref().is_some_and(|o| !o.contains(&(i + 1))) {
            continue;
        }
        eprintln!("{title}");
        let mut runs = Vec::new();
        runs.push(
            run(
                "index-only, quota 2400/min".into(),
                spec,
                Listing::IndexOnly,
                |p| p.http.directory_requests_per_minute = quota,
                false,
            )
            .await
            .0,
        );
        let raised = Spec {
            quota: 0,
            ..spec.clone()
        };
        let (r, inv) = run(
            "index-only, quota raised".into(),
            &raised,
            Listing::IndexOnly,
            |p| {
                p.http.directory_requests_per_minute = 1_000_000;
                p.http.concurrency = fast_conc;
            },
            cached.is_none(),
        )
        .await;
        runs.push(r);
        cached = cached.or(inv);
        runs.push(
            run(
                "confirmed, quota 2400/min".into(),
                spec,
                Listing::Confirmed,
                |p| p.http.directory_requests_per_minute = quota,
                false,
            )
            .await
            .0,
        );
        table(title, &runs, seq);
    }

    // Second start: the inventory from the local cache, in a fresh process, so neither
    // the time nor the peak memory includes what this process kept from the listings.
    if let Some(inv) = cached {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bench.sqlite");
        let mut store = offsync::store::Store::open(&path).expect("store");
        store.save_inventory(&inv).expect("save");
        drop(store);
        drop(inv);
        let out = std::process::Command::new(std::env::current_exe().expect("bench binary"))
            .env("OFFSYNC_BENCH_CACHE_CHILD", &path)
            .output()
            .expect("cache child");
        println!();
        print!("{}", String::from_utf8_lossy(&out.stdout));
    }
}

/// The second start: open the cache, load the full inventory, report time and peak RSS.
fn cache_child(path: &std::path::Path) {
    let t = Instant::now();
    let store = offsync::store::Store::open(path).expect("store");
    let back = store
        .load_inventory()
        .expect("load")
        .expect("cached inventory");
    println!(
        "second start, cache -> full inventory: {:.2} s ({} devices)",
        t.elapsed().as_secs_f64(),
        back.devices.len()
    );
    match peak_rss_mb() {
        Some(mb) => println!("peak RSS of the second start (new process): {mb:.0} MB"),
        None => println!("peak RSS: /proc/self/status not available"),
    }
}
