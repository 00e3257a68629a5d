//! Dashboard details that must stay true at every width and while idle: the Log pane's
//! oldest page, the refresh time in the header, and the mark on a partial listing.
use crossterm::event::KeyCode;
use offsync::tui::msg::Msg;
use offsync::tui::state::State;

use crate::tui_support::{key, now, screen, state};

/// `g` in the Log pane shows a full page of the oldest entries (it used to show one line
/// and blanks), and `j` from there scrolls at once.
#[test]
fn log_pane_g_shows_a_full_page_of_the_oldest_entries() {
    let mut s = state(80, 24);
    for i in 0..100 {
        s.log_note(format!("entry-{i:03}"));
    }
    s.on_input(key(KeyCode::Char('4')));
    s.on_input(key(KeyCode::Char('g')));
    let text = screen(&s, 80, 24);
    let shown: Vec<&str> = text.lines().filter(|l| l.contains("entry-")).collect();
    assert!(shown.len() >= 15, "a full page: {text}");
    assert!(shown[0].contains("entry-000"), "{text}");
    let page = shown.len();
    s.on_input(key(KeyCode::Char('j')));
    let text = screen(&s, 80, 24);
    let shown: Vec<&str> = text.lines().filter(|l| l.contains("entry-")).collect();
    assert!(shown[0].contains("entry-001"), "j scrolls by one: {text}");
    assert_eq!(shown.len(), page);
    s.on_input(key(KeyCode::Char('G')));
    assert!(screen(&s, 80, 24).contains("entry-099"));
}

/// The refresh is shown as a clock time: the label stays true while nothing redraws.
#[test]
fn the_header_shows_the_refresh_as_a_clock_time() {
    let mut s = state(160, 48);
    let at = now() - chrono::Duration::minutes(3);
    let label = format!("refreshed {}", at.format("%H:%M"));
    assert!(
        screen(&s, 160, 48).contains(&label),
        "{}",
        screen(&s, 160, 48)
    );
    s.set_now(now() + chrono::Duration::minutes(45));
    assert!(screen(&s, 160, 48).contains(&label));
}

/// A listing that fails part way leaves a partial table: the header says so at every
/// width, until a complete listing replaces it.
#[test]
fn a_partial_listing_is_marked_incomplete_at_every_width() {
    let mut s = State::new(
        std::sync::Arc::new(offsync::tui::keymap::Keymap::default_keymap()),
        offsync::tui::theme::Palette::mono(),
        crate::tui_support::profile(false),
        now(),
    );
    s.resize(ratatui::layout::Rect::new(0, 0, 80, 24));
    s.refresh();
    let page = crate::tui_support::inventory(60).devices[..25].to_vec();
    s.on_msg(Msg::DevicesPage(page));
    s.on_msg(Msg::LoadFailed("HTTP 503 backendError".into()));
    assert_eq!(
        s.inv.inventory.devices.len(),
        25,
        "the pages that arrived are shown"
    );
    for w in [60u16, 80, 100, 120, 160, 200] {
        s.resize(ratatui::layout::Rect::new(0, 0, w, 24));
        let top = screen(&s, w, 24);
        let first = top.lines().next().unwrap_or("");
        assert!(first.contains("INCOMPLETE"), "width {w}: {first}");
    }
    s.refresh();
    s.on_msg(Msg::Loaded(Box::new(crate::tui_support::inventory(60))));
    assert!(!screen(&s, 80, 24).contains("INCOMPLETE"));
}

/// Pages streamed with nothing on screen are appended on each tick (not re-copied): the
/// cursor and the selection stay on their devices, text search covers the new pages, and
/// a refresh after a partial listing merges its pages into the partial table in place.
#[test]
fn streamed_pages_append_and_keep_cursor_and_selection_by_id() {
    let mut s = State::new(
        std::sync::Arc::new(offsync::tui::keymap::Keymap::default_keymap()),
        offsync::tui::theme::Palette::mono(),
        crate::tui_support::profile(false),
        now(),
    );
    s.resize(ratatui::layout::Rect::new(0, 0, 120, 30));
    let all = crate::tui_support::inventory(60).devices;
    s.refresh();
    s.on_msg(Msg::DevicesPage(all[..20].to_vec()));
    s.on_tick();
    assert_eq!(s.inv.inventory.devices.len(), 20);
    s.inv.view.move_by(5, 20);
    let current = s.inv.inventory.devices[s.inv.view.current().unwrap() as usize]
        .resource_id
        .clone();
    s.inv.view.selected.insert(3);
    let chosen = s.inv.inventory.devices[3].resource_id.clone();
    s.on_msg(Msg::DevicesPage(all[20..45].to_vec()));
    s.on_tick();
    let ids: Vec<&str> = s
        .inv
        .inventory
        .devices
        .iter()
        .map(|d| d.resource_id.as_str())
        .collect();
    let want: Vec<&str> = all[..45].iter().map(|d| d.resource_id.as_str()).collect();
    assert_eq!(ids, want, "appended in arrival order");
    let at = s.inv.view.current().unwrap() as usize;
    assert_eq!(s.inv.inventory.devices[at].resource_id, current);
    let sel: Vec<u32> = s.inv.view.selected.iter().copied().collect();
    assert_eq!(sel.len(), 1);
    assert_eq!(s.inv.inventory.devices[sel[0] as usize].resource_id, chosen);
    assert_eq!(s.inv.index[&all[40].resource_id], 40);
    assert_eq!(s.inv.funnel.total, 45);
    // Free words search every streamed device, those appended after the search began too.
    let owner = all[44].owner().unwrap().to_string();
    s.inv.filter.device_type = None;
    s.inv.filter.query = Some(offsync::model::Query::parse_local(&owner).unwrap());
    s.refilter();
    assert!(s.inv.view.rows.contains(&44), "{owner}");
    s.on_msg(Msg::DevicesPage(all[45..].to_vec()));
    s.on_tick();
    let last = all[59].owner().unwrap().to_string();
    s.inv.filter.query = Some(offsync::model::Query::parse_local(&last).unwrap());
    s.refilter();
    assert!(s.inv.view.rows.contains(&59), "{last}");
    s.inv.filter.query = None;
    s.refilter();
    s.on_msg(Msg::LoadFailed("HTTP 503 backendError".into()));
    assert_eq!(s.inv.inventory.devices.len(), 60);
    // The next listing's pages replace devices in place; the table stays marked
    // incomplete until that listing ends.
    s.refresh();
    s.on_msg(Msg::DevicesPage(all[50..].to_vec()));
    s.on_tick();
    assert_eq!(s.inv.inventory.devices.len(), 60);
    assert_eq!(s.inv.index[&all[50].resource_id], 50);
    assert!(s.inv.loading.partial);
}
