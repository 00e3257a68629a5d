//! Shared helpers for the TUI tests: a small deterministic tenant built from model types
//! (so snapshots do not move when the simulator changes), a state on it, key input by
//! name, and rendering to text through ratatui's `TestBackend`.
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use offsync::model::{Device, DeviceStatus, DeviceType, Inventory, OrgUnit, User};
use offsync::tui::draw;
use offsync::tui::keymap::Keymap;
use offsync::tui::msg::Msg;
use offsync::tui::state::{ProfileInfo, State};
use offsync::tui::theme::Palette;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::Terminal;

pub fn now() -> DateTime<Utc> {
    "2026-03-01T12:00:00Z".parse().unwrap()
}

const OUS: [&str; 6] = [
    "/Pilot",
    "/Pilot/Wave1",
    "/Sales",
    "/Sales/EMEA",
    "/Staff",
    "/Staff/Nurses",
];
const MODELS: [(&str, &str, DeviceType); 5] = [
    ("iPhone 12", "iOS 16.5", DeviceType::GoogleSync),
    ("Pixel 7", "Android 14", DeviceType::Android),
    ("iPhone 15", "iOS 17.2", DeviceType::IosSync),
    ("Galaxy S21", "Android 13", DeviceType::GoogleSync),
    ("Outlook", "Windows", DeviceType::GoogleSync),
];
const STATUSES: [DeviceStatus; 4] = [
    DeviceStatus::Approved,
    DeviceStatus::Approved,
    DeviceStatus::Blocked,
    DeviceStatus::Pending,
];
const NAMES: [&str; 10] = [
    "ann", "bob", "cara", "dev", "eli", "fay", "gus", "hana", "ivo", "jo",
];

/// 30 users over 6 OUs, 60 devices of every type, synced 0 to 59 days ago.
pub fn inventory(n_devices: usize) -> Inventory {
    let users: Vec<User> = (0..30)
        .map(|i| User {
            id: format!("u{i}"),
            primary_email: format!("{}{}@example.com", NAMES[i % 10], i / 10),
            org_unit_path: if i % 7 == 6 {
                "/".into()
            } else {
                OUS[i % 6].into()
            },
            ..Default::default()
        })
        .collect();
    let org_units = OUS
        .iter()
        .map(|p| OrgUnit {
            name: p.rsplit('/').next().unwrap().into(),
            org_unit_path: (*p).into(),
            org_unit_id: format!("id:{p}"),
            parent_org_unit_path: None,
            parent_org_unit_id: None,
            description: None,
        })
        .collect();
    let devices = (0..n_devices)
        .map(|i| {
            let (model, os, ty) = &MODELS[i % MODELS.len()];
            Device {
                resource_id: format!("AFi{i:05}"),
                device_id: Some(format!("dev-{i}").into()),
                email: vec![users[(i * 7) % users.len()].primary_email.clone()],
                name: vec![format!("{} Person", NAMES[(i * 7) % 10])],
                model: Some((*model).into()),
                os: Some((*os).into()),
                device_type: ty.clone(),
                status: STATUSES[i % STATUSES.len()].clone(),
                first_sync: Some(now() - Duration::days(400 + i as i64 % 90)),
                last_sync: (i % 11 != 10)
                    .then(|| now() - Duration::hours(i as i64 * 23 % (60 * 24))),
                user_agent: Some(format!("Agent/{}", i % 4).into()),
                serial_number: Some(format!("SN{i:06}").into()),
                ..Default::default()
            }
        })
        .collect();
    let mut inv = Inventory::new(devices, users, org_units);
    inv.fetched_at = Some(now() - Duration::minutes(3));
    inv
}

pub fn profile(readonly: bool) -> ProfileInfo {
    ProfileInfo {
        name: "acme".into(),
        customer_id: "C0test".into(),
        domains: vec!["example.com".into()],
        readonly,
        actor: "admin@example.com".into(),
        others: vec!["acme".into(), "pilot".into()],
    }
}

/// A state at `w`×`h` with the fixture inventory loaded (no colour: snapshots are text).
pub fn state(w: u16, h: u16) -> State {
    let mut s = State::new(
        Arc::new(Keymap::default_keymap()),
        Palette::mono(),
        profile(false),
        now(),
    );
    s.resize(Rect::new(0, 0, w, h));
    s.on_msg(Msg::Loaded(Box::new(inventory(60))));
    s.take_dirty();
    s
}

pub fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ctrl(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Types each character as a key press.
pub fn type_str(s: &mut State, text: &str) {
    for c in text.chars() {
        s.on_input(key(KeyCode::Char(c)));
    }
}

/// Renders the state into a `w`×`h` text screen, one line per row, trailing blanks cut.
pub fn screen(s: &State, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw::render(s, f)).unwrap();
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A terminal writer that only counts the bytes written: "idle writes nothing" is then a
/// count that stops moving.
#[derive(Clone, Default)]
pub struct Counter(pub Arc<std::sync::atomic::AtomicUsize>);

impl Counter {
    pub fn get(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .fetch_add(buf.len(), std::sync::atomic::Ordering::SeqCst);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A real crossterm terminal of `w`×`h` that writes into a byte [`Counter`].
pub fn counting_terminal(
    w: u16,
    h: u16,
) -> (
    Terminal<ratatui::backend::CrosstermBackend<Counter>>,
    Counter,
) {
    let bytes = Counter::default();
    let term = Terminal::with_options(
        ratatui::backend::CrosstermBackend::new(bytes.clone()),
        ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(Rect::new(0, 0, w, h)),
        },
    )
    .unwrap();
    (term, bytes)
}
