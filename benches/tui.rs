//! TUI benchmark (harness = false) at 100,000 devices (`OFFSYNC_BENCH_DEVICES` to change):
//! frame render time, filter keystroke to frame (p50/p99), bytes written to the terminal
//! while idle (through the real event loop and a byte-counting writer), and start-up from
//! the SQLite cache to the first full frame.
use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use offsync::model::{Device, DeviceStatus, DeviceType, Inventory, OrgUnit, User};
use offsync::tui::event_loop::{self, Timing};
use offsync::tui::keymap::Keymap;
use offsync::tui::msg::Msg;
use offsync::tui::state::{ProfileInfo, State};
use offsync::tui::theme::Palette;
use offsync::tui::{draw, theme};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

const FIRST: [&str; 12] = [
    "ann", "bob", "cara", "dev", "eli", "fay", "gus", "hana", "ivo", "jo", "kai", "lena",
];
const LAST: [&str; 8] = [
    "lee", "kim", "smith", "berg", "novak", "rossi", "tanaka", "okafor",
];

fn tenant(n: usize, now: DateTime<Utc>) -> Inventory {
    let ous: Vec<String> = (0..40)
        .map(|i| format!("/Region{}/Site{}", i % 5, i))
        .collect();
    let users: Vec<User> = (0..n / 2)
        .map(|i| User {
            id: format!("u{i}"),
            primary_email: format!("{}.{}{}@example.org", FIRST[i % 12], LAST[(i / 12) % 8], i),
            org_unit_path: ous[i % ous.len()].clone(),
            ..Default::default()
        })
        .collect();
    let org_units = ous
        .iter()
        .map(|p| OrgUnit {
            name: p.rsplit('/').next().unwrap().into(),
            org_unit_path: p.clone(),
            ..Default::default()
        })
        .collect();
    let types = [
        DeviceType::GoogleSync,
        DeviceType::IosSync,
        DeviceType::Android,
        DeviceType::GoogleSync,
    ];
    let devices = (0..n)
        .map(|i| Device {
            resource_id: format!("AFi{i:08}"),
            email: vec![users[(i * 7919) % users.len()].primary_email.clone()],
            name: vec![format!("{} {}", FIRST[i % 12], LAST[i % 8])],
            model: Some(["iPhone 13", "Pixel 8", "Galaxy S23", "iPad"][i % 4].into()),
            os: Some(["iOS 17.1", "Android 14", "Android 13", "iPadOS 17"][i % 4].into()),
            device_type: types[i % 4].clone(),
            status: [
                DeviceStatus::Approved,
                DeviceStatus::Blocked,
                DeviceStatus::Pending,
            ][i % 3]
                .clone(),
            last_sync: Some(now - chrono::Duration::minutes((i * 37 % 90_000) as i64)),
            user_agent: Some(format!("Agent/{}", i % 17).into()),
            ..Default::default()
        })
        .collect();
    let mut inv = Inventory::new(devices, users, org_units);
    inv.fetched_at = Some(now);
    inv
}

fn profile() -> ProfileInfo {
    ProfileInfo {
        name: "bench".into(),
        domains: vec!["example.org".into()],
        ..Default::default()
    }
}

fn new_state(w: u16, h: u16) -> State {
    let mut s = State::new(
        Arc::new(Keymap::default_keymap()),
        Palette::new(offsync::config::Theme::Dark, false),
        profile(),
        Utc::now(),
    );
    s.resize(Rect::new(0, 0, w, h));
    s
}

fn key(c: KeyCode) -> Event {
    Event::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[derive(Clone, Default)]
struct Counter(Arc<AtomicUsize>);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.fetch_add(buf.len(), Ordering::SeqCst);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn main() {
    let n: usize = std::env::var("OFFSYNC_BENCH_DEVICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let now = Utc::now();
    let inv = tenant(n, now);
    println!("tui bench: {n} devices, {} users", inv.users.len());

    // 1. Frame render time (cursor moves between frames, as when scrolling).
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut s = new_state(w, h);
        s.on_msg(Msg::Loaded(Box::new(inv.clone())));
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        let mut times = Vec::new();
        for i in 0..300 {
            s.on_input(key(if i % 50 < 25 {
                KeyCode::Char('j')
            } else {
                KeyCode::Char('k')
            }));
            let t = Instant::now();
            term.draw(|f| draw::render(&s, f)).unwrap();
            times.push(t.elapsed());
        }
        println!(
            "render {w}x{h}: p50 {}  p99 {}  (target < 5 ms)",
            ms(pct(&mut times, 0.5)),
            ms(pct(&mut times, 0.99))
        );
    }

    // 2. Filter keystroke → refiltered view → frame; typing and erasing, all types shown.
    let mut s = new_state(160, 48);
    s.on_msg(Msg::Loaded(Box::new(inv.clone())));
    s.on_input(key(KeyCode::Char('t')));
    s.on_input(key(KeyCode::Char('/')));
    let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let mut times = Vec::new();
    for round in 0..10 {
        let word = [
            "ann",
            "pixel",
            "lee",
            "type:android",
            "agent/1",
            "sync:2020-01-01..",
            "ou:/Region1",
            "tanaka",
            "ipad",
            "kai",
        ][round];
        let strokes: Vec<KeyCode> = word
            .chars()
            .map(KeyCode::Char)
            .chain(std::iter::repeat_n(KeyCode::Backspace, word.len()))
            .collect();
        for k in strokes {
            let t = Instant::now();
            s.on_input(key(k));
            term.draw(|f| draw::render(&s, f)).unwrap();
            times.push(t.elapsed());
        }
    }
    println!(
        "filter keystroke to frame ({} strokes): p50 {}  p99 {}  max {}  (target p99 < 30 ms)",
        times.len(),
        ms(pct(&mut times, 0.5)),
        ms(pct(&mut times, 0.99)),
        ms(pct(&mut times, 1.0))
    );
    let mut sorts = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        s.on_input(key(KeyCode::Esc));
        s.on_input(key(KeyCode::Char('s')));
        term.draw(|f| draw::render(&s, f)).unwrap();
        sorts.push(t.elapsed());
    }
    println!(
        "sort column change to frame (first use of each column): max {}",
        ms(pct(&mut sorts, 1.0))
    );

    // 2b. Select all, then a reload underneath: the selection follows resource IDs in
    // O(selected) through the index (it used to be O(selected × devices)).
    let mut s = new_state(160, 48);
    s.on_msg(Msg::Loaded(Box::new(inv.clone())));
    s.on_input(key(KeyCode::Char('t')));
    s.on_input(key(KeyCode::Char('A')));
    let selected = s.inv.view.selected.len();
    let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let mut reloads = Vec::new();
    for _ in 0..5 {
        let fresh = Box::new(inv.clone());
        let t = Instant::now();
        s.on_msg(Msg::Loaded(fresh));
        s.take_dirty();
        term.draw(|f| draw::render(&s, f)).unwrap();
        reloads.push(t.elapsed());
    }
    assert_eq!(
        s.inv.view.selected.len(),
        selected,
        "the selection survives reloads"
    );
    println!(
        "select all ({selected}) + reload to frame: p50 {}  max {}",
        ms(pct(&mut reloads, 0.5)),
        ms(pct(&mut reloads, 1.0))
    );

    // 2c. A 5,000-device block batch: plan, confirm, then outcomes arriving as the engine
    // reports them, applied per drain of the queue (one refilter per frame). Worst case:
    // one outcome per drain; then eight (the default concurrency).
    for per_drain in [1usize, 8] {
        let mut s = new_state(160, 48);
        s.on_msg(Msg::Loaded(Box::new(inv.clone())));
        s.on_input(key(KeyCode::Char('t')));
        let rows: Vec<u32> = s
            .inv
            .view
            .rows
            .iter()
            .copied()
            .filter(|i| inv.devices[*i as usize].status != DeviceStatus::Blocked)
            .take(5_000)
            .collect();
        s.inv.view.selected.extend(rows);
        let t = Instant::now();
        s.on_input(key(KeyCode::Char('b')));
        for c in "5000".chars() {
            s.on_input(key(KeyCode::Char(c)));
        }
        s.on_input(key(KeyCode::Enter));
        let plan = match s.take_tasks().pop() {
            Some(offsync::tui::tasks::Task::Execute(plan)) => plan,
            other => panic!("no plan: {other:?} {:?}", s.status),
        };
        let planning = t.elapsed();
        assert_eq!(plan.len(), 5_000);
        let mut frames = Vec::new();
        for chunk in plan.targets.chunks(per_drain) {
            let t = Instant::now();
            for (k, target) in chunk.iter().enumerate() {
                s.on_msg(Msg::ChangeDone(
                    plan.change,
                    offsync::change::TargetOutcome {
                        batch_id: Some(1),
                        seq: k,
                        resource_id: target.resource_id.clone(),
                        gam: target.gam.clone(),
                        result: Ok(()),
                    },
                ));
            }
            s.take_dirty();
            term.draw(|f| draw::render(&s, f)).unwrap();
            frames.push(t.elapsed());
        }
        let blocked = plan
            .targets
            .iter()
            .filter(|t| {
                s.inv.inventory.devices[s.inv.index[&t.resource_id] as usize].status
                    == DeviceStatus::Blocked
            })
            .count();
        assert_eq!(blocked, 5_000);
        println!(
            "5,000-device block batch, {per_drain} outcome(s) per frame: plan+confirm {}, {} frames p50 {}  p99 {}  max {}  (target p99 < 50 ms)",
            ms(planning),
            frames.len(),
            ms(pct(&mut frames, 0.5)),
            ms(pct(&mut frames, 0.99)),
            ms(pct(&mut frames, 1.0))
        );
    }

    // 3. Bytes written while idle, through the real loop with the default poll timer
    // (300 s). 60 s by default; OFFSYNC_BENCH_IDLE_SECS shortens it for a quick run.
    let idle_secs: u64 = std::env::var("OFFSYNC_BENCH_IDLE_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let idle = rt.block_on(async {
        let bytes = Counter::default();
        let viewport = Viewport::Fixed(Rect::new(0, 0, 160, 48));
        let mut term = Terminal::with_options(
            CrosstermBackend::new(bytes.clone()),
            TerminalOptions { viewport },
        )
        .unwrap();
        let mut s = new_state(160, 48);
        s.on_msg(Msg::Loaded(Box::new(inv.clone())));
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let (_ev_tx, mut events) = futures::channel::mpsc::unbounded::<io::Result<Event>>();
        let mut spawn = |_, _| {};
        let timing = Timing {
            tick: Duration::from_millis(100),
        };
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let counter = bytes.0.clone();
        let watch = async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let first = counter.load(Ordering::SeqCst);
            tokio::time::sleep(Duration::from_secs(idle_secs)).await;
            let _ = stop_tx.send(());
            (first, counter.load(Ordering::SeqCst) - first)
        };
        let stop = async move {
            let _ = stop_rx.await;
        };
        let (_, r) = tokio::join!(
            event_loop::run(
                &mut term,
                &mut events,
                &mut s,
                &mut rx,
                &tx,
                &mut spawn,
                timing,
                stop
            ),
            watch
        );
        r
    });
    println!(
        "idle: first frame {} bytes, then {} bytes in {idle_secs} s idle (target 0)",
        idle.0, idle.1
    );

    // 4. Start-up from the cache: open the store, read the snapshot, build the view, draw.
    let dir = std::env::temp_dir().join(format!("offsync-tui-bench-{}", std::process::id()));
    let db = dir.join("bench.sqlite");
    offsync::store::Store::open(&db)
        .unwrap()
        .save_inventory(&inv)
        .unwrap();
    let t = Instant::now();
    let cached = offsync::store::Store::open(&db)
        .unwrap()
        .load_inventory()
        .unwrap()
        .unwrap();
    let read = t.elapsed();
    let mut s = new_state(160, 48);
    s.on_msg(Msg::CacheLoaded(Box::new(cached)));
    let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
    term.draw(|f| draw::render(&s, f)).unwrap();
    let total = t.elapsed();
    println!(
        "start-up from cache to first full frame: {} (SQLite read {}, state + frame {}; target < 300 ms)",
        ms(total),
        ms(read),
        ms(total - read)
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = theme::Palette::mono();
}
