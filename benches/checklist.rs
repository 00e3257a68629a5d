//! Checklist pane benchmark (harness = false) at 500 OUs and 100,000 devices
//! (`OFFSYNC_BENCH_DEVICES` to change): frame render time of the steps and users views, and
//! keystroke to frame (p50/p99) moving over OUs and users. The board is built from the pure
//! model (the shape `Migrator::board` produces), so only the pane is measured.
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use offsync::migrate::board::{Board, OuProgress, Stage};
use offsync::migration::funnel::{DeviceLine, Funnel, UserRow};
use offsync::migration::{OuDeclaration, StepRecord, StepState};
use offsync::tui::draw;
use offsync::tui::keymap::Keymap;
use offsync::tui::msg::Msg;
use offsync::tui::state::{ProfileInfo, State};
use offsync::tui::tasks::ChecklistMsg;
use offsync::tui::theme::Palette;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::Terminal;

const OUS: usize = 500;

fn board(devices: usize, now: DateTime<Utc>) -> Board {
    let paths: Vec<String> = std::iter::once("/".to_string())
        .chain((0..OUS - 1).map(|i| format!("/Region{}/Site{i}", i % 10)))
        .collect();
    let ous = paths
        .iter()
        .enumerate()
        .map(|(i, ou)| {
            let decl = OuDeclaration::new(ou);
            let steps: Vec<StepRecord> = decl
                .path
                .steps()
                .iter()
                .enumerate()
                .map(|(k, &s)| {
                    let mut r = StepRecord::new(ou, s);
                    r.state = [
                        StepState::Verified,
                        StepState::Attested,
                        StepState::NotStarted,
                    ][(i + k) % 3];
                    r
                })
                .collect();
            OuProgress {
                ou: ou.clone(),
                depth: ou.split('/').filter(|p| !p.is_empty()).count(),
                stage: (i == 1).then_some(Stage::Pilot),
                in_migration: i < 20,
                declaration: decl,
                imap: "inherited_or_unknown".into(),
                verified: steps
                    .iter()
                    .filter(|r| r.state == StepState::Verified)
                    .count(),
                applicable: steps.len(),
                steps,
                requests: Vec::new(),
                syncing: devices / OUS,
                left_behind: devices / OUS / 4,
            }
        })
        .collect();
    // One user per two devices, each with a Google Sync device.
    let users = (0..devices / 2)
        .map(|i| UserRow {
            email: format!("user{i:06}@example.org"),
            ou: paths[1 + i % (OUS - 1)].clone(),
            funnel: [Funnel::StillOnGoogleSync, Funnel::Switched, Funnel::NotSeen][i % 3],
            devices: vec![DeviceLine {
                resource_id: format!("AFi{i:08}"),
                device_type: "GOOGLE_SYNC".into(),
                model: "iPhone".into(),
                status: "APPROVED".into(),
                last_sync: Some(now),
            }],
            last_google_sync: Some(now),
            emm: None,
            instructions: "iOS: remove the Exchange account and add the work account as Google"
                .into(),
            acknowledged: false,
            reminded_at: None,
        })
        .collect();
    Board {
        now,
        pilot: Some(paths[1].clone()),
        ous,
        waves: Vec::new(),
        users,
        warnings: Vec::new(),
        in_flight: Vec::new(),
        active_days: 7,
    }
}

fn key(c: KeyCode) -> Event {
    Event::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 * p) as usize).min(v.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Key presses, each followed by one frame, as the loop does; p50 and p99 of the pairs.
fn keys_to_frame(s: &mut State, t: &mut Terminal<TestBackend>, keys: &[KeyCode]) -> String {
    let mut times = Vec::new();
    for k in keys.iter().cycle().take(300) {
        let start = Instant::now();
        s.on_input(key(*k));
        let _ = s.take_tasks();
        s.take_dirty();
        t.draw(|f| draw::render(s, f)).unwrap();
        times.push(start.elapsed());
    }
    format!(
        "p50 {} p99 {}",
        ms(pct(&mut times, 0.5)),
        ms(pct(&mut times, 0.99))
    )
}

fn main() {
    let devices: usize = std::env::var("OFFSYNC_BENCH_DEVICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let now: DateTime<Utc> = "2026-03-01T12:00:00Z".parse().unwrap();
    let b = board(devices, now);
    let (w, h) = (160, 48);
    let mut s = State::new(
        Arc::new(Keymap::default_keymap()),
        Palette::mono(),
        ProfileInfo::default(),
        now,
    );
    s.resize(Rect::new(0, 0, w, h));
    s.on_input(key(KeyCode::Char('2')));
    s.on_msg(Msg::Checklist(ChecklistMsg::Observed(Ok(Box::new(b)))));
    let _ = s.take_tasks();
    s.take_dirty();
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    println!(
        "checklist: {OUS} OUs, {devices} devices, {} users",
        devices / 2
    );
    let mut frames = Vec::new();
    for _ in 0..200 {
        let start = Instant::now();
        t.draw(|f| draw::render(&s, f)).unwrap();
        frames.push(start.elapsed());
    }
    println!(
        "  steps view frame:          p50 {} p99 {}",
        ms(pct(&mut frames, 0.5)),
        ms(pct(&mut frames, 0.99))
    );
    println!(
        "  j/k over OUs to frame:     {}",
        keys_to_frame(
            &mut s,
            &mut t,
            &[KeyCode::Char('j'), KeyCode::Char('j'), KeyCode::Char('k')]
        )
    );
    // The users view on the root OU lists every user (the worst case).
    s.on_input(key(KeyCode::Char('g')));
    s.on_input(key(KeyCode::Char('u')));
    println!(
        "  users view (root) j/k:     {}",
        keys_to_frame(
            &mut s,
            &mut t,
            &[KeyCode::Char('l'), KeyCode::Char('j'), KeyCode::Char('k')]
        )
    );
}
