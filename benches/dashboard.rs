//! Dashboard memory benchmark (harness = false): the peak RSS of the dashboard's state and
//! background listing at 100,000 devices (`OFFSYNC_BENCH_DEVICES`, users half of that,
//! `OFFSYNC_BENCH_LATENCY_MS` per request, default 20), in two fresh processes:
//!
//! 1. first start, no cache: the listing streams its pages into the table (ticks every
//!    100 ms, as the event loop does) and is saved to the cache at the end;
//! 2. second start: the cache is shown at once, then a full refresh replaces it.
//!
//! The simulator runs in its own process, so each figure is the dashboard's alone. The
//! process drives [`State`] and [`Tasks`] exactly as the event loop does, without drawing.
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use offsync::config::Profile;
use offsync::sim::{self, SimConfig};
use offsync::tui::keymap::Keymap;
use offsync::tui::msg::Msg;
use offsync::tui::state::{ProfileInfo, State};
use offsync::tui::tasks::Tasks;
use offsync::tui::theme::Palette;
use ratatui::layout::Rect;
use tokio::io::{AsyncBufReadExt, BufReader};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn status_mb(field: &str) -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Child: serve the simulator, print its credentials as one JSON line, exit when stdin closes.
async fn sim_child(spec: &str) {
    let n: Vec<u64> = spec
        .split(',')
        .map(|v| v.parse().expect("number"))
        .collect();
    let cfg = SimConfig {
        users: n[0] as usize,
        devices: n[1] as usize,
        latency: Duration::from_millis(n[2]),
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
    sim.shutdown().await;
}

/// Child: one dashboard start against the simulator and the cache at `db`.
async fn dashboard_child(hello: &str, key: &str, db: &str) {
    let h: serde_json::Value = serde_json::from_str(hello).expect("hello");
    let domains = h["domains"]
        .as_array()
        .expect("domains")
        .iter()
        .map(|d| d.as_str().unwrap_or_default().to_string())
        .collect();
    let mut p = Profile::for_simulator(
        h["base_url"].as_str().expect("url"),
        key.into(),
        h["admin_email"].as_str().expect("admin"),
        domains,
        None,
    );
    p.http.directory_requests_per_minute = 1_000_000;
    let store = offsync::store::Store::open(std::path::Path::new(db)).expect("store");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let tasks = Tasks::new(&p, Some(store), tx.clone());
    let mut s = State::new(
        Arc::new(Keymap::default_keymap()),
        Palette::new(offsync::config::Theme::Dark, false),
        ProfileInfo {
            name: "bench".into(),
            ..Default::default()
        },
        Utc::now(),
    );
    s.resize(Rect::new(0, 0, 160, 48));
    s.refresh();
    for t in s.take_tasks() {
        tasks.spawn(t, tx.clone());
    }
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let mut cache_peak = None;
    let t0 = std::time::Instant::now();
    loop {
        tokio::select! {
            m = rx.recv() => {
                let Some(m) = m else { break };
                let done = matches!(m, Msg::Loaded(_) | Msg::Listed(_) | Msg::LoadFailed(_));
                let cached = matches!(m, Msg::CacheLoaded(_));
                s.on_msg(m);
                if cached {
                    cache_peak = Some(status_mb("VmHWM:"));
                }
                if done {
                    break;
                }
            }
            _ = tick.tick() => s.on_tick(),
        }
    }
    if let Some(e) = &s.inv.loading.error {
        println!("  listing failed: {e}");
    }
    if let Some(mb) = cache_peak {
        println!("  cache shown: peak {mb:.0} MB");
    }
    println!(
        "  listing done in {:.1} s: {} devices; peak {:.0} MB, RSS after {:.0} MB",
        t0.elapsed().as_secs_f64(),
        s.inv.inventory.devices.len(),
        status_mb("VmHWM:"),
        status_mb("VmRSS:")
    );
}

fn main() {
    // As offsync's own `main` does, before the runtime's threads start.
    offsync::heap::one_arena();
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(run());
}

async fn run() {
    if let Ok(spec) = std::env::var("OFFSYNC_BENCH_SIM_CHILD") {
        return sim_child(&spec).await;
    }
    if let Ok(hello) = std::env::var("OFFSYNC_BENCH_DASH_CHILD") {
        let key = std::env::var("OFFSYNC_BENCH_KEY").expect("key");
        let db = std::env::var("OFFSYNC_BENCH_DB").expect("db");
        return dashboard_child(&hello, &key, &db).await;
    }
    let devices = env_num("OFFSYNC_BENCH_DEVICES", 100_000);
    let latency = env_num("OFFSYNC_BENCH_LATENCY_MS", 20);
    let mut child = tokio::process::Command::new(std::env::current_exe().expect("exe"))
        .env(
            "OFFSYNC_BENCH_SIM_CHILD",
            format!("{},{devices},{latency}", devices / 2),
        )
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("simulator process");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let hello = lines.next_line().await.expect("read").expect("hello");
    let h: serde_json::Value = serde_json::from_str(&hello).expect("hello json");
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.json");
    std::fs::write(&key, h["key_json"].as_str().expect("key")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let db = dir.path().join("bench.sqlite");
    println!("dashboard memory: {devices} devices, {} users", devices / 2);
    for label in [
        "1. first start (no cache, pages streamed)",
        "2. second start (cache, then full refresh)",
    ] {
        println!("{label}");
        let out = std::process::Command::new(std::env::current_exe().expect("exe"))
            .env("OFFSYNC_BENCH_DASH_CHILD", &hello)
            .env("OFFSYNC_BENCH_KEY", &key)
            .env("OFFSYNC_BENCH_DB", &db)
            .output()
            .expect("dashboard child");
        print!("{}", String::from_utf8_lossy(&out.stdout));
        if !out.status.success() {
            eprint!("{}", String::from_utf8_lossy(&out.stderr));
        }
    }
    println!("target: under 150 MB at 100,000 devices");
    drop(child.stdin.take());
    let _ = child.wait().await;
}
