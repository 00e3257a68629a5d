//! Inventory loading benchmark against the simulator (harness = false):
//! (a) GAM-style single sequential page chain, (b) offsync's partitioned `load_inventory`
//! with the simulator enforcing Google's default 2,400 queries/min, (c) the same with the
//! quota raised; plus requests, bytes, peak RSS and cache-to-inventory time on restart.
//!
//! Sizes are configurable for a quick run:
//! `OFFSYNC_BENCH_DEVICES` (100000), `OFFSYNC_BENCH_USERS` (50000), `OFFSYNC_BENCH_LATENCY_MS`
//! (150), `OFFSYNC_BENCH_QUOTA` (2400), `OFFSYNC_BENCH_CONCURRENCY` for (c) (32),
//! `OFFSYNC_BENCH_SKIP_BASELINE=1` to skip the slow (a), `OFFSYNC_BENCH_SKIP_QUOTA=1` (b).
//!
//! The simulator runs in a child process (this same binary, started with
//! `OFFSYNC_BENCH_SIM_CHILD` set) so the peak RSS reported per run is offsync's own.
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};

use offsync::config::Profile;
use offsync::google::{load_inventory, Clients};
use offsync::sim::{self, SimConfig};

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
    label: &'static str,
    secs: f64,
    devices: usize,
    users: usize,
    requests: u64,
    retries: u64,
    bytes: u64,
    quota_errors: u64,
    peak_mb: Option<f64>,
}

/// Child mode: serve the simulator, print its credentials as one JSON line, and when stdin
/// closes print the quota errors it answered and exit.
async fn sim_child(spec: &str) {
    let n: Vec<u64> = spec
        .split(',')
        .map(|v| v.parse().expect("number"))
        .collect();
    let cfg = SimConfig {
        users: n[0] as usize,
        devices: n[1] as usize,
        latency: Duration::from_millis(n[2]),
        quota_per_minute: (n[3] > 0).then_some(n[3] as u32),
        devices_keep_syncing: false,
        ..SimConfig::default()
    };
    let sim = sim::start(cfg).await.expect("simulator");
    let c = &sim.credentials;
    let hello = serde_json::json!({
        "base_url": sim.base_url,
        "key_json": c.key_json,
        "admin_email": c.admin_email,
        "domains": c.domains,
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
        eprintln!("simulator CPU: {:.1} s", ticks / 100.0);
    }
    sim.shutdown().await;
}

struct SimProcess {
    child: tokio::process::Child,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    hello: serde_json::Value,
}

async fn spawn_sim(cfg: &SimConfig) -> SimProcess {
    let spec = format!(
        "{},{},{},{}",
        cfg.users,
        cfg.devices,
        cfg.latency.as_millis(),
        cfg.quota_per_minute.unwrap_or(0)
    );
    let mut child = tokio::process::Command::new(std::env::current_exe().expect("exe"))
        .env("OFFSYNC_BENCH_SIM_CHILD", spec)
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
    label: &'static str,
    cfg: SimConfig,
    tune: impl FnOnce(&mut Profile),
    keep: bool,
) -> (Run, Option<offsync::model::Inventory>) {
    let mut sim = spawn_sim(&cfg).await;
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
    let inv = load_inventory(&clients, None, |_| {})
        .await
        .expect("inventory loads");
    let secs = t.elapsed().as_secs_f64();
    let peak_mb = peak_rss_mb();
    if let Some(rtt) = clients.client.mean_round_trip() {
        eprintln!("{label}: mean round trip {:.0} ms", rtt.as_secs_f64() * 1e3);
    }
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
        users: inv.users.len(),
        requests: s.requests,
        retries: s.retries,
        bytes: s.bytes,
        quota_errors,
        peak_mb,
    };
    (r, keep.then_some(inv))
}

#[tokio::main]
async fn main() {
    if let Ok(spec) = std::env::var("OFFSYNC_BENCH_SIM_CHILD") {
        return sim_child(&spec).await;
    }
    if let Ok(path) = std::env::var("OFFSYNC_BENCH_CACHE_CHILD") {
        return cache_child(std::path::Path::new(&path));
    }
    let devices = env_num("OFFSYNC_BENCH_DEVICES", 100_000) as usize;
    let users = env_num("OFFSYNC_BENCH_USERS", 50_000) as usize;
    let latency = Duration::from_millis(env_num("OFFSYNC_BENCH_LATENCY_MS", 150));
    let quota = env_num("OFFSYNC_BENCH_QUOTA", 2400) as u32;
    let fast_conc = env_num("OFFSYNC_BENCH_CONCURRENCY", 32) as usize;
    let base = SimConfig {
        users,
        devices,
        latency,
        devices_keep_syncing: false,
        ..SimConfig::default()
    };
    println!(
        "tenant: {devices} devices, {users} users, {} ms latency per request",
        latency.as_millis()
    );

    let mut runs = Vec::new();
    if std::env::var("OFFSYNC_BENCH_SKIP_BASELINE").is_err() {
        let cfg = SimConfig {
            quota_per_minute: Some(quota),
            ..base.clone()
        };
        runs.push(
            run(
                "(a) sequential chain (GAM-style)",
                cfg,
                |p| {
                    p.http.partitioned_listing = false;
                    p.http.concurrency = 1;
                },
                false,
            )
            .await
            .0,
        );
    }
    let cfg = SimConfig {
        quota_per_minute: Some(quota),
        ..base.clone()
    };
    if std::env::var("OFFSYNC_BENCH_SKIP_QUOTA").is_err() {
        runs.push(
            run(
                "(b) offsync, quota 2400/min",
                cfg,
                |p| p.http.directory_requests_per_minute = quota,
                false,
            )
            .await
            .0,
        );
    }
    let (fast, inv) = run(
        "(c) offsync, quota raised",
        base.clone(),
        |p| {
            p.http.directory_requests_per_minute = 1_000_000;
            p.http.concurrency = fast_conc;
        },
        true,
    )
    .await;
    runs.push(fast);

    println!(
        "{:36} {:>9} {:>8} {:>7} {:>9} {:>8} {:>10} {:>7} {:>8}",
        "run", "seconds", "devices", "users", "requests", "retries", "MB recv", "quota", "peak MB"
    );
    for r in &runs {
        println!(
            "{:36} {:>9.1} {:>8} {:>7} {:>9} {:>8} {:>10.1} {:>7} {:>8.0}",
            r.label,
            r.secs,
            r.devices,
            r.users,
            r.requests,
            r.retries,
            r.bytes as f64 / 1e6,
            r.quota_errors,
            r.peak_mb.unwrap_or(f64::NAN)
        );
    }
    if let (Some(a), Some(c)) = (
        runs.iter().find(|r| r.label.starts_with("(a)")),
        runs.last(),
    ) {
        println!("speed-up (c) vs (a): {:.1}x", a.secs / c.secs);
    }

    // Second start: the inventory from the local cache, in a fresh process, so neither
    // the time nor the peak memory includes what this process kept from the listings.
    if let Some(inv) = inv {
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
