//! The real event loop on a byte-counting terminal: it draws while something animates
//! and writes nothing at all while idle (over SSH every byte counts). Idleness can only be
//! shown by letting time pass, so this test waits on the clock, briefly, on purpose.
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, KeyCode};
use offsync::tui::event_loop::{self, Timing};
use offsync::tui::msg::Msg;
use offsync::tui::state::Exit;
use offsync::tui::tasks::Task;
use ratatui::layout::Rect;

use crate::tui_support::{counting_terminal, inventory, key, state};

#[tokio::test]
async fn draws_while_loading_then_writes_nothing_while_idle() {
    let (mut term, bytes) = counting_terminal(80, 24);
    let (ev_tx, mut events) = futures::channel::mpsc::unbounded::<io::Result<Event>>();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut s = state(80, 24);
    s.refresh();
    let mut spawned = Vec::new();
    let mut spawn = |t: Task, _| spawned.push(format!("{t:?}"));
    let timing = Timing {
        tick: Duration::from_millis(20),
    };
    let count = || bytes.get();
    let sender = tx.clone();
    let driver = async move {
        // Wait for three spinner frames (each tick redraws while loading).
        let mut frames = 0;
        let mut last = count();
        while frames < 3 {
            tokio::time::sleep(Duration::from_millis(5)).await;
            if count() > last {
                frames += 1;
                last = count();
            }
        }
        sender.send(Msg::Loaded(Box::new(inventory(60)))).unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let idle = count();
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(count(), idle, "20 ticks' worth of idle time write nothing");
        ev_tx.unbounded_send(Ok(key(KeyCode::Char('j')))).unwrap();
        while count() == idle {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        ev_tx.unbounded_send(Ok(key(KeyCode::Char('q')))).unwrap();
    };
    let (exit, ()) = tokio::join!(
        event_loop::run(
            &mut term,
            &mut events,
            &mut s,
            &mut rx,
            &tx,
            &mut spawn,
            timing,
            std::future::pending()
        ),
        driver
    );
    assert_eq!(exit.unwrap(), Exit::Quit);
    assert_eq!(spawned, ["LoadInventory"]);
}

/// A dead terminal (EIO on every read) ends the UI at once instead of being polled forever.
#[tokio::test]
async fn a_failing_input_read_ends_the_loop_instead_of_spinning() {
    let (mut term, _) = counting_terminal(80, 24);
    let reads = Arc::new(AtomicUsize::new(0));
    let counted = reads.clone();
    // Fails on every poll, like a terminal whose other end is gone.
    let mut events = futures::stream::repeat_with(move || {
        counted.fetch_add(1, Ordering::SeqCst);
        Err::<Event, _>(io::Error::from_raw_os_error(5))
    });
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut s = state(80, 24);
    let mut spawn = |_: Task, _| {};
    let timing = Timing {
        tick: Duration::from_millis(20),
    };
    let exit = tokio::time::timeout(
        Duration::from_secs(5),
        event_loop::run(
            &mut term,
            &mut events,
            &mut s,
            &mut rx,
            &tx,
            &mut spawn,
            timing,
            std::future::pending(),
        ),
    )
    .await
    .expect("the loop ends");
    assert_eq!(exit.unwrap(), Exit::Quit);
    assert_eq!(reads.load(Ordering::SeqCst), 1, "read once, then stopped");
}

/// With the live feed polling against the simulator: once its first polls are stored and
/// shown, the dashboard writes nothing more while nothing changes (the feed's loop keeps
/// reading the store every couple of seconds, and sends nothing when nothing is new).
#[tokio::test]
async fn idle_with_a_live_feed_writes_nothing() {
    use offsync::store::Store;
    use offsync::tui::tasks::Tasks;
    let e = crate::google_util::env(offsync::sim::SimConfig {
        users: 40,
        devices: 80,
        ..Default::default()
    })
    .await;
    let db = e.dir.path().join("ui.sqlite");
    let (mut term, bytes) = counting_terminal(80, 24);
    let (ev_tx, mut events) = futures::channel::mpsc::unbounded::<io::Result<Event>>();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let tasks = Tasks::new(&e.profile, Some(Store::open(&db).unwrap()), tx.clone())
        .feed_database(Some(db.clone()));
    let mut s = offsync::tui::state::State::new(
        std::sync::Arc::new(offsync::tui::keymap::Keymap::default_keymap()),
        offsync::tui::theme::Palette::mono(),
        crate::tui_support::profile(false),
        chrono::Utc::now(),
    );
    s.resize(Rect::new(0, 0, 80, 24));
    s.feed.live = true;
    s.feed.directory_interval = e
        .profile
        .feed
        .source(offsync::model::Source::Directory)
        .interval;
    s.start();
    let mut spawn = |t: Task, tx| tasks.spawn(t, tx);
    let timing = Timing {
        tick: Duration::from_millis(20),
    };
    let count = || bytes.get();
    let driver = async move {
        // Every enabled source has made its first poll (Android: the sim has an enterprise);
        // a failed one (a timeout on a loaded machine) is finished too.
        let reader = Store::open(&db).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let ok = reader.feed_sources().unwrap();
            let done = |name: &str| {
                ok.iter()
                    .any(|s| s.source == name && (s.last_ok_at.is_some() || s.last_error.is_some()))
            };
            if ["directory", "policy", "android", "audit", "usage"]
                .iter()
                .all(|n| done(n))
            {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the feed's first polls: {ok:#?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        ev_tx.unbounded_send(Ok(key(KeyCode::Char('3')))).unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let idle = count();
        tokio::time::sleep(Duration::from_millis(2_500)).await;
        assert_eq!(
            count(),
            idle,
            "a read cycle of the feed's loop writes nothing"
        );
        ev_tx.unbounded_send(Ok(key(KeyCode::Char('q')))).unwrap();
    };
    let (exit, ()) = tokio::join!(
        event_loop::run(
            &mut term,
            &mut events,
            &mut s,
            &mut rx,
            &tx,
            &mut spawn,
            timing,
            std::future::pending()
        ),
        driver
    );
    assert_eq!(exit.unwrap(), Exit::Quit);
    assert!(
        s.feed.events.len() >= 5,
        "every source's first poll is shown"
    );
    assert!(!s.feed.counts.is_empty(), "the burndown's first point");
    tasks.stop_feed().await;
}

/// The Checklist pane draws its observation once, then writes nothing while idle (no
/// spinner, no timer: "reading…" is plain text until the result arrives).
#[tokio::test]
async fn the_checklist_pane_is_silent_while_idle() {
    let (_mig, board) = crate::tui_checklist_support::shaped().await;
    let (mut term, bytes) = counting_terminal(80, 24);
    let (ev_tx, mut events) = futures::channel::mpsc::unbounded::<io::Result<Event>>();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut s = state(80, 24);
    let mut spawned = Vec::new();
    let mut spawn = |t: Task, _| spawned.push(format!("{t:?}"));
    let timing = Timing {
        tick: Duration::from_millis(20),
    };
    let count = || bytes.get();
    let sender = tx.clone();
    let driver = async move {
        ev_tx.unbounded_send(Ok(key(KeyCode::Char('2')))).unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let before = count();
        sender
            .send(Msg::Checklist(offsync::tui::tasks::ChecklistMsg::Observed(
                Ok(Box::new(board)),
            )))
            .unwrap();
        while count() == before {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let idle = count();
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(count(), idle, "an idle Checklist pane writes nothing");
        ev_tx.unbounded_send(Ok(key(KeyCode::Char('q')))).unwrap();
    };
    let (exit, ()) = tokio::join!(
        event_loop::run(
            &mut term,
            &mut events,
            &mut s,
            &mut rx,
            &tx,
            &mut spawn,
            timing,
            std::future::pending()
        ),
        driver
    );
    assert_eq!(exit.unwrap(), Exit::Quit);
    assert_eq!(spawned, ["Checklist(Observe)"]);
}
