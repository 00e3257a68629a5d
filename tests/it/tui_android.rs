//! The Android pane on the real simulator: the state comes from the headless layer through
//! the dashboard's own tasks (`Tasks::spawn`, messages back), never from hand-made strings.
//! Snapshots at 80×24 and 160×48; state tests of the edit → dry run → confirm → journal path.
use std::time::Duration;

use crossterm::event::KeyCode;
use offsync::sim::EnterpriseType;
use offsync::tui::msg::Msg;
use offsync::tui::panes::android::{AndroidMsg, Mode};
use offsync::tui::tasks::Task;
use tokio::sync::mpsc::UnboundedSender;

use super::android_support::DAY;
use crate::tui_android_support::{pinned, two_reads, Harness};
use crate::tui_support::key;

#[tokio::test]
async fn pane_snapshots_from_the_simulator() {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut t = two_reads(w, h).await;
        let sel = t.s.android.selected.clone().unwrap();
        assert!(sel.ends_with("/policies/staff"), "{sel}");
        let shown = t.screen();
        assert!(
            shown.contains("REQUIRED_ACCOUNT_NOT_IN_ENTERPRISE"),
            "{shown}"
        );
        insta::assert_snapshot!(format!("android_{w}x{h}"), shown);
        if h < 48 {
            // The devices are below the explanation at 80×24: scroll to them.
            t.s.on_input(crate::tui_support::ctrl('d'));
            let shown = t.screen();
            insta::assert_snapshot!(format!("android_scrolled_{w}x{h}"), shown);
        }
        assert!(t.screen().contains("at least 2 d"), "{}", t.screen());
    }
}

#[tokio::test]
async fn edit_form_and_dry_run_snapshots() {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut t = two_reads(w, h).await;
        t.keys("e");
        t.focus("requiredAccountEmail");
        t.clear_field();
        t.keys("Nobody@Example.org");
        insta::assert_snapshot!(format!("android_form_{w}x{h}"), t.screen());
        t.key(KeyCode::Enter);
        t.planned().await;
        let shown = t.screen();
        assert!(shown.contains("not all lower case"), "{shown}");
        assert!(shown.contains("verified domain of this tenant"), "{shown}");
        insta::assert_snapshot!(format!("android_form_refused_{w}x{h}"), shown);
        t.clear_field();
        t.key(KeyCode::Enter);
        t.planned().await;
        assert!(matches!(t.s.android.mode, Mode::Confirm(_)));
        insta::assert_snapshot!(format!("android_confirm_{w}x{h}"), t.screen());
    }
}

#[tokio::test]
async fn not_configured_says_how() {
    let mut t = Harness::with_profile(pinned(), 80, 24, |p| {
        p.endpoints.enterprise = None;
    })
    .await;
    t.keys("5");
    t.loaded().await;
    let shown = t.screen();
    assert!(shown.contains("not configured"), "{shown}");
    assert!(shown.contains("androidmanagement"), "{shown}");
    insta::assert_snapshot!("android_not_configured_80x24", shown);
    t.keys("e");
    assert!(matches!(t.s.android.mode, Mode::Browse));
    assert!(t.s.status.as_ref().is_some_and(|(err, _)| *err));
}

#[tokio::test]
async fn a_play_accounts_enterprise_says_the_upgrade_url_comes_first() {
    let mut cfg = pinned();
    cfg.amapi.enterprise_type = EnterpriseType::ManagedGooglePlayAccounts;
    let mut t = Harness::new(cfg, 80, 24).await;
    t.keys("5");
    t.loaded().await;
    let shown = t.screen();
    assert!(
        shown.contains("managed Google Play") && shown.contains("generateEnterpriseUpgradeUrl"),
        "{shown}"
    );
    insta::assert_snapshot!("android_play_accounts_80x24", shown);
}

#[tokio::test]
async fn fixing_the_required_account_is_journaled_and_the_pane_reloads() {
    let mut t = two_reads(80, 24).await;
    t.keys("e");
    t.focus("requiredAccountEmail");
    t.clear_field();
    t.key(KeyCode::Enter);
    t.planned().await;
    // Esc goes back to the form as it was; Enter plans again.
    t.key(KeyCode::Esc);
    assert!(matches!(&t.s.android.mode, Mode::Edit(f) if f.email.text.is_empty()));
    t.key(KeyCode::Enter);
    t.planned().await;
    let Mode::Confirm(c) = &t.s.android.mode else {
        panic!("no confirmation");
    };
    assert_eq!(
        c.change.targets[0].request.path,
        format!(
            "v1/{}/policies/staff?updateMask=workAccountSetupConfig",
            t.env.sim.credentials.enterprise
        )
    );
    assert_eq!(c.prepared.plan.typed_confirmation, None);
    t.key(KeyCode::Enter);
    assert!(matches!(t.s.android.mode, Mode::Browse));
    let tasks = t.s.take_tasks();
    assert!(matches!(tasks.as_slice(), [Task::Execute(_)]), "{tasks:?}");
    for task in tasks {
        t.tasks.spawn(task, t.tx.clone());
    }
    t.until("the batch", |m| matches!(m, Msg::BatchDone(..)))
        .await;
    let status = t.s.status.clone().unwrap();
    assert!(!status.0 && status.1.contains("1 applied"), "{status:?}");
    // The pane reads the enterprise again on its own after the patch.
    assert!(t.s.android.loading);
    t.loaded().await;
    let staff = t.s.android.selected_policy().unwrap();
    assert_eq!(
        staff
            .work_account_setup_config
            .as_ref()
            .unwrap()
            .required_account_email,
        None
    );
    assert_eq!(staff.version.as_deref(), Some("2"));
    // Devices apply it within minutes, then their users add their accounts.
    t.env.sim.advance(10 * DAY);
    t.keys("r");
    t.loaded().await;
    let shown = t.screen();
    assert!(
        !shown.contains("REQUIRED_ACCOUNT_NOT_IN_ENTERPRISE"),
        "{shown}"
    );
    let data = t.s.android.data.as_ref().unwrap();
    let staff = &t.s.android.selected_policy().unwrap().name;
    let c = data.counts[staff];
    assert!(c.upgraded > c.devices / 2, "{c:?}\n{shown}");
    assert!(
        data.status.groups.iter().all(|g| g.state
            != offsync::migration::android::UpgradeState::RequiredAccountNotInEnterprise
            || g.devices.iter().all(|d| d.policy.as_ref() != Some(staff))),
        "{shown}"
    );
    let log: Vec<String> = t.s.log.entries.iter().map(|e| format!("{e:?}")).collect();
    assert!(
        log.iter()
            .any(|l| l.contains("GAM does not manage Android")),
        "{log:#?}"
    );
}

#[tokio::test]
async fn a_wipe_rule_needs_the_typed_confirmation_and_read_only_sends_nothing() {
    let mut t = two_reads(80, 24).await;
    t.keys("e");
    t.focus("block after days");
    t.clear_field();
    t.keys("5");
    t.focus("wipe after days");
    t.clear_field();
    t.keys("5");
    t.key(KeyCode::Enter);
    t.planned().await;
    let shown = t.screen();
    assert!(shown.contains("must be greater than"), "{shown}");
    t.clear_field();
    t.keys("x");
    t.key(KeyCode::Enter);
    assert!(
        matches!(&t.s.android.mode, Mode::Edit(f) if f.errors.iter().any(|e| e.contains("whole number"))),
        "the form parses its numbers before any request"
    );
    assert!(t.s.take_tasks().is_empty());
    t.clear_field();
    t.keys("40");
    t.key(KeyCode::Enter);
    t.planned().await;
    let Mode::Confirm(c) = &t.s.android.mode else {
        panic!("no confirmation: {}", t.screen());
    };
    assert_eq!(
        c.prepared.plan.typed_confirmation.as_deref(),
        Some("wipe staff")
    );
    insta::assert_snapshot!("android_confirm_wipe_80x24", t.screen());
    t.key(KeyCode::Enter);
    assert!(matches!(t.s.android.mode, Mode::Confirm(_)));
    assert!(
        t.s.take_tasks().is_empty(),
        "nothing sent without the words"
    );
    t.keys("wipe staff");
    t.s.profile.readonly = true;
    t.key(KeyCode::Enter);
    assert!(matches!(t.s.android.mode, Mode::Confirm(_)));
    assert!(t.s.take_tasks().is_empty(), "read-only sends nothing");
    t.s.profile.readonly = false;
    t.key(KeyCode::Enter);
    assert!(matches!(t.s.android.mode, Mode::Browse));
    t.until("the batch", |m| matches!(m, Msg::BatchDone(..)))
        .await;
    t.loaded().await;
    // Applied within minutes; offsync first saw these devices non-compliant two days ago,
    // so block comes in at most 3 days and wipe in at most 38.
    t.env.sim.advance(11 * super::android_support::MINUTE);
    t.keys("r");
    t.loaded().await;
    t.s.on_input(crate::tui_support::ctrl('d'));
    let shown = t.screen();
    assert!(
        shown.contains("at least 2 d  block ≤3 d  wipe ≤38 d"),
        "{shown}"
    );
    insta::assert_snapshot!("android_enforced_80x24", shown);
}

#[tokio::test]
async fn a_reload_keeps_the_selected_policy_by_name_and_q_in_the_form_is_text() {
    let mut t = two_reads(80, 24).await;
    t.keys("j");
    let sel = t.s.android.selected.clone();
    t.keys("r");
    t.loaded().await;
    assert_eq!(t.s.android.selected, sel);
    t.keys("e");
    t.focus("requiredAccountEmail");
    t.keys("q");
    assert!(t.s.exit.is_none());
    assert!(matches!(&t.s.android.mode, Mode::Edit(f) if f.email.text.ends_with('q')));
    // F1 documents the form's keys over it; Esc closes the help, not the form.
    t.key(KeyCode::F(1));
    let help = t.screen();
    assert!(
        help.contains("android_edit") && help.contains("toggle the choice"),
        "{help}"
    );
    t.key(KeyCode::Esc);
    assert!(matches!(t.s.android.mode, Mode::Edit(_)));
    assert_eq!(t.s.overlay, offsync::tui::state::Overlay::None);
    t.key(KeyCode::Esc);
    assert!(matches!(t.s.android.mode, Mode::Browse));
    t.keys("?");
    let help = t.screen();
    assert!(
        help.contains("android") && help.contains("edit the policy"),
        "{help}"
    );
}

/// The real loop with the real tasks: the pane reads the enterprise, then an idle dashboard
/// on the Android pane writes nothing at all.
#[tokio::test]
async fn the_android_pane_idles_silently() {
    use offsync::tui::event_loop::{self, Timing};

    let t = Harness::new(pinned(), 80, 24).await;
    let Harness {
        mut s,
        tasks,
        tx,
        mut rx,
        env: _env,
    } = t;
    let (mut term, bytes) = crate::tui_support::counting_terminal(80, 24);
    let (ev_tx, mut events) =
        futures::channel::mpsc::unbounded::<std::io::Result<crossterm::event::Event>>();
    let count = || bytes.get();
    let mut spawn = |task: Task, tx: UnboundedSender<Msg>| tasks.spawn(task, tx);
    let timing = Timing {
        tick: Duration::from_millis(20),
    };
    let driver = async {
        ev_tx.unbounded_send(Ok(key(KeyCode::Char('5')))).unwrap();
        // Wait until the read has been drawn: bytes stop growing for a while.
        let mut last = count();
        let mut still = 0;
        while still < 10 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let now = count();
            still = if now == last { still + 1 } else { 0 };
            last = now;
        }
        let idle = count();
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(count(), idle, "an idle Android pane writes nothing");
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
    assert!(exit.is_ok());
    assert!(s.android.data.is_some(), "the pane read the enterprise");
}

#[tokio::test]
async fn an_abandoned_dry_run_cannot_answer_a_later_one() {
    let mut t = two_reads(80, 24).await;
    t.keys("e");
    t.key(KeyCode::Enter);
    t.key(KeyCode::Esc);
    assert!(matches!(t.s.android.mode, Mode::Browse));
    t.keys("e");
    t.key(KeyCode::Enter);
    let ids: Vec<u64> =
        t.s.take_tasks()
            .into_iter()
            .filter_map(|task| match task {
                Task::Android(offsync::tui::panes::android::AndroidTask::Prepare {
                    id, ..
                }) => Some(id),
                _ => None,
            })
            .collect();
    assert_eq!(ids, [1, 2]);
    let refused = |id, why: &str| {
        Msg::Android(AndroidMsg::Prepared {
            id,
            result: Err(vec![why.to_string()]),
        })
    };
    t.s.on_msg(refused(1, "stale"));
    assert!(matches!(t.s.android.mode, Mode::Checking(_)));
    t.s.on_msg(refused(2, "current"));
    assert!(matches!(&t.s.android.mode, Mode::Edit(f) if f.errors == ["current"]));
}
