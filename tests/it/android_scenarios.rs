//! The seeds' account-upgrade scenarios end to end: offsync's own client and logic against
//! the simulator, with sim time advanced by hours and days instead of waited for.
use offsync::migration::android::{AccountEdit, Enforcement, Estimate, UpgradeState};
use offsync::sim::{AmapiBehaviour as Behaviour, AwaitingReading, EnterpriseType};
use serde_json::json;

use super::android_support::*;

fn require(email: Option<&str>) -> serde_json::Value {
    let mut w = json!({"authenticationType": "GOOGLE_AUTHENTICATED"});
    if let Some(e) = email {
        w["requiredAccountEmail"] = json!(e);
    }
    json!({"workAccountSetupConfig": w})
}

#[tokio::test]
async fn specific_account_required_the_user_is_prompted_adds_it_and_the_play_account_goes() {
    let s = scene(frozen()).await;
    s.create_policy("scn", json!({})).await;
    let (id, owner) = s.take_device("scn", Behaviour::Adds, 2 * HOUR, false);
    assert_eq!(s.state(&id).await, Some(UpgradeState::PolicyNotApplied));
    s.advance(11 * MINUTE);
    assert_eq!(s.state(&id).await, Some(UpgradeState::NotRequested));
    // The admin requires this user's account, through offsync's validation and journal.
    let edit = AccountEdit {
        require_google_account: Some(true),
        required_account_email: Some(Some(owner.clone())),
        ..AccountEdit::default()
    };
    s.apply("scn", &edit).await;
    s.advance(11 * MINUTE);
    assert_eq!(s.state(&id).await, Some(UpgradeState::AwaitingUser));
    assert_eq!(s.truth(&id)["managedGooglePlayAccount"], true);
    s.advance(2 * HOUR);
    assert_eq!(s.state(&id).await, Some(UpgradeState::Upgraded));
    let t = s.truth(&id);
    assert_eq!(
        (
            t["account"].as_str(),
            t["managedGooglePlayAccount"].as_bool()
        ),
        (Some(owner.as_str()), Some(false))
    );
    let journal = s.store.lock().unwrap().journal().list(10).unwrap();
    assert_eq!(journal[0].action, "android.policy.patch");
    assert!(journal[0].request.starts_with("PATCH v1/enterprises/"));
}

#[tokio::test]
async fn any_enterprise_account_the_user_picks_one_or_adds_their_own() {
    let s = scene(frozen()).await;
    s.create_policy("any", require(None)).await;
    let (picker, owner) = s.take_device("any", Behaviour::Adds, HOUR, true);
    let (adder, adder_owner) = s.take_device("any", Behaviour::Adds, 3 * HOUR, false);
    s.advance(11 * MINUTE);
    // Without requiredAccountEmail even an account already on the device is not silent.
    assert_eq!(s.state(&picker).await, Some(UpgradeState::AwaitingUser));
    s.advance(HOUR);
    assert_eq!(s.state(&picker).await, Some(UpgradeState::Upgraded));
    assert_eq!(s.truth(&picker)["account"], owner.as_str());
    assert_eq!(s.state(&adder).await, Some(UpgradeState::AwaitingUser));
    s.advance(3 * HOUR);
    assert_eq!(s.truth(&adder)["account"], adder_owner.as_str());
}

#[tokio::test]
async fn the_upgrade_is_silent_when_the_required_account_is_already_on_the_device() {
    let s = scene(frozen()).await;
    s.create_policy("silent", json!({})).await;
    // A user who would never act: only a silent upgrade can make this device compliant.
    let (id, owner) = s.take_device("silent", Behaviour::Ignores, 30 * DAY, true);
    let edit = AccountEdit {
        require_google_account: Some(true),
        required_account_email: Some(Some(owner.clone())),
        ..AccountEdit::default()
    };
    s.apply("silent", &edit).await;
    s.advance(11 * MINUTE);
    assert_eq!(s.state(&id).await, Some(UpgradeState::Upgraded));
    assert_eq!(s.truth(&id)["account"], owner.as_str());
}

#[tokio::test]
async fn a_device_enrolled_under_the_requirement_is_prompted_right_after_enrollment() {
    let s = scene(frozen()).await;
    s.create_policy("enroll", require(None)).await;
    let (id, _) = s.take_device("enroll", Behaviour::Adds, 4 * HOUR, false);
    s.env.sim.with_tenant(|t, now| {
        let d = t.amapi.devices.iter_mut().find(|d| d.id == id).unwrap();
        d.enrolled = now + 2 * 3_600;
    });
    assert_eq!(s.state(&id).await, None, "not enrolled yet");
    s.advance(2 * HOUR + MINUTE);
    assert_eq!(s.state(&id).await, Some(UpgradeState::AwaitingUser));
    assert_eq!(
        s.truth(&id)["managedGooglePlayAccount"],
        true,
        "enrolled with a Play account"
    );
    s.advance(4 * HOUR);
    assert_eq!(s.state(&id).await, Some(UpgradeState::Upgraded));
}

#[tokio::test]
async fn with_a_required_account_a_wrong_sign_in_is_refused_on_screen_and_not_reported() {
    let s = scene(frozen()).await;
    s.create_policy("wrong", json!({})).await;
    let (id, owner) = s.take_device("wrong", Behaviour::ForeignFirst, 5 * HOUR, false);
    s.create_policy("wrong", require(Some(&owner))).await;
    s.advance(5 * HOUR + 11 * MINUTE);
    assert_eq!(s.truth(&id)["phase"], "sign_in_refused");
    let v = s.view().await;
    let d = v.devices.iter().find(|d| d.id() == id).unwrap();
    assert_eq!(d.non_compliance_details.len(), 1);
    assert_eq!(
        d.non_compliance_details[0].specific_non_compliance_reason,
        None
    );
    s.advance(5 * HOUR);
    assert_eq!(s.state(&id).await, Some(UpgradeState::Upgraded));
}

#[tokio::test]
async fn without_a_required_account_a_foreign_one_is_removed_and_reported() {
    let s = scene(frozen()).await;
    s.create_policy("foreign", require(None)).await;
    let (id, owner) = s.take_device("foreign", Behaviour::ForeignFirst, 5 * HOUR, false);
    s.advance(5 * HOUR + 11 * MINUTE);
    assert_eq!(
        s.state(&id).await,
        Some(UpgradeState::NewAccountNotInEnterprise)
    );
    s.advance(5 * HOUR);
    assert_eq!(s.state(&id).await, Some(UpgradeState::Upgraded));
    assert_eq!(s.truth(&id)["account"], owner.as_str());
    // The old simulator reported NEW_ACCOUNT_NOT_IN_ENTERPRISE whatever the policy said: a
    // device whose policy asks for no Google account reports nothing about accounts.
    let v = s.view().await;
    let default = format!("{}/policies/default", s.env.sim.credentials.enterprise);
    for d in v
        .devices
        .iter()
        .filter(|d| d.policy_name.as_deref() == Some(default.as_str()))
    {
        assert!(d.non_compliance_details.is_empty(), "{d:?}");
    }
}

#[tokio::test]
async fn a_required_account_outside_the_enterprise_stays_non_compliant_until_the_admin_fixes_it() {
    let s = scene(frozen()).await;
    let staff = |v: &offsync::android::AndroidView, st: UpgradeState| {
        let name = format!("{}/policies/staff", s.env.sim.credentials.enterprise);
        v.devices
            .iter()
            .filter(|d| d.policy_name.as_deref() == Some(name.as_str()))
            .filter(|d| {
                let p = v.policies.iter().find(|p| p.name == name);
                offsync::migration::android::classify(d, p) == st
            })
            .count()
    };
    let v = s.view().await;
    let stuck = staff(&v, UpgradeState::RequiredAccountNotInEnterprise);
    assert!(stuck > 0);
    s.advance(3 * DAY);
    // Nothing the user can do (and devices enrolling meanwhile join them).
    let v = s.view().await;
    assert!(staff(&v, UpgradeState::RequiredAccountNotInEnterprise) >= stuck);
    assert_eq!(staff(&v, UpgradeState::Upgraded), 0);
    // offsync refuses to repeat the mistake, then clears the email.
    let policy = s.am.policy("staff").await.unwrap();
    let clients = s.env.clients();
    let bad = AccountEdit {
        required_account_email: Some(Some("it.helpdesk@gmail.com".into())),
        ..AccountEdit::default()
    };
    let facts = offsync::android::facts(
        &clients.directory,
        &s.am,
        "staff",
        Some("it.helpdesk@gmail.com"),
    )
    .await
    .unwrap();
    assert!(offsync::migration::android::plan(&policy, &bad, &facts).is_err());
    let fix = AccountEdit {
        required_account_email: Some(None),
        ..AccountEdit::default()
    };
    s.apply("staff", &fix).await;
    s.advance(11 * MINUTE);
    let v = s.view().await;
    assert_eq!(staff(&v, UpgradeState::RequiredAccountNotInEnterprise), 0);
    s.advance(11 * DAY);
    let v = s.view().await;
    assert!(staff(&v, UpgradeState::Upgraded) > 0);
    assert_eq!(staff(&v, UpgradeState::RequiredAccountNotInEnterprise), 0);
}

#[tokio::test]
async fn enforcement_blocks_then_wipes_after_the_configured_days() {
    let s = scene(frozen()).await;
    s.create_policy("enf", require(None)).await;
    let edit = AccountEdit {
        enforcement: Some(Some(Enforcement {
            block_after_days: 2,
            block_scope: None,
            wipe_after_days: 5,
            preserve_frp: true,
        })),
        ..AccountEdit::default()
    };
    s.apply("enf", &edit).await;
    let (id, _) = s.take_device("enf", Behaviour::Ignores, DAY, false);
    s.advance(11 * MINUTE);
    let row = |st: &offsync::migration::android::Status| {
        st.groups
            .iter()
            .flat_map(|g| &g.devices)
            .find(|d| d.name.ends_with(&id))
            .cloned()
    };
    let first = row(&status(&s).await).unwrap();
    assert_eq!(first.state, UpgradeState::AwaitingUser);
    assert_eq!(
        (first.block, first.wipe),
        (Some(Estimate::InAtMost(2)), Some(Estimate::InAtMost(5)))
    );
    s.advance(DAY);
    assert!(s.truth(&id)["blockedAt"].is_null());
    s.advance(DAY);
    assert!(
        s.truth(&id)["blockedAt"].is_string(),
        "blocked after 2 days"
    );
    let r = row(&status(&s).await).unwrap();
    assert_eq!(r.non_compliant_at_least_days, Some(2));
    assert_eq!(
        (r.block, r.wipe),
        (Some(Estimate::Due), Some(Estimate::InAtMost(3)))
    );
    s.advance(3 * DAY);
    assert!(s.truth(&id)["wipedAt"].is_string(), "wiped after 5 days");
    assert_eq!(
        s.state(&id).await,
        None,
        "a wiped device leaves the enterprise"
    );
}

async fn status(s: &Scene) -> offsync::migration::android::Status {
    let v = s.view().await;
    s.status(&v)
}

#[tokio::test]
async fn policies_list_pages_through_every_policy() {
    let s = scene(frozen()).await;
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let p = s.am.policies_page(2, token.as_deref()).await.unwrap();
        assert!(p.items.len() <= 2);
        names.extend(p.items.into_iter().map(|p| p.name));
        match p.next_page_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    let truth = s.env.sim.tenant_snapshot()["androidManagement"]["policies"]
        .as_object()
        .unwrap()
        .len();
    assert_eq!(names.len(), truth);
    let mut sorted = names.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), names.len(), "no policy twice");
}

#[tokio::test]
async fn a_play_accounts_enterprise_must_be_upgraded_first() {
    let mut cfg = frozen();
    cfg.amapi.enterprise_type = EnterpriseType::ManagedGooglePlayAccounts;
    let s = scene(cfg).await;
    let v = s.view().await;
    assert!(!v.enterprise.is_managed_google_domain());
    // No account is in a Play accounts enterprise: the user's own is removed, and stays out.
    s.create_policy("req", require(None)).await;
    let (id, owner) = s.take_device("req", Behaviour::Adds, HOUR, false);
    s.advance(HOUR + 11 * MINUTE);
    assert_eq!(
        s.state(&id).await,
        Some(UpgradeState::NewAccountNotInEnterprise)
    );
    s.advance(5 * DAY);
    assert_eq!(
        s.state(&id).await,
        Some(UpgradeState::NewAccountNotInEnterprise)
    );
    let clients = s.env.clients();
    let facts = offsync::android::facts(&clients.directory, &s.am, "default", None)
        .await
        .unwrap();
    let edit = AccountEdit {
        require_google_account: Some(true),
        ..AccountEdit::default()
    };
    let policy = s.am.policy("default").await.unwrap();
    let errs = offsync::migration::android::plan(&policy, &edit, &facts).unwrap_err();
    assert!(errs[0].to_string().contains("upgrade-url"));
    let url =
        s.am.generate_enterprise_upgrade_url(Some(&s.env.sim.credentials.admin_email), &[])
            .await
            .unwrap();
    let resp = reqwest::get(&url).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(s.view().await.enterprise.is_managed_google_domain());
    // Bound to the domain, the device is prompted again and the user's account is accepted.
    s.advance(11 * MINUTE);
    assert_eq!(s.state(&id).await, Some(UpgradeState::AwaitingUser));
    s.advance(HOUR);
    assert_eq!(s.state(&id).await, Some(UpgradeState::Upgraded));
    assert_eq!(s.truth(&id)["account"], owner.as_str());
    // Once bound to the domain there is nothing to upgrade.
    let again =
        s.am.generate_enterprise_upgrade_url(None, &[])
            .await
            .unwrap_err();
    assert_eq!(again.status(), Some(400));
}

#[tokio::test]
async fn the_pending_reading_of_the_wait_is_read_as_waiting_too() {
    let mut cfg = frozen();
    cfg.amapi.awaiting = AwaitingReading::Pending;
    let s = scene(cfg).await;
    s.create_policy("pend", require(None)).await;
    let (id, _) = s.take_device("pend", Behaviour::Adds, DAY, false);
    s.advance(11 * MINUTE);
    let v = s.view().await;
    let d = v.devices.iter().find(|d| d.id() == id).unwrap();
    assert_eq!(
        d.non_compliance_details[0].non_compliance_reason.as_deref(),
        Some("PENDING")
    );
    assert_eq!(s.state(&id).await, Some(UpgradeState::AwaitingUser));
}

#[tokio::test]
async fn a_separate_service_account_key_calls_without_sub() {
    let mut s = scene(frozen()).await;
    s.env.profile.android_key_file = Some(s.env.profile.key_file.clone());
    let am = s.env.clients().amapi.unwrap();
    assert!(matches!(
        am.credential(),
        offsync::google::amapi::Credential::ServiceAccount { .. }
    ));
    assert!(am.credential().to_string().contains("no sub"));
    s.am = am;
    assert!(!s.view().await.devices.is_empty());
    let mut p = s.env.profile.clone();
    p.android_key_file = None;
    let am = offsync::google::Clients::new(&p, None)
        .unwrap()
        .0
        .amapi
        .unwrap();
    assert!(am.credential().to_string().contains("sub = "));
}
