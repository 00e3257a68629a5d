//! A refresh with devices on screen: the listing's pages replace devices in place by
//! resource ID (no second copy of the table), a device the confirmed listing no longer
//! returns disappears only at its end, and a failed refresh keeps every row and says how
//! many were not listed again. The selection, the cursor and the detail follow device IDs.
use std::sync::Arc;

use offsync::google::Streamed;
use offsync::model::{Device, DeviceStatus, Inventory};
use offsync::tui::msg::Msg;
use offsync::tui::state::State;

use crate::tui_support::{inventory, now, screen, state};

fn id_at(s: &State, i: u32) -> String {
    s.inv.inventory.devices[i as usize].resource_id.clone()
}

fn ids(s: &State) -> Vec<String> {
    s.inv
        .inventory
        .devices
        .iter()
        .map(|d| d.resource_id.clone())
        .collect()
}

/// The end of a listing as the load task sends it: no devices, the OUs and the clock.
fn end(of: &Inventory) -> Box<Streamed> {
    Box::new(Streamed {
        inventory: Inventory {
            org_units: of.org_units.clone(),
            fetched_at: Some(now()),
            ..Default::default()
        },
        late_joins: Vec::new(),
    })
}

fn select(s: &mut State, id: &str) {
    let i = s.inv.index[id];
    s.inv.view.selected.insert(i);
}

#[test]
fn a_confirmed_listing_replaces_in_place_and_removes_what_it_no_longer_lists() {
    let mut s = state(120, 30);
    s.inv.filter.device_type = None;
    s.refilter();
    let old = inventory(60);
    // Selected: one device that stays, one that goes. The cursor sits on one that stays.
    let (kept, gone) = (
        old.devices[7].resource_id.clone(),
        old.devices[8].resource_id.clone(),
    );
    select(&mut s, &kept);
    select(&mut s, &gone);
    s.inv.view.move_by(12, 30);
    let current = id_at(&s, s.inv.view.current().unwrap());
    s.refresh();
    // The new listing: device 8 was deleted at Google, device 3 now blocked, one is new.
    let mut fresh = old.devices.clone();
    fresh.remove(8);
    fresh[3].status = DeviceStatus::Blocked;
    let mut added = fresh[0].clone();
    added.resource_id = "AFiNEW".into();
    fresh.push(added);
    // A preview page first (index-only view): shown in place, not part of the answer.
    s.on_msg(Msg::PreviewPage(fresh[..30].to_vec()));
    s.on_tick();
    assert_eq!(
        s.inv.inventory.devices.len(),
        60,
        "nothing added or removed"
    );
    assert_eq!(s.inv.inventory.devices[3].status, DeviceStatus::Blocked);
    assert_eq!(
        id_at(&s, 3),
        old.devices[3].resource_id,
        "replaced where it was"
    );
    s.on_msg(Msg::DevicesPage(fresh[..40].to_vec()));
    s.on_tick();
    s.on_msg(Msg::DevicesPage(fresh[40..].to_vec()));
    s.on_tick();
    assert_eq!(
        s.inv.inventory.devices.len(),
        61,
        "the new device is appended"
    );
    assert!(
        s.inv.index.contains_key(&gone),
        "nothing goes before the end"
    );
    s.on_msg(Msg::Listed(end(&old)));
    let want: Vec<String> = fresh.iter().map(|d| d.resource_id.clone()).collect();
    assert_eq!(ids(&s), want);
    assert!(!s.inv.index.contains_key(&gone));
    assert_eq!(s.inv.funnel.total, 60);
    let sel: Vec<String> = s.inv.view.selected.iter().map(|i| id_at(&s, *i)).collect();
    assert_eq!(sel, vec![kept], "the selection follows its devices by ID");
    assert_eq!(id_at(&s, s.inv.view.current().unwrap()), current);
    assert!(!s.inv.loading.active && s.inv.loading.error.is_none());
    assert!(!screen(&s, 120, 30).contains("INCOMPLETE"));
}

#[test]
fn a_failed_refresh_keeps_every_row_and_says_how_many_were_not_listed_again() {
    let mut s = state(160, 30);
    let old = inventory(60);
    s.refresh();
    let mut page: Vec<Device> = old.devices[..25].to_vec();
    page[0].status = DeviceStatus::Blocked;
    s.on_msg(Msg::DevicesPage(page));
    s.on_msg(Msg::LoadFailed("HTTP 503 backendError".into()));
    assert_eq!(ids(&s), ids_of(&old), "no device dropped");
    assert_eq!(s.inv.inventory.devices[0].status, DeviceStatus::Blocked);
    let e = s.inv.loading.error.clone().unwrap();
    assert!(e.contains("35 of 60 devices not listed again"), "{e}");
    let text = screen(&s, 160, 30);
    assert!(text.contains("listing failed"), "{text}");
    // The next complete listing removes what it does not return, and the error goes.
    s.refresh();
    s.on_msg(Msg::DevicesPage(old.devices[..50].to_vec()));
    s.on_msg(Msg::Listed(end(&old)));
    assert_eq!(s.inv.inventory.devices.len(), 50);
    assert!(s.inv.loading.error.is_none());
}

fn ids_of(inv: &Inventory) -> Vec<String> {
    inv.devices.iter().map(|d| d.resource_id.clone()).collect()
}

/// With nothing on screen, the first pages show at once; a listing that fails part way
/// is marked incomplete; owners listed after their devices get their OU at the end.
#[test]
fn first_start_streams_and_late_owners_are_joined_at_the_end() {
    let mut s = State::new(
        Arc::new(offsync::tui::keymap::Keymap::default_keymap()),
        offsync::tui::theme::Palette::mono(),
        crate::tui_support::profile(false),
        now(),
    );
    s.resize(ratatui::layout::Rect::new(0, 0, 120, 30));
    s.inv.filter.device_type = None;
    let all = inventory(60);
    s.refresh();
    let mut first = all.devices[..20].to_vec();
    first[5].org_unit_path = None;
    s.on_msg(Msg::DevicesPage(first));
    s.on_tick();
    assert_eq!(s.inv.inventory.devices.len(), 20);
    s.on_msg(Msg::DevicesPage(all.devices[20..].to_vec()));
    let mut done = end(&all);
    let ou = all.devices[5].org_unit_path.clone().unwrap();
    done.late_joins = vec![(all.devices[5].resource_id.clone(), ou.clone())];
    s.on_msg(Msg::Listed(done));
    assert_eq!(ids(&s), ids_of(&all));
    assert_eq!(s.inv.inventory.devices[5].org_unit_path, Some(ou));
    assert_eq!(s.inv.inventory.fetched_at, Some(now()));
}
