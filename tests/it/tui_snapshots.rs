//! Whole-screen snapshots of every pane and dialog at 80×24 and 160×48, on the fixture
//! tenant, driven by key presses and messages exactly as the loop delivers them.
use crossterm::event::KeyCode;
use offsync::tui::msg::{ApiCall, Msg};
use offsync::tui::state::State;

use crate::tui_support::{ctrl, key, now, screen, state, type_str};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn snap(name: &str, drive: impl Fn(&mut State)) {
    for (w, h) in SIZES {
        let mut s = state(w, h);
        drive(&mut s);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen(&s, w, h));
    }
}

#[test]
fn inventory_default_google_sync() {
    snap("inventory", |_| {});
}

#[test]
fn inventory_tree_scoped_sorted_selected() {
    snap("inventory_scoped", |s| {
        s.on_input(key(KeyCode::Char('h')));
        s.on_input(key(KeyCode::Char('j')));
        s.on_input(key(KeyCode::Enter));
        s.on_input(key(KeyCode::Char('l')));
        s.on_input(key(KeyCode::Char('s')));
        s.on_input(key(KeyCode::Char(' ')));
        s.on_input(key(KeyCode::Char(' ')));
    });
}

#[test]
fn detail() {
    snap("detail", |s| {
        s.on_input(key(KeyCode::Char('j')));
        s.on_input(key(KeyCode::Enter));
    });
}

#[test]
fn help() {
    snap("help", |s| type_str(s, "?"));
}

#[test]
fn confirm_small_and_typed() {
    snap("confirm_block", |s| type_str(s, "b"));
    snap("confirm_delete_typed", |s| {
        type_str(s, "tA");
        type_str(s, "D12");
    });
}

#[test]
fn command_line_with_completion() {
    snap("cmdline", |s| {
        type_str(s, ":devices ou=/Pi");
        s.on_input(key(KeyCode::Tab));
    });
}

#[test]
fn filter_with_error_keeps_last_good_filter() {
    snap("filter", |s| {
        type_str(s, "/iphone sync:2026-13");
    });
}

#[test]
fn placeholders_and_log() {
    snap("checklist", |s| type_str(s, "2"));
    snap("feed", |s| type_str(s, "3"));
    snap("log", |s| {
        for i in 0..3u16 {
            s.on_msg(Msg::ApiCall(ApiCall {
                at: now(),
                method: "GET".into(),
                path: format!("admin/directory/v1/customer/my_customer/devices/mobile?maxResults=100&page={i}"),
                status: Some(if i == 1 { 503 } else { 200 }),
                duration: std::time::Duration::from_millis(40 + i as u64),
                tries: if i == 1 { 3 } else { 1 },
                bytes: 51_200,
            }));
        }
        type_str(s, "jb");
        s.on_input(key(KeyCode::Enter));
        // The engine reports the outcome; the Log pane shows it with its GAM line.
        if let [offsync::tui::tasks::Task::Execute(plan)] = s.take_tasks().as_slice() {
            let t = &plan.targets[0];
            s.on_msg(Msg::ChangeDone(
                plan.change,
                offsync::change::TargetOutcome {
                    batch_id: Some(1),
                    seq: 0,
                    resource_id: t.resource_id.clone(),
                    gam: t.gam.clone(),
                    result: Ok(()),
                },
            ));
            s.take_dirty();
        }
        type_str(s, "4");
    });
}

#[test]
fn readonly_badge_and_refusal() {
    for (w, h) in SIZES {
        let mut s = state(w, h);
        s.profile.readonly = true;
        type_str(&mut s, "b");
        insta::assert_snapshot!(format!("readonly_{w}x{h}"), screen(&s, w, h));
    }
}

#[test]
fn too_small_and_degenerate_sizes() {
    let s = state(50, 10);
    insta::assert_snapshot!("too_small", screen(&s, 50, 10));
    for (w, h) in [(0, 0), (1, 1), (0, 5), (5, 0), (59, 15), (60, 14), (60, 15)] {
        let _ = screen(&s, w, h);
    }
    let mut s = state(80, 24);
    s.on_input(ctrl('d'));
    let _ = screen(&s, 1, 1);
}
