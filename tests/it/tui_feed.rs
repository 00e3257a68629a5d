//! The Feed pane: events newest first with severity words, filters by OU, source and
//! severity, pause and resume, the cursor staying on its event while new ones arrive, jumps
//! to a device and an OU, refresh through the feed, the header's staleness, and snapshots of
//! the list and the burndown at 80×24 and 160×48.
use chrono::Duration;
use crossterm::event::KeyCode;
use offsync::feed::watch::{Role, Update};
use offsync::feed::{PollOutcome, PollReport};
use offsync::model::{Event, EventKind, Severity, Source};
use offsync::store::{CountRow, SourceStatus, StoredEvent};
use offsync::tui::msg::Msg;
use offsync::tui::state::{Pane, State};
use offsync::tui::tasks::Task;

use crate::tui_support::{key, now, screen, state, type_str};

/// Source, kind, OU, device, user, detail.
type Spec = (
    Source,
    EventKind,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
);

/// Ten events over three OUs, every source and severity, oldest first; #9 is an alert on
/// fixture device AFi00000 (owner in /Pilot).
pub fn events() -> Vec<StoredEvent> {
    let specs: [Spec; 10] = [
        (
            Source::Directory,
            EventKind::Baseline,
            "/",
            None,
            None,
            "first poll: 60 devices, 36 Google Sync",
        ),
        (
            Source::Policy,
            EventKind::Baseline,
            "/",
            None,
            None,
            "first poll: 4 settings",
        ),
        (
            Source::Directory,
            EventKind::LeftGoogleSync,
            "/Sales",
            Some("AFi00002"),
            Some("cara0@example.com"),
            "left Google Sync (was APPROVED)",
        ),
        (
            Source::Directory,
            EventKind::NativeAccountAppeared,
            "/Sales/EMEA",
            Some("AFi00003"),
            Some("dev0@example.com"),
            "iOS device with a Google account",
        ),
        (
            Source::Android,
            EventKind::AndroidNonCompliant,
            "/Staff",
            Some("enterprises/LC01/devices/3f2a"),
            Some("eli0@example.com"),
            "not compliant: USER_ACTION/NEW_ACCOUNT_NOT_IN_ENTERPRISE",
        ),
        (
            Source::Android,
            EventKind::PolicyApplied,
            "/Staff",
            Some("enterprises/LC01/devices/3f2a"),
            Some("eli0@example.com"),
            "applied enterprises/LC01/policies/staff version 4 (was version 3)",
        ),
        (
            Source::Audit,
            EventKind::ConsoleChange,
            "/Sales",
            None,
            Some("admin@example.com"),
            "IMAP_ACCESS changed: false -> true",
        ),
        (
            Source::Policy,
            EventKind::SettingDrift,
            "/Sales",
            None,
            None,
            "settings/gmail.imap_access changed outside offsync",
        ),
        (
            Source::Android,
            EventKind::AndroidCompliant,
            "/Staff",
            Some("enterprises/LC01/devices/3f2a"),
            Some("eli0@example.com"),
            "compliant again (was USER_ACTION/NEW_ACCOUNT_NOT_IN_ENTERPRISE)",
        ),
        (
            Source::Directory,
            EventKind::StillSyncingAfterSyncOff,
            "/Pilot",
            Some("AFi00000"),
            Some("ann0@example.com"),
            "synced 2h after sync-off took effect",
        ),
    ];
    specs
        .into_iter()
        .enumerate()
        .map(|(i, (source, kind, ou, device, user, detail))| {
            let at = now() - Duration::minutes(50 - 5 * i as i64);
            let mut e = Event::new(source, kind, device.unwrap_or(ou), &i.to_string(), at)
                .ou(Some(ou))
                .user(user)
                .detail(detail);
            if let Some(d) = device {
                e = e.device(d);
            }
            StoredEvent {
                seq: i as i64 + 1,
                event: e,
            }
        })
        .collect()
}

/// A burndown: the total and three OUs falling over two days, stored only on change.
pub fn counts() -> Vec<CountRow> {
    let mut out = Vec::new();
    for step in 0..8i64 {
        let at = now() - Duration::hours(48 - 6 * step);
        for (ou, start, per) in [
            ("/", 36, 4),
            ("/Pilot", 12, 2),
            ("/Sales", 14, 1),
            ("/Staff", 10, 1),
        ] {
            let active = (start - per * step).max(0);
            out.push(CountRow {
                ou: ou.into(),
                at,
                active,
                total: start,
            });
        }
    }
    out
}

fn sources(ok: chrono::DateTime<chrono::Utc>) -> Vec<SourceStatus> {
    vec![SourceStatus {
        source: "directory".into(),
        last_ok_at: Some(ok),
        last_requests: Some(3),
        last_error: None,
        last_error_at: None,
    }]
}

/// The fixture state on the Feed pane with the feed running and polling.
fn feed_state(w: u16, h: u16) -> State {
    let mut s = state(w, h);
    s.feed.live = true;
    s.feed.directory_interval = Some(std::time::Duration::from_secs(900));
    s.feed.deadline = Some(now() + Duration::days(14));
    s.on_msg(Msg::Feed(Update::Role(Role::Polling)));
    s.on_msg(Msg::Feed(Update::Events(events())));
    s.on_msg(Msg::Feed(Update::Counts(counts())));
    s.on_msg(Msg::Feed(Update::Sources(sources(
        now() - Duration::minutes(4),
    ))));
    type_str(&mut s, "3");
    s.take_dirty();
    s
}

fn shown(s: &State) -> Vec<EventKind> {
    s.feed
        .rows
        .iter()
        .map(|i| s.feed.events[*i as usize].event.kind)
        .collect()
}

#[test]
fn newest_first_filters_by_source_severity_and_ou() {
    let mut s = feed_state(160, 48);
    assert_eq!(shown(&s).len(), 10);
    assert_eq!(
        shown(&s)[0],
        EventKind::StillSyncingAfterSyncOff,
        "newest first"
    );
    assert_eq!(*shown(&s).last().unwrap(), EventKind::Baseline);

    type_str(&mut s, "v"); // notice and above
    assert!(s
        .feed
        .rows
        .iter()
        .all(|i| s.feed.events[*i as usize].event.severity >= Severity::Notice));
    type_str(&mut s, "vv"); // alerts only
    assert_eq!(
        shown(&s),
        [EventKind::StillSyncingAfterSyncOff, EventKind::SettingDrift]
    );
    type_str(&mut s, "v");
    assert_eq!(s.feed.filter.severity, None, "back to all");

    type_str(&mut s, "sss"); // directory, policy, android
    assert_eq!(s.feed.filter.source, Some(Source::Android));
    assert_eq!(shown(&s).len(), 3);
    s.on_input(key(KeyCode::Esc));
    assert!(s.feed.filter.is_empty(), "Esc clears every filter");

    // `o` keeps the OU of the event under the cursor, with the OUs below it.
    type_str(&mut s, "jjjjjj"); // the native account in /Sales/EMEA
    let ou = s.feed.current().unwrap().ou.clone().unwrap();
    type_str(&mut s, "o");
    assert_eq!(s.feed.filter.ou.as_deref(), Some(ou.as_str()));
    assert!(s.feed.rows.iter().all(|i| {
        let e = &s.feed.events[*i as usize].event;
        e.ou.as_deref()
            .is_some_and(|o| o == ou || o.starts_with(&format!("{ou}/")))
    }));
    type_str(&mut s, "o");
    assert_eq!(s.feed.filter.ou, None, "o again shows every OU");
}

#[test]
fn sales_filter_includes_child_ous() {
    let mut s = feed_state(160, 48);
    let mut f = s.feed.filter.clone();
    f.ou = Some("/Sales".into());
    s.feed.set_filter(f);
    let ous: Vec<String> = s
        .feed
        .rows
        .iter()
        .map(|i| s.feed.events[*i as usize].event.ou.clone().unwrap())
        .collect();
    assert_eq!(ous, ["/Sales", "/Sales", "/Sales/EMEA", "/Sales"]);
}

#[test]
fn paused_events_wait_and_the_cursor_stays_on_its_event() {
    let mut s = feed_state(160, 48);
    type_str(&mut s, "jj");
    let held_on = s.feed.current().unwrap().id.clone();
    let newer = |seq: i64, mins: i64| StoredEvent {
        seq,
        event: Event::new(
            Source::Directory,
            EventKind::DeviceBlocked,
            "AFi00004",
            &seq.to_string(),
            now() + Duration::minutes(mins),
        )
        .ou(Some("/Staff"))
        .device("AFi00004"),
    };
    // Not paused: the new event goes on top; the cursor keeps its event (not its row).
    s.on_msg(Msg::Feed(Update::Events(vec![newer(11, 1)])));
    assert_eq!(s.feed.rows.len(), 11);
    assert_eq!(s.feed.current().unwrap().id, held_on);
    type_str(&mut s, "p");
    assert!(s.feed.paused);
    s.on_msg(Msg::Feed(Update::Events(vec![newer(12, 2), newer(13, 3)])));
    assert_eq!(s.feed.rows.len(), 11, "held while paused");
    assert!(screen(&s, 160, 48).contains("PAUSED: 2 new"));
    type_str(&mut s, "p");
    assert_eq!(s.feed.rows.len(), 13);
    assert_eq!(s.feed.current().unwrap().id, held_on);
    // At the top the view follows the newest event.
    type_str(&mut s, "g");
    s.on_msg(Msg::Feed(Update::Events(vec![newer(14, 4)])));
    assert_eq!(s.feed.current().unwrap().id, newer(14, 4).event.id);
}

#[test]
fn jumps_to_the_device_detail_and_to_the_ou() {
    let mut s = feed_state(160, 48);
    // The newest event is on fixture device AFi00000.
    s.on_input(key(KeyCode::Enter));
    assert_eq!(s.pane, Pane::Inventory);
    let d = s.inv.detail.expect("the device detail is open");
    assert_eq!(s.inv.inventory.devices[d as usize].resource_id, "AFi00000");

    // An Android Management device is no Directory resource: its owner's devices instead.
    let mut s = feed_state(160, 48);
    type_str(&mut s, "j"); // android-compliant on enterprises/…/devices/3f2a
    s.on_input(key(KeyCode::Enter));
    assert_eq!(s.pane, Pane::Inventory);
    assert_eq!(s.inv.detail, None);
    assert_eq!(s.inv.filter_text, "email:eli0@example.com");
    assert_eq!(s.inv.filter.device_type, None);
    assert!(s
        .inv
        .view
        .rows
        .iter()
        .all(|i| s.inv.inventory.devices[*i as usize].owner() == Some("eli0@example.com")));
    assert!(!s.inv.view.rows.is_empty());

    // The OU: selected in the Checklist pane, which starts reading the migration.
    let mut s = feed_state(160, 48);
    s.take_tasks();
    type_str(&mut s, "jjj"); // setting-drift on /Sales
    type_str(&mut s, "O");
    assert_eq!(s.pane, Pane::Checklist);
    assert_eq!(s.checklist.ou.as_deref(), Some("/Sales"));
    assert!(
        s.take_tasks()
            .iter()
            .any(|t| format!("{t:?}") == "Checklist(Observe)"),
        "entering the pane observes"
    );

    // An OU the Checklist's latest observation does not know (deleted since the event):
    // the Inventory scoped to it instead.
    let mut s = feed_state(160, 48);
    s.checklist.board = Some(std::sync::Arc::new(offsync::migrate::board::Board {
        now: crate::tui_support::now(),
        pilot: None,
        ous: Vec::new(),
        waves: Vec::new(),
        users: Vec::new(),
        warnings: Vec::new(),
        in_flight: Vec::new(),
        active_days: 30,
    }));
    type_str(&mut s, "jjj");
    type_str(&mut s, "O");
    assert_eq!(s.pane, Pane::Inventory);
    assert_eq!(s.inv.filter.ou.as_deref(), Some("/Sales"));
    assert!(s.inv.filter.include_children);
    assert!(s
        .inv
        .view
        .rows
        .iter()
        .all(|i| s.inv.inventory.devices[*i as usize]
            .org_unit_path
            .as_deref()
            .is_some_and(|o| o.starts_with("/Sales"))));
}

#[test]
fn refresh_goes_through_the_feed_and_the_header_says_why_data_is_stale() {
    let mut s = feed_state(160, 48);
    s.take_tasks();
    type_str(&mut s, "r");
    assert!(matches!(
        s.take_tasks().as_slice(),
        [Task::PollNow(Source::Directory)]
    ));
    assert!(s.inv.loading.active);
    assert!(screen(&s, 160, 48).contains("loading"));
    // The poll failed: the header says so, and why.
    s.on_msg(Msg::Feed(Update::Report(PollReport {
        source: Source::Directory,
        outcome: PollOutcome::Failed("429 Too Many Requests: quotaExceeded".into()),
        new_events: 1,
        requests: 3,
        took: std::time::Duration::from_secs(1),
    })));
    assert!(!s.inv.loading.active);
    let top = screen(&s, 160, 48);
    assert!(
        top.contains("STALE: poll failed: 429 Too Many Requests"),
        "{top}"
    );

    // Another process polls: `r` does not list, it says who does.
    let mut s = feed_state(160, 48);
    s.on_msg(Msg::Feed(Update::Role(Role::Reading {
        holder: "offsync pid 4242 (0badcafe)".into(),
    })));
    s.take_tasks();
    type_str(&mut s, "r");
    assert!(s.take_tasks().is_empty());
    let text = screen(&s, 160, 48);
    assert!(text.contains("another offsync process polls"), "{text}");
    assert!(text.contains("offsync pid 4242"), "{text}");
    // Its polls stopped long ago: stale.
    s.on_msg(Msg::Feed(Update::Sources(sources(
        now() - Duration::hours(2),
    ))));
    assert!(screen(&s, 160, 48).contains("STALE: another offsync process polls"));

    // The loop could not run: the table lists on its own again.
    let mut s = feed_state(160, 48);
    s.take_tasks();
    s.on_msg(Msg::FeedStopped("no credentials".into()));
    assert!(!s.feed.live);
    type_str(&mut s, "r");
    assert!(matches!(s.take_tasks().as_slice(), [Task::LoadInventory]));
}

#[test]
fn starting_with_a_feed_shows_the_cache_and_lets_the_feed_list() {
    let mut s = state(80, 24);
    s.feed.live = true;
    s.feed.directory_interval = Some(std::time::Duration::from_secs(900));
    s.start();
    let tasks: Vec<String> = s.take_tasks().iter().map(|t| format!("{t:?}")).collect();
    assert_eq!(tasks, ["History", "Reconcile", "ShowCache", "Feed"]);
    assert!(s.inv.loading.active, "until the feed's first listing");
    // With the Directory source off, the table lists on its own.
    let mut s = state(80, 24);
    s.feed.live = true;
    s.feed.directory_interval = None;
    s.start();
    let tasks: Vec<String> = s.take_tasks().iter().map(|t| format!("{t:?}")).collect();
    assert_eq!(tasks, ["History", "Reconcile", "Feed", "LoadInventory"]);
}

#[test]
fn severity_reads_as_words_without_colour() {
    let s = feed_state(160, 48);
    let text = screen(&s, 160, 48);
    for w in ["ALERT", "WARNING", "notice", "info"] {
        assert!(text.contains(w), "{w} in\n{text}");
    }
}

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

#[test]
fn snapshots_of_the_feed_and_the_burndown() {
    for (w, h) in SIZES {
        let s = feed_state(w, h);
        insta::assert_snapshot!(format!("feed_pane_{w}x{h}"), screen(&s, w, h));
        let mut s = feed_state(w, h);
        type_str(&mut s, "c");
        insta::assert_snapshot!(format!("feed_burndown_{w}x{h}"), screen(&s, w, h));
        let mut s = feed_state(w, h);
        type_str(&mut s, "vs");
        insta::assert_snapshot!(format!("feed_filtered_{w}x{h}"), screen(&s, w, h));
        let mut s = feed_state(w, h);
        type_str(&mut s, "?");
        insta::assert_snapshot!(format!("feed_help_{w}x{h}"), screen(&s, w, h));
    }
    for (w, h) in [(0, 0), (1, 1), (60, 15), (61, 16)] {
        let mut s = feed_state(80, 24);
        let _ = screen(&s, w, h);
        type_str(&mut s, "c");
        let _ = screen(&s, w, h);
    }
}
