//! Behaviour of the UI state: filters, commands, confirmations and actions, first on the
//! fixture tenant, then end to end against the simulator through the real background
//! tasks (waiting for the specific message each step produces, never sleeping).
use crossterm::event::KeyCode;
use offsync::change::{ChangeKind, TargetOutcome};
use offsync::model::export::{write_devices, ExportFormat};
use offsync::model::{DeviceAction, DeviceFilter, DeviceStatus, DeviceType};
use offsync::tui::keymap::Keymap;
use offsync::tui::msg::Msg;
use offsync::tui::state::{Exit, Overlay, State};
use offsync::tui::tasks::{Task, Tasks};

use crate::tui_support::{key, now, state, type_str};

fn ids(s: &State) -> Vec<String> {
    s.inv
        .view
        .rows
        .iter()
        .map(|i| s.inv.inventory.devices[*i as usize].resource_id.clone())
        .collect()
}

#[test]
fn filter_is_incremental_errors_are_inline_and_esc_restores() {
    let mut s = state(80, 24);
    assert_eq!(s.inv.view.rows.len(), 36, "Google Sync first");
    type_str(&mut s, "/iphone");
    let iphones = s.inv.view.rows.len();
    assert!(iphones > 0 && iphones < 36);
    // Each keystroke applies; `sync` alone is a free word (it matches GOOGLE_SYNC), and a
    // half-typed date is an error shown inline while the last good filter stays.
    type_str(&mut s, " sync:2026-1");
    assert!(
        s.inv.filter_error.as_deref().unwrap().contains("bad date"),
        "{:?}",
        s.inv.filter_error
    );
    assert_eq!(s.inv.view.rows.len(), iphones, "the last good filter stays");
    s.on_input(key(KeyCode::Esc));
    assert!(s.inv.filter_text.is_empty() && s.inv.filter_error.is_none());
    assert_eq!(s.inv.view.rows.len(), 36);
    type_str(&mut s, "/ou:/Pilot");
    s.on_input(key(KeyCode::Enter));
    assert!(s
        .inv
        .view
        .rows
        .iter()
        .all(|i| s.inv.inventory.devices[*i as usize]
            .org_unit_path
            .as_deref()
            .unwrap()
            .starts_with("/Pilot")));
}

#[test]
fn devices_command_sets_exactly_the_model_filter() {
    let mut s = state(80, 24);
    s.run_command("devices type=google_sync ou=/Pilot status=approved");
    let f = DeviceFilter {
        device_type: Some(DeviceType::GoogleSync),
        status: Some(DeviceStatus::Approved),
        ou: Some("/Pilot".into()),
        include_children: true,
        query: None,
    };
    let want: Vec<String> = s
        .inv
        .inventory
        .filtered(&f)
        .map(|d| d.resource_id.clone())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(
        ids(&s),
        want,
        "same devices, same (listing) order as offsync devices"
    );
    assert_eq!(s.inv.tree.current_path(), Some("/Pilot"));
    s.run_command("devices");
    assert_eq!(s.inv.view.rows.len(), 60);
    s.run_command("devices colour=red");
    assert!(s.status.as_ref().unwrap().1.contains("colour"));
}

#[test]
fn sort_cycles_and_reverses_and_type_toggle_cycles() {
    let mut s = state(80, 24);
    type_str(&mut s, "s");
    let owners: Vec<String> = s
        .inv
        .view
        .rows
        .iter()
        .map(|i| s.inv.inventory.devices[*i as usize].email[0].clone())
        .collect();
    let mut sorted = owners.clone();
    sorted.sort();
    assert_eq!(owners, sorted);
    type_str(&mut s, "S");
    assert_eq!(
        s.inv
            .view
            .rows
            .iter()
            .map(|i| s.inv.inventory.devices[*i as usize].email[0].clone())
            .next(),
        sorted.last().cloned()
    );
    type_str(&mut s, "t");
    assert_eq!(s.inv.view.rows.len(), 60, "all types");
    type_str(&mut s, "t");
    assert!(s
        .inv
        .view
        .rows
        .iter()
        .all(|i| s.inv.inventory.devices[*i as usize].device_type == DeviceType::IosSync));
}

#[test]
fn actions_need_confirmation_exact_count_and_are_refused_read_only() {
    let mut s = state(80, 24);
    s.profile.readonly = true;
    type_str(&mut s, "b");
    assert_eq!(s.overlay, Overlay::None);
    assert!(s.status.as_ref().unwrap().1.contains("read-only"));
    assert!(s.take_tasks().is_empty());

    let mut s = state(80, 24);
    type_str(&mut s, "  ");
    type_str(&mut s, "b");
    let Overlay::Confirm(c) = &s.overlay else {
        panic!("no confirm dialog")
    };
    assert_eq!(
        (c.plan.change, c.plan.len(), c.typed.is_none()),
        (ChangeKind::Device(DeviceAction::Block), 2, true)
    );
    s.on_input(key(KeyCode::Enter));
    let tasks = s.take_tasks();
    let [Task::Execute(plan)] = tasks.as_slice() else {
        panic!("{tasks:?}")
    };
    assert_eq!(plan.len(), 2);
    let id = plan.targets[0].resource_id.clone();
    s.on_msg(Msg::ChangeDone(
        plan.change,
        TargetOutcome {
            batch_id: None,
            seq: 0,
            resource_id: id.clone(),
            gam: plan.targets[0].gam.clone(),
            result: Ok(()),
        },
    ));
    s.take_dirty();
    let d = s
        .inv
        .inventory
        .devices
        .iter()
        .find(|d| d.resource_id == id)
        .unwrap();
    assert_eq!(
        d.status,
        DeviceStatus::Blocked,
        "state follows the outcome without a reload"
    );

    // Above the threshold the count must be typed; delete can be turned into block.
    type_str(&mut s, "AD");
    s.on_input(key(KeyCode::Enter));
    assert!(
        matches!(s.overlay, Overlay::Confirm(_)),
        "Enter without the typed count does nothing"
    );
    type_str(&mut s, "36b");
    let Overlay::Confirm(c) = &s.overlay else {
        panic!()
    };
    assert_eq!(c.plan.change, ChangeKind::Device(DeviceAction::Block));
    s.on_input(key(KeyCode::Esc));
    assert_eq!(s.overlay, Overlay::None);
    assert!(s.take_tasks().is_empty());
}

#[test]
fn quit_profile_and_bad_keymap() {
    let mut s = state(80, 24);
    s.run_command("profile nope");
    assert!(s.exit.is_none());
    s.run_command("profile pilot");
    assert_eq!(s.exit.take(), Some(Exit::SwitchProfile("pilot".into())));
    type_str(&mut s, "q");
    assert_eq!(s.exit, Some(Exit::Quit));

    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("keymap.toml");
    std::fs::write(&p, "[table]\nkeymap = [\n  { keys = [\"x\"], action = \"block\" },\n  { keys = [\"<Ctrl-q>\"], action = \"quit\" },\n]\n").unwrap();
    let e = Keymap::load(Some(&p)).unwrap_err().to_string();
    assert!(e.contains("line 4") && e.contains("Ctrl-q"), "{e}");
}

#[tokio::test]
async fn against_the_simulator_load_export_block_and_journal() {
    let env = crate::google_util::env(crate::google_util::small()).await;
    let db = env.dir.path().join("t.sqlite");
    let store = offsync::store::Store::open(&db).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let tasks = Tasks::new(&env.profile, Some(store), tx.clone());
    let mut s = state(80, 24);
    // Start empty, as on a first run with no cache, so pages stream into the table.
    s.on_msg(Msg::Loaded(Box::default()));
    s.refresh();

    let mut wait = async |s: &mut State, done: fn(&Msg) -> bool| loop {
        for t in s.take_tasks() {
            tasks.spawn(t, tx.clone());
        }
        let msg = rx.recv().await.expect("channel open");
        let stop = done(&msg);
        s.on_msg(msg);
        if stop {
            break;
        }
    };
    wait(&mut s, |m| matches!(m, Msg::Listed(_) | Msg::LoadFailed(_))).await;
    assert!(s.inv.loading.error.is_none(), "{:?}", s.inv.loading.error);
    assert_eq!(s.inv.inventory.devices.len(), 150);
    assert!(s.log.len() > 3, "every API call reaches the Log pane");

    // :export writes exactly the filtered view with the shared exporter.
    let out = env.dir.path().join("view.csv");
    s.run_command("devices type=google_sync");
    s.run_command(&format!("export csv {}", out.display()));
    wait(&mut s, |m| matches!(m, Msg::Exported { .. })).await;
    let f = DeviceFilter {
        device_type: Some(DeviceType::GoogleSync),
        include_children: true,
        ..Default::default()
    };
    let mut want = Vec::new();
    write_devices(
        &mut want,
        s.inv.inventory.filtered(&f),
        ExportFormat::Csv,
        now(),
    )
    .unwrap();
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        String::from_utf8(want).unwrap()
    );

    // Block the device under the cursor: journal, API, outcome, state.
    let id = s.inv.inventory.devices[s.inv.view.current().unwrap() as usize]
        .resource_id
        .clone();
    type_str(&mut s, "b");
    s.on_input(key(KeyCode::Enter));
    wait(&mut s, |m| matches!(m, Msg::BatchDone(..))).await;
    s.take_dirty();
    let dev = s
        .inv
        .inventory
        .devices
        .iter()
        .find(|d| d.resource_id == id)
        .unwrap();
    assert_eq!(dev.status, DeviceStatus::Blocked, "{:?}", s.status);
    let snap = env.sim.tenant_snapshot().to_string();
    assert!(snap.contains(&id));
    let journal = offsync::store::Store::open(&db)
        .unwrap()
        .journal()
        .list(10)
        .unwrap();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].target, id);
    assert_eq!(journal[0].outcome, offsync::store::Outcome::Succeeded);
    assert!(journal[0].gam_command.contains("action block"));
}

/// `offsync demo`: the header shows the simulator's time, the listing's server time moved on
/// by the local time since, times the clock's speed; a real tenant's header keeps the
/// refresh time.
#[test]
fn the_demo_header_shows_simulated_time() {
    let mut s = state(80, 24);
    let fetched = s.inv.inventory.fetched_at.unwrap();
    s.set_now(fetched + chrono::Duration::seconds(10));
    let top = crate::tui_support::screen(&s, 80, 24);
    assert!(top.lines().next().unwrap().contains("refreshed"), "{top}");
    s.sim_clock_scale = Some(1440.0);
    let top = crate::tui_support::screen(&s, 80, 24);
    let line = top.lines().next().unwrap();
    let sim = fetched + chrono::Duration::hours(4);
    assert!(
        line.contains(&format!("sim {}", sim.format("%m-%d %H:%M"))),
        "{line}"
    );
    assert!(!line.contains("refreshed"), "{line}");
}

#[test]
fn help_scroll_stops_at_the_end_so_one_k_moves_back_at_once() {
    let mut s = state(80, 24);
    s.on_input(key(KeyCode::Char('?')));
    for _ in 0..500 {
        s.on_input(key(KeyCode::Char('j')));
    }
    let Overlay::Help { scroll: end } = s.overlay else {
        panic!("help is open: {:?}", s.overlay)
    };
    assert!(end > 0 && end < 500, "clamped to the last page: {end}");
    s.on_input(key(KeyCode::Char('k')));
    assert_eq!(s.overlay, Overlay::Help { scroll: end - 1 });
}
