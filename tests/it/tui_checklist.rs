//! The Checklist pane on a real observation of the simulator: snapshots of every view at
//! 80×24 and 160×48, and which keys queue which tasks (named by OU path, step ID, wave
//! and email, never by row).
use crossterm::event::KeyCode;
use offsync::migrate::{StepAction, StepPlan};
use offsync::migration::{GuardId, OverrideKind, SkipKind, StepId};
use offsync::model::DeviceType;
use offsync::tui::msg::Msg;
use offsync::tui::state::{Overlay, Pane, State};
use offsync::tui::tasks::{ChecklistMsg, ChecklistTask, MigrationChange, Task, UserMark};

use crate::tui_checklist_support::{deliver, shaped};
use crate::tui_support::{key, state, type_str};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

/// The screen with seconds masked: the simulator's clock stands still, but "now" is its
/// Date header plus the real time since, so seconds (and fractions) differ run to run.
fn screen(s: &State, w: u16, h: u16) -> String {
    mask_seconds(&crate::tui_support::screen(s, w, h))
}

fn mask_seconds(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let digit = |j: usize| c.get(j).is_some_and(|x| x.is_ascii_digit());
    while i < c.len() {
        let clock = (0..8).all(|k| match k {
            2 | 5 => c.get(i + k) == Some(&':'),
            _ => digit(i + k),
        });
        if clock && !digit(i + 8) && (i == 0 || !digit(i - 1)) {
            out.extend(&c[i..i + 6]);
            out.push_str("ss");
            i += 8;
            if c.get(i) == Some(&'.') && digit(i + 1) {
                i += 1;
                while digit(i) {
                    i += 1;
                }
            }
            continue;
        }
        out.push(c[i]);
        i += 1;
    }
    out
}

fn checklist_tasks(s: &mut State) -> Vec<ChecklistTask> {
    s.take_tasks()
        .into_iter()
        .filter_map(|t| match t {
            Task::Checklist(c) => Some(c),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn snapshots_of_every_view() {
    let (mig, board) = shaped().await;
    let m = mig.migrator();
    let mut journal = m.step_journal("/Pilot", StepId::Imap, 50).unwrap();
    assert!(!journal.is_empty(), "the apply was journaled");
    // The change engine stamps journal rows with this machine's clock, not the frozen
    // simulator's: pin them so the snapshot does not move with the date.
    for row in &mut journal {
        row.at = crate::tui_support::now();
    }
    let obs = m.observe_ready().await.unwrap();
    // The first wave OU where IMAP is not yet in place: its apply has something to send.
    let mut todo = None;
    for ou in ["/Sales", "/Students", "/IT", "/Staff"] {
        let p = m.plan_for(&obs, ou, StepId::Imap).await.unwrap();
        if matches!(p, StepPlan::Policy { noop: false, .. }) {
            todo = Some((ou, p));
            break;
        }
    }
    let (todo_ou, plan) = todo.expect("an OU without IMAP");
    for (w, h) in SIZES {
        let open = |keys: &str| {
            let mut s = state(w, h);
            type_str(&mut s, "2");
            deliver(&mut s, &board);
            type_str(&mut s, keys);
            s
        };
        insta::assert_snapshot!(format!("checklist_steps_{w}x{h}"), screen(&open(""), w, h));

        let mut s = open("l");
        s.on_input(key(KeyCode::Enter));
        s.on_msg(Msg::Checklist(ChecklistMsg::Journal {
            ou: "/Pilot".into(),
            step: StepId::Imap,
            rows: Ok(journal.clone()),
        }));
        insta::assert_snapshot!(format!("checklist_detail_{w}x{h}"), screen(&s, w, h));

        insta::assert_snapshot!(
            format!("checklist_waves_{w}x{h}"),
            screen(&open("wj"), w, h)
        );
        insta::assert_snapshot!(format!("checklist_help_{w}x{h}"), screen(&open("?"), w, h));
        insta::assert_snapshot!(
            format!("checklist_users_{w}x{h}"),
            screen(&open("ul"), w, h)
        );

        // Apply's dialog: the engine's dry run for /Staff (before → after, OUs reached).
        let mut s = open("");
        s.checklist.ou = Some(todo_ou.into());
        s.on_msg(Msg::Checklist(ChecklistMsg::Previewed(
            offsync::tui::tasks::StepRequest::new(todo_ou, StepId::Imap, StepAction::Apply),
            Ok(plan.clone()),
        )));
        insta::assert_snapshot!(format!("checklist_confirm_apply_{w}x{h}"), screen(&s, w, h));

        let mut s = open("ljjs");
        type_str(&mut s, "nobody here");
        s.on_input(key(KeyCode::Tab));
        insta::assert_snapshot!(format!("checklist_confirm_skip_{w}x{h}"), screen(&s, w, h));

        // A failed observation is loud and keeps the previous reading visible.
        let mut s = open("");
        s.on_msg(Msg::Checklist(ChecklistMsg::Observed(Err(
            "Directory API: 503 backendError after 5 tries".into(),
        ))));
        insta::assert_snapshot!(format!("checklist_failed_{w}x{h}"), screen(&s, w, h));
    }
}

#[tokio::test]
async fn keys_queue_tasks_named_by_ou_and_step() {
    let (_mig, board) = shaped().await;
    let mut s = state(80, 24);
    type_str(&mut s, "2");
    assert!(
        matches!(checklist_tasks(&mut s).as_slice(), [ChecklistTask::Observe]),
        "entering the pane observes"
    );
    type_str(&mut s, "r");
    assert!(
        checklist_tasks(&mut s).is_empty(),
        "one observation at a time"
    );
    assert!(s.checklist.again, "… and another right after it");
    deliver(&mut s, &board);
    assert!(matches!(
        checklist_tasks(&mut s).as_slice(),
        [ChecklistTask::Observe]
    ));
    assert_eq!(
        s.checklist.current_ou().unwrap().ou,
        "/Pilot",
        "the pilot first"
    );

    // Plan and verify run at once; apply asks the engine for its plan first.
    type_str(&mut s, "lpva");
    let t = checklist_tasks(&mut s);
    let step = |t: &ChecklistTask| match t {
        ChecklistTask::Change(MigrationChange::Step(r)) | ChecklistTask::Preview(r) => {
            (r.ou.clone(), r.step, r.action)
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(
        t.iter().map(step).collect::<Vec<_>>(),
        vec![
            ("/Pilot".to_string(), StepId::Imap, StepAction::Plan),
            ("/Pilot".to_string(), StepId::Imap, StepAction::Verify),
            ("/Pilot".to_string(), StepId::Imap, StepAction::Apply),
        ]
    );
    assert!(
        matches!(t[2], ChecklistTask::Preview(_)),
        "apply previews first"
    );

    // Attest is for console steps only; iOS push does not apply under basic management.
    type_str(&mut s, "t");
    assert_eq!(s.overlay, Overlay::None);
    assert!(s.status.as_ref().unwrap().1.contains("not a console step"));
    type_str(&mut s, "jt");
    assert_eq!(s.overlay, Overlay::None);
    assert!(s.status.as_ref().unwrap().1.contains("does not apply"));

    // Skip needs a typed reason; Tab picks its kind.
    type_str(&mut s, "js");
    assert!(matches!(s.overlay, Overlay::ConfirmStep(_)));
    s.on_input(key(KeyCode::Enter));
    assert!(
        matches!(s.overlay, Overlay::ConfirmStep(_)),
        "refused without a reason"
    );
    assert!(checklist_tasks(&mut s).is_empty());
    type_str(&mut s, "nobody uses Apple Mail");
    s.on_input(key(KeyCode::Tab));
    s.on_input(key(KeyCode::Enter));
    assert_eq!(s.overlay, Overlay::None);
    match checklist_tasks(&mut s).as_slice() {
        [ChecklistTask::Change(MigrationChange::Step(r))] => {
            assert_eq!(
                (r.ou.as_str(), r.step, r.action),
                ("/Pilot", StepId::ReAdd, StepAction::Skip)
            );
            assert_eq!(r.reason.as_deref(), Some("nobody uses Apple Mail"));
            assert_eq!(r.skip_kind, SkipKind::NotNeeded);
        }
        other => panic!("{other:?}"),
    }

    // A new observation with the OUs in another order keeps the selection by path.
    type_str(&mut s, "h");
    while s.checklist.current_ou().unwrap().ou != "/Staff" {
        type_str(&mut s, "j");
    }
    let mut shuffled = board.clone();
    shuffled.ous.reverse();
    deliver(&mut s, &shuffled);
    assert_eq!(s.checklist.current_ou().unwrap().ou, "/Staff");

    // d: the OU's Google Sync devices in the Inventory pane.
    type_str(&mut s, "d");
    assert_eq!(s.pane, Pane::Inventory);
    assert_eq!(s.inv.filter.ou.as_deref(), Some("/Staff"));
    assert_eq!(s.inv.filter.device_type, Some(DeviceType::GoogleSync));
}

#[tokio::test]
async fn waves_users_and_read_only() {
    let (_mig, board) = shaped().await;
    let mut s = state(80, 24);
    type_str(&mut s, "2");
    deliver(&mut s, &board);
    checklist_tasks(&mut s);

    // Wave 1 is blocked by the pilot's guards: S says so; o overrides one with a reason.
    type_str(&mut s, "wS");
    assert_eq!(s.overlay, Overlay::None);
    assert!(
        s.status.as_ref().unwrap().1.contains("blocked"),
        "{:?}",
        s.status
    );
    type_str(&mut s, "jo");
    assert!(
        matches!(s.overlay, Overlay::ConfirmStep(_)),
        "{:?}",
        s.status
    );
    type_str(&mut s, "pilot signed off by the CIO");
    s.on_input(key(KeyCode::Enter));
    match checklist_tasks(&mut s).as_slice() {
        [ChecklistTask::Change(MigrationChange::Override {
            wave,
            guard,
            kind,
            reason,
        })] => {
            assert_eq!(
                (*wave, *guard, *kind),
                (1, GuardId::StepsVerified, OverrideKind::AcceptedRisk)
            );
            assert_eq!(reason, "pilot signed off by the CIO");
        }
        other => panic!("{other:?}"),
    }

    // Users: the one under the cursor is marked reminded, by email.
    type_str(&mut s, "ul");
    let first = s.checklist.current_user().expect("a user left behind");
    type_str(&mut s, "m");
    s.on_input(key(KeyCode::Enter));
    match checklist_tasks(&mut s).as_slice() {
        [ChecklistTask::Change(MigrationChange::MarkUsers { emails, mark, .. })] => {
            assert_eq!((emails.clone(), *mark), (vec![first], UserMark::Reminded));
        }
        other => panic!("{other:?}"),
    }
    type_str(&mut s, "K");
    s.on_input(key(KeyCode::Enter));
    assert!(
        checklist_tasks(&mut s).is_empty(),
        "acknowledging needs a reason"
    );
    s.on_input(key(KeyCode::Esc));

    // Export goes through the `:export` line.
    type_str(&mut s, "x");
    s.on_input(key(KeyCode::Enter));
    match checklist_tasks(&mut s).as_slice() {
        [ChecklistTask::Export { rows, path, .. }] => {
            assert!(rows.iter().all(|u| u.funnel.is_left_behind()));
            assert!(
                path.to_string_lossy().starts_with("left-behind-Pilot"),
                "{path:?}"
            );
        }
        other => panic!("{other:?}"),
    }

    // Read-only: plans and verifies, shows the dry run, never applies or records.
    s.profile.readonly = true;
    type_str(&mut s, "c");
    type_str(&mut s, "lR");
    assert_eq!(s.overlay, Overlay::None);
    assert!(s.status.as_ref().unwrap().1.starts_with("read-only"));
    type_str(&mut s, "p");
    assert_eq!(checklist_tasks(&mut s).len(), 1, "plan still runs");
}

/// Switching panes back and forth must not list every device again each time: entering
/// the pane reads only when the board is older than two minutes (or the last read failed).
#[tokio::test]
async fn entering_again_soon_keeps_the_board_and_later_reads_again() {
    let (_mig, board) = shaped().await;
    let mut s = state(80, 24);
    type_str(&mut s, "2");
    assert!(matches!(
        checklist_tasks(&mut s).as_slice(),
        [ChecklistTask::Observe]
    ));
    deliver(&mut s, &board);
    type_str(&mut s, "1");
    s.now += chrono::TimeDelta::seconds(90);
    type_str(&mut s, "2");
    assert!(
        checklist_tasks(&mut s).is_empty(),
        "a 90 s old board is shown"
    );
    type_str(&mut s, "1");
    s.now += chrono::TimeDelta::seconds(60);
    type_str(&mut s, "2");
    assert!(
        matches!(checklist_tasks(&mut s).as_slice(), [ChecklistTask::Observe]),
        "a 150 s old board is read again"
    );
    // A failed read is never taken as fresh.
    s.on_msg(Msg::Checklist(ChecklistMsg::Observed(Err(
        "HTTP 503".into()
    ))));
    type_str(&mut s, "1");
    type_str(&mut s, "2");
    assert!(matches!(
        checklist_tasks(&mut s).as_slice(),
        [ChecklistTask::Observe]
    ));
}
