//! The dashboard's change path against the simulator: the confirm dialog holds a plan by
//! resource ID, so a reload that re-indexes the table under the open dialog changes
//! nothing about what is sent.
use crossterm::event::KeyCode;
use offsync::change::ChangeKind;
use offsync::model::DeviceAction;
use offsync::tui::msg::Msg;
use offsync::tui::state::{Overlay, State};
use offsync::tui::tasks::Tasks;

use crate::tui_support::{key, state, type_str};

#[tokio::test]
async fn a_reload_under_the_open_dialog_does_not_move_the_change() {
    let env = crate::google_util::env(crate::google_util::small()).await;
    let db = env.dir.path().join("t.sqlite");
    let store = offsync::store::Store::open(&db).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let tasks = Tasks::new(&env.profile, Some(store), tx.clone());
    let mut s = state(80, 24);
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
            s.take_dirty();
            break;
        }
    };
    wait(&mut s, |m| matches!(m, Msg::Listed(_) | Msg::LoadFailed(_))).await;
    type_str(&mut s, "t"); // every type, so positions follow the listing order
    type_str(&mut s, "jj   "); // select rows 2, 3 and 4
    type_str(&mut s, "b");
    let Overlay::Confirm(c) = &s.overlay else {
        panic!("no dialog: {:?}", s.status)
    };
    let planned: Vec<String> = c
        .plan
        .targets
        .iter()
        .map(|t| t.resource_id.clone())
        .collect();
    assert_eq!(c.plan.change, ChangeKind::Device(DeviceAction::Block));
    assert!(!planned.is_empty());

    // The first device disappears from Google; the reload shifts every index by one.
    let first = s.inv.inventory.devices[s.inv.view.rows[0] as usize]
        .resource_id
        .clone();
    env.sim.with_tenant(|t, now| {
        let i = t.device_index(&first).unwrap();
        t.devices[i].deleted_at = Some(now);
    });
    s.refresh();
    wait(&mut s, |m| matches!(m, Msg::Listed(_) | Msg::LoadFailed(_))).await;
    assert!(!s.inv.index.contains_key(&first), "the reload happened");
    assert!(
        matches!(s.overlay, Overlay::Confirm(_)),
        "the dialog stays open"
    );
    s.on_input(key(KeyCode::Enter));
    wait(&mut s, |m| matches!(m, Msg::BatchDone(..))).await;

    let mut sent: Vec<String> = env
        .sim
        .stats()
        .mutations
        .keys()
        .map(|k| k.split('/').rev().nth(1).unwrap().to_string())
        .collect();
    sent.sort();
    let mut want = planned.clone();
    want.sort();
    assert_eq!(
        sent, want,
        "the simulator received exactly the planned resource IDs"
    );
    for id in &planned {
        let i = s.inv.index[id] as usize;
        assert_eq!(
            s.inv.inventory.devices[i].status.as_str(),
            "BLOCKED",
            "{:?}",
            s.status
        );
    }
    let journal = offsync::store::Store::open(&db).unwrap();
    let batch = journal.batches().get(1).unwrap().unwrap();
    assert_eq!(batch.closed.as_deref(), Some("finished"));
    assert_eq!(batch.count as usize, planned.len());
}

/// A batch left open by a crash (confirmed, journaled, nothing sent): the dashboard's
/// start reconciles it, says so, sends nothing, and `:resume N` sends exactly its targets.
#[tokio::test]
async fn the_dashboard_shows_an_interrupted_batch_and_resumes_it_on_request() {
    use offsync::change::Planner;
    use offsync::store::{BatchTarget, NewBatch};
    let env = crate::google_util::env(crate::google_util::small()).await;
    let db = env.dir.path().join("t.sqlite");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let tasks = Tasks::new(
        &env.profile,
        Some(offsync::store::Store::open(&db).unwrap()),
        tx.clone(),
    );
    let mut s = state(80, 24);
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
            s.take_dirty();
            break;
        }
    };
    wait(&mut s, |m| matches!(m, Msg::Listed(_) | Msg::LoadFailed(_))).await;
    let approved = s
        .inv
        .inventory
        .devices
        .iter()
        .filter(|d| d.status.as_str() == "APPROVED")
        .take(3);
    let planner = Planner {
        profile: env.profile.name.clone(),
        customer_id: env.profile.customer_id.clone(),
        actor: env.profile.subject.clone(),
    };
    let plan = planner.devices(DeviceAction::Block, approved, s.now);
    assert_eq!(plan.len(), 3);
    let mut store = offsync::store::Store::open(&db).unwrap();
    let id = store
        .begin_batch(&NewBatch {
            at: s.now,
            profile: plan.profile.clone(),
            actor: plan.actor.clone(),
            kind: plan.change.name(),
            label: plan.summary(),
            plan: serde_json::to_string(&plan).unwrap(),
            targets: plan
                .targets
                .iter()
                .map(|t| BatchTarget {
                    resource_id: t.resource_id.clone(),
                    owner: t.owner.clone(),
                    org_unit: t.org_unit.clone(),
                    before: t.before.clone(),
                    request: t.request.line(),
                    gam_command: t.gam.clone(),
                })
                .collect(),
        })
        .unwrap();

    s.start();
    wait(&mut s, |m| matches!(m, Msg::Recovered(_))).await;
    let status = s.status.clone().unwrap().1;
    assert!(
        status.contains(&format!("interrupted batch(es) {id}")),
        "{status}"
    );
    let notes: Vec<String> = s
        .log
        .entries
        .iter()
        .filter_map(|e| match e {
            offsync::tui::state::LogEntry::Note { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("3 not applied") && n.contains(&format!(":resume {id}"))),
        "{notes:?}"
    );
    assert!(
        env.sim.stats().mutations.is_empty(),
        "nothing is re-sent on its own"
    );

    s.run_command(&format!("resume {id}"));
    wait(&mut s, |m| matches!(m, Msg::Resumed(..))).await;
    let mut sent: Vec<String> = env
        .sim
        .stats()
        .mutations
        .keys()
        .map(|k| k.split('/').rev().nth(1).unwrap().to_string())
        .collect();
    sent.sort();
    let mut want: Vec<String> = plan.targets.iter().map(|t| t.resource_id.clone()).collect();
    want.sort();
    assert_eq!(sent, want);
    assert!(
        s.status.clone().unwrap().1.contains("3 applied"),
        "{:?}",
        s.status
    );
}
