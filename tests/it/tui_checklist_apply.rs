//! Confirm, then apply, from the Checklist pane against the simulator: the dialog holds
//! the engine's plan, and Google receives exactly the write it showed, once.
use crossterm::event::KeyCode;
use offsync::migration::{PolicyMethod, StepId, StepState};
use offsync::tui::msg::Msg;
use offsync::tui::state::{Overlay, State};
use offsync::tui::tasks::{ChecklistMsg, Tasks};

use crate::tui_checklist_support::mig_env;
use crate::tui_support::{key, state, type_str};

#[tokio::test]
async fn the_simulator_receives_exactly_the_confirmed_plan() {
    let mig = mig_env().await;
    mig.migrator().set_pilot("/Pilot").await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let tasks = Tasks::new(&mig.env.profile, None, tx.clone()).database(Some(mig.db.clone()));
    let mut s = state(80, 24);
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
    let observed = |m: &Msg| matches!(m, Msg::Checklist(ChecklistMsg::Observed(_)));
    type_str(&mut s, "2");
    wait(&mut s, observed).await;
    assert!(s.checklist.error.is_none(), "{:?}", s.checklist.error);
    assert_eq!(s.checklist.current_ou().unwrap().ou, "/Pilot");
    let before = mig.env.sim.stats().mutations.clone();

    type_str(&mut s, "la");
    wait(&mut s, |m| {
        matches!(m, Msg::Checklist(ChecklistMsg::Previewed(..)))
    })
    .await;
    let Overlay::ConfirmStep(c) = &s.overlay else {
        panic!("no dialog: {:?}", s.status)
    };
    let plan = c.plan.clone().expect("the dialog holds the plan");
    let change = match &plan {
        offsync::migrate::StepPlan::Policy { change, .. } => change.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!((change.ou.as_str(), change.step), ("/Pilot", StepId::Imap));
    assert!(change.reach.ous.contains(&"/Pilot".to_string()));
    assert!(
        mig.env.sim.stats().mutations == before,
        "nothing is sent before Enter"
    );
    s.on_input(key(KeyCode::Enter));
    wait(&mut s, |m| {
        matches!(m, Msg::Checklist(ChecklistMsg::Done(..)))
    })
    .await;
    assert!(
        !s.status.as_ref().unwrap().0,
        "the apply succeeded: {:?}",
        s.status
    );
    let after = mig.env.sim.stats().mutations;
    let sent: Vec<&String> = after
        .iter()
        .filter(|(k, n)| before.get(*k) != Some(n))
        .map(|(k, _)| k)
        .collect();
    let want = match &change.method {
        PolicyMethod::Create { .. } => "POST /v1/policies",
        PolicyMethod::Patch { policy } => panic!("expected a create, planned a patch of {policy}"),
        PolicyMethod::Delete { .. } => panic!("expected a create"),
    };
    assert_eq!(sent.len(), 1, "exactly one write: {sent:?}");
    assert!(sent[0].starts_with(want), "{sent:?}");
    assert_eq!(after[sent[0]], 1, "sent once");

    // The pane reads the result back and shows the step's new state.
    wait(&mut s, observed).await;
    let st = s
        .checklist
        .board
        .as_ref()
        .unwrap()
        .record("/Pilot", StepId::Imap)
        .unwrap()
        .state;
    assert!(
        matches!(st, StepState::PendingPropagation | StepState::Verified),
        "{st:?}"
    );
    // The journal holds the change with its before/after.
    let rows = mig
        .migrator()
        .step_journal("/Pilot", StepId::Imap, 10)
        .unwrap();
    assert!(
        rows.iter()
            .any(|r| r.action == "policy.create" && r.outcome == "succeeded"),
        "{rows:?}"
    );
}
