//! The migration's policy writes through the one change engine: a step's write is one batch
//! whose journal row carries the migration facts (OU, step, before/after, reason, operation),
//! undo goes through the same engine, documented admin audit events support an attestation
//! without ever verifying it, and the per-user Gmail IMAP diagnostic of the `imap` plan.
use std::time::Duration;

use offsync::config::Profile;
use offsync::google::{scopes, Clients};
use offsync::migrate::{Migrator, StepAction, StepPlan};
use offsync::migration::{EvidenceKind, SkipKind, StepId};
use offsync::sim::{self, PolicyReadback, SimConfig, SimHandle};
use offsync::store::{Outcome, Store};
use serde_json::json;

struct Env {
    h: SimHandle,
    m: Migrator,
    db: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

async fn env(cfg: SimConfig) -> Env {
    let h = sim::start(cfg).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.json");
    std::fs::write(&key, &h.credentials.key_json).unwrap();
    let profile = Profile::for_simulator(
        &h.base_url,
        key,
        &h.credentials.admin_email,
        h.credentials.domains.clone(),
        None,
    );
    let (clients, _) = Clients::new(&profile, None).unwrap();
    let db = dir.path().join("m.sqlite");
    let m = Migrator::new(clients, &profile, db.clone());
    Env {
        h,
        m,
        db,
        _dir: dir,
    }
}

fn small() -> SimConfig {
    SimConfig {
        users: 60,
        devices: 120,
        imap_policy_mutable: true,
        ..SimConfig::default()
    }
}

async fn step(
    e: &Env,
    ou: &str,
    s: StepId,
    a: StepAction,
    reason: Option<&str>,
) -> offsync::migrate::StepOutcome {
    e.m.step(ou, s, a, reason, SkipKind::Declined, true)
        .await
        .unwrap()
}

async fn console(h: &SimHandle, body: serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/_sim/console", h.base_url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
}

fn audit_count(h: &SimHandle) -> u64 {
    h.tenant_snapshot()["adminAuditEvents"].as_u64().unwrap()
}

#[tokio::test]
async fn a_policy_step_is_one_engine_batch_carrying_its_migration_facts_and_undo_too() {
    let e = env(small()).await;
    let plan = step(&e, "/Pilot", StepId::Imap, StepAction::Plan, None).await;
    let Some(StepPlan::Policy {
        request, user_imap, ..
    }) = &plan.plan
    else {
        panic!("{:?}", plan.plan)
    };
    let t = &request.targets[0];
    assert_eq!(t.request.line(), "POST v1/policies");
    assert_eq!(t.org_unit.as_deref(), Some("/Pilot"));
    assert_eq!(request.step.as_ref().unwrap().step, "imap");
    // The diagnostic: every user of the OU read, counts that add up, samples.
    let u = user_imap.as_ref().unwrap();
    assert!(u.users > 0 && u.read == u.users, "{u:?}");
    assert_eq!(u.enabled + u.disabled + u.unset + u.failed, u.read);
    assert!(u.enabled > 0 && !u.sample_enabled.is_empty(), "{u:?}");
    assert_eq!(u.note, None);

    let out = step(
        &e,
        "/Pilot",
        StepId::Imap,
        StepAction::Apply,
        Some("pilot go"),
    )
    .await;
    assert!(out.sent);
    assert!(
        out.messages.iter().any(|m| m.contains("change batch")),
        "{:?}",
        out.messages
    );
    let mut s = Store::open(&e.db).unwrap();
    let rows = s.journal().list(100).unwrap();
    let create = rows.iter().find(|j| j.action == "policy.create").unwrap();
    assert_eq!(create.outcome, Outcome::Succeeded);
    assert_eq!(create.request, "POST v1/policies");
    let batch = create.batch_id.expect("a batch of the change engine");
    assert!(s.batches().get(batch).unwrap().unwrap().closed.is_some());
    let facts = s.migration().change(create.id).unwrap().unwrap();
    assert_eq!((facts.ou.as_str(), facts.step.as_str()), ("/Pilot", "imap"));
    assert_eq!(facts.before, None, "nothing was set at /Pilot itself");
    assert_eq!(facts.after.as_deref(), Some(r#"{"enableImapAccess":true}"#));
    assert_eq!(facts.reason.as_deref(), Some("pilot go"));
    assert!(facts.operation.unwrap().starts_with("operations/"));
    drop(s);
    // Undo: a delete of the policy offsync created, through the same engine.
    let out = step(
        &e,
        "/Pilot",
        StepId::Imap,
        StepAction::Undo,
        Some("rollback"),
    )
    .await;
    assert!(out.sent, "{:?}", out.messages);
    assert_eq!(out.record.state.as_str(), "not_started");
    let mut s = Store::open(&e.db).unwrap();
    let del = s
        .journal()
        .list(100)
        .unwrap()
        .into_iter()
        .find(|j| j.action == "policy.delete")
        .unwrap();
    assert_eq!(del.outcome, Outcome::Succeeded);
    assert!(del.batch_id.is_some() && del.batch_id != Some(batch));
    let facts = s.migration().change(del.id).unwrap().unwrap();
    assert_eq!(facts.reason.as_deref(), Some("rollback"));
    assert_eq!(facts.after, None);
    assert_eq!(
        facts.before.as_deref(),
        Some(r#"{"enableImapAccess":true}"#)
    );
    e.h.shutdown().await;
}

#[tokio::test]
async fn a_console_change_in_the_audit_log_supports_an_attestation_but_never_verifies_it() {
    let e = env(SimConfig {
        imap_policy_mutable: false,
        policy_readback: PolicyReadback::AfterPropagation,
        propagation: Duration::from_secs(3 * 3600),
        ..small()
    })
    .await;
    let out = step(&e, "/Pilot", StepId::Imap, StepAction::Apply, None).await;
    assert_eq!(out.record.state.as_str(), "needs_manual");
    // Settings without a documented audit event name leave none in the simulator.
    let before = audit_count(&e.h);
    console(
        &e.h,
        json!({"orgUnitPath": "/Pilot", "setting": "google_sync", "enabled": false}),
    )
    .await;
    assert_eq!(audit_count(&e.h), before);
    // The admin enables IMAP in the console: the audit log records IMAP_ACCESS.
    console(
        &e.h,
        json!({"orgUnitPath": "/Pilot", "setting": "imap_access", "enabled": true}),
    )
    .await;
    assert_eq!(audit_count(&e.h), before + 1);
    let at = e.h.now();
    step(&e, "/Pilot", StepId::Imap, StepAction::Attest, None).await;
    // The policy does not read back yet: the audit event is shown, the step is not verified.
    let v = step(&e, "/Pilot", StepId::Imap, StepAction::Verify, None).await;
    assert_eq!(
        v.record.state.as_str(),
        "attested",
        "{:?}",
        v.record.evidence
    );
    let audit = v
        .record
        .evidence
        .iter()
        .find(|ev| ev.kind == EvidenceKind::AuditEvent)
        .unwrap_or_else(|| panic!("{:?}", v.record.evidence));
    assert!(audit.supports && !audit.verifies());
    assert!(audit.summary.contains("IMAP_ACCESS"), "{}", audit.summary);
    assert!(
        (audit.observed_at - at).num_seconds().abs() < 120,
        "the server's timestamp"
    );
    // After propagation and the window the policy itself reads back: verified from that.
    e.h.advance(Duration::from_secs(25 * 3600));
    let v = step(&e, "/Pilot", StepId::Imap, StepAction::Verify, None).await;
    assert_eq!(
        v.record.state.as_str(),
        "verified",
        "{:?}",
        v.record.evidence
    );
    assert!(v
        .record
        .evidence
        .iter()
        .any(|ev| ev.kind == EvidenceKind::PolicyReadBack && ev.verifies()));
    e.h.shutdown().await;
}

#[tokio::test]
async fn the_user_imap_diagnostic_without_its_scope_is_a_note_and_the_plan_stands() {
    let e = env(SimConfig {
        dwd_scopes: Some(
            scopes::ALL
                .iter()
                .map(|(s, _)| s.to_string())
                .filter(|s| *s != scopes::GMAIL_SETTINGS)
                .collect(),
        ),
        ..small()
    })
    .await;
    let plan = step(&e, "/Pilot", StepId::Imap, StepAction::Plan, None).await;
    let Some(StepPlan::Policy { user_imap, .. }) = &plan.plan else {
        panic!("{:?}", plan.plan)
    };
    let u = user_imap.as_ref().unwrap();
    assert_eq!(u.read, 0);
    let note = u.note.as_deref().unwrap();
    assert!(
        note.contains("gmail.settings.basic") && note.contains("Domain-wide delegation"),
        "{note}"
    );
    e.h.shutdown().await;
}
