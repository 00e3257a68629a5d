//! Pre-validation, the masked patch and the status grouping, with no network.
use std::collections::HashMap;

use chrono::{Duration, TimeZone, Utc};
use serde_json::json;

use super::*;
use crate::model::android::{AndroidDevice, AndroidPolicy, NonComplianceDetail};

fn policy(v: serde_json::Value) -> AndroidPolicy {
    serde_json::from_value(v).unwrap()
}

/// A policy with two rules: one for `applications`, one for the account.
fn pilot() -> AndroidPolicy {
    policy(json!({
        "name": "enterprises/E/policies/pilot", "version": "4",
        "applications": [{"packageName": "com.google.android.gm"}],
        "workAccountSetupConfig": {"authenticationType": "GOOGLE_AUTHENTICATED"},
        "policyEnforcementRules": [
            {"settingName": "applications", "blockAction": {"blockAfterDays": 7}, "wipeAction": {"wipeAfterDays": 60}},
            {"settingName": "workAccountSetupConfig", "blockAction": {"blockAfterDays": 3}, "wipeAction": {"wipeAfterDays": 30, "preserveFrp": true}},
            {"settingName": "passwordPolicies", "blockAction": {"blockAfterDays": 1}, "wipeAction": {"wipeAfterDays": 9}}
        ]
    }))
}

fn facts(exists: Option<bool>) -> DirectoryFacts {
    DirectoryFacts {
        verified_domains: vec!["example.org".into(), "example-research.org".into()],
        required_account_exists: exists,
        managed_google_domain: Some(true),
        devices_on_policy: 1,
    }
}

fn email(e: &str) -> AccountEdit {
    AccountEdit {
        required_account_email: Some(Some(e.into())),
        ..AccountEdit::default()
    }
}

fn enforce(block: i32, wipe: i32) -> AccountEdit {
    AccountEdit {
        enforcement: Some(Some(Enforcement {
            block_after_days: block,
            block_scope: None,
            wipe_after_days: wipe,
            preserve_frp: true,
        })),
        ..AccountEdit::default()
    }
}

#[test]
fn required_email_must_be_lower_case_in_a_verified_domain_and_exist() {
    let p = pilot();
    let errs = plan(&p, &email("Ann@example.org"), &facts(Some(true))).unwrap_err();
    assert!(matches!(&errs[0], EditError::NotLowerCase(_, fix) if fix == "ann@example.org"));
    let errs = plan(&p, &email("ann@gmail.com"), &facts(Some(true))).unwrap_err();
    assert!(matches!(&errs[0], EditError::NotInEnterprise { domain, .. } if domain == "gmail.com"));
    assert!(errs[0]
        .to_string()
        .contains("example.org, example-research.org"));
    // Any verified domain counts, not only the primary one.
    assert!(plan(&p, &email("ann@example-research.org"), &facts(Some(true))).is_ok());
    let errs = plan(&p, &email("ghost@example.org"), &facts(Some(false))).unwrap_err();
    assert_eq!(
        errs,
        vec![EditError::NoSuchAccount("ghost@example.org".into())]
    );
    let errs = plan(&p, &email("ann@example.org"), &facts(None)).unwrap_err();
    assert_eq!(errs, vec![EditError::NotChecked("ann@example.org".into())]);
    let errs = plan(&p, &email("not-an-email"), &facts(Some(true))).unwrap_err();
    assert_eq!(errs, vec![EditError::NotEmail("not-an-email".into())]);
}

#[test]
fn setting_the_email_warns_it_is_set_once_and_masks_only_that_field() {
    let mut f = facts(Some(true));
    f.devices_on_policy = 12;
    let plan = plan(&pilot(), &email("ann@example.org"), &f).unwrap();
    assert_eq!(plan.patch.update_mask(), "workAccountSetupConfig");
    assert_eq!(
        plan.patch.body(),
        json!({"workAccountSetupConfig": {"authenticationType": "GOOGLE_AUTHENTICATED", "requiredAccountEmail": "ann@example.org"}})
    );
    assert!(plan
        .warnings
        .iter()
        .any(|w| w.contains("effectively set once")));
    assert!(plan.warnings.iter().any(|w| w.contains("12 devices")));
    assert_eq!(plan.typed_confirmation, None);
}

#[test]
fn the_rule_edit_keeps_every_other_rule_untouched_and_in_place() {
    let p = pilot();
    let plan = plan(&p, &enforce(5, 40), &facts(None)).unwrap();
    assert_eq!(plan.patch.update_mask(), "policyEnforcementRules");
    let sent = plan.patch.body()["policyEnforcementRules"].clone();
    assert_eq!(sent.as_array().unwrap().len(), 3);
    assert_eq!(
        sent[0],
        serde_json::to_value(&p.policy_enforcement_rules[0]).unwrap()
    );
    assert_eq!(
        sent[2],
        serde_json::to_value(&p.policy_enforcement_rules[2]).unwrap()
    );
    assert_eq!(sent[1]["blockAction"]["blockAfterDays"], 5);
    assert_eq!(sent[1]["wipeAction"]["wipeAfterDays"], 40);
    // A changed wipe asks for typed confirmation naming the policy.
    assert_eq!(plan.typed_confirmation.as_deref(), Some("wipe pilot"));
    // Removing the account rule keeps the two others.
    let rm = AccountEdit {
        enforcement: Some(None),
        ..AccountEdit::default()
    };
    let plan = super::plan(&p, &rm, &facts(None)).unwrap();
    let sent = plan.patch.body()["policyEnforcementRules"].clone();
    let names: Vec<_> = sent
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["settingName"].clone())
        .collect();
    assert_eq!(
        names,
        vec![json!("applications"), json!("passwordPolicies")]
    );
    assert_eq!(plan.typed_confirmation, None);
}

#[test]
fn wipe_must_come_after_block_and_an_unchanged_edit_is_refused() {
    let p = pilot();
    let errs = plan(&p, &enforce(10, 10), &facts(None)).unwrap_err();
    assert_eq!(
        errs,
        vec![EditError::WipeNotAfterBlock {
            block: 10,
            wipe: 10
        }]
    );
    let errs = plan(&p, &enforce(-1, 10), &facts(None)).unwrap_err();
    assert!(errs.contains(&EditError::NegativeDays("blockAfterDays")));
    // Same values as the policy already has: nothing to send.
    let errs = plan(&p, &enforce(3, 30), &facts(None)).unwrap_err();
    assert_eq!(errs, vec![EditError::NoChange(p.name.clone())]);
    // Adding a rule to a policy without one.
    let bare = policy(json!({"name": "enterprises/E/policies/bare", "version": "1"}));
    let plan = super::plan(&bare, &enforce(0, 1), &facts(None)).unwrap();
    assert_eq!(
        plan.patch.body()["policyEnforcementRules"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(plan.typed_confirmation.as_deref(), Some("wipe bare"));
}

#[test]
fn a_play_accounts_enterprise_cannot_require_a_google_account() {
    let bare = policy(json!({"name": "enterprises/E/policies/bare", "version": "1"}));
    let mut f = facts(None);
    f.managed_google_domain = Some(false);
    let edit = AccountEdit {
        require_google_account: Some(true),
        ..AccountEdit::default()
    };
    assert_eq!(
        plan(&bare, &edit, &f).unwrap_err(),
        vec![EditError::PlayAccountsEnterprise]
    );
    f.managed_google_domain = Some(true);
    let ok = plan(&bare, &edit, &f).unwrap();
    assert_eq!(ok.patch.update_mask(), "workAccountSetupConfig");
    // An email without the requirement is meaningless.
    let errs = plan(&bare, &email("ann@example.org"), &facts(Some(true))).unwrap_err();
    assert!(errs.contains(&EditError::EmailWithoutRequirement));
}

fn device(name: &str, version: &str, detail: Option<(&str, Option<&str>)>) -> AndroidDevice {
    AndroidDevice {
        name: format!("enterprises/E/devices/{name}"),
        policy_name: Some("enterprises/E/policies/pilot".into()),
        applied_policy_version: Some(version.into()),
        policy_compliant: Some(detail.is_none()),
        non_compliance_details: detail
            .map(|(r, s)| {
                vec![NonComplianceDetail {
                    setting_name: Some("workAccountSetupConfig".into()),
                    non_compliance_reason: Some(r.into()),
                    specific_non_compliance_reason: s.map(Into::into),
                    field_path: None,
                }]
            })
            .unwrap_or_default(),
        ..AndroidDevice::default()
    }
}

#[test]
fn devices_are_grouped_by_state_with_at_least_days_and_at_most_days_left() {
    let devices = vec![
        device("a", "4", None),
        device("b", "4", Some(("USER_ACTION", None))),
        device("c", "4", Some(("PENDING", None))),
        device(
            "d",
            "4",
            Some(("USER_ACTION", Some("NEW_ACCOUNT_NOT_IN_ENTERPRISE"))),
        ),
        device(
            "e",
            "4",
            Some(("USER_ACTION", Some("REQUIRED_ACCOUNT_NOT_IN_ENTERPRISE"))),
        ),
        device("f", "3", Some(("USER_ACTION", None))),
    ];
    let now = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap();
    let first_seen = HashMap::from([
        (
            "enterprises/E/devices/b".to_string(),
            now - Duration::days(2),
        ),
        (
            "enterprises/E/devices/c".to_string(),
            now - Duration::days(31),
        ),
    ]);
    let s = summarize(&devices, &[pilot()], &first_seen, now);
    assert_eq!(s.total, 6);
    let group = |st: UpgradeState| s.groups.iter().find(|g| g.state == st).unwrap();
    assert_eq!(
        s.groups[0].state,
        UpgradeState::RequiredAccountNotInEnterprise
    );
    assert_eq!(group(UpgradeState::Upgraded).devices.len(), 1);
    assert_eq!(
        group(UpgradeState::NewAccountNotInEnterprise).devices.len(),
        1
    );
    assert_eq!(group(UpgradeState::PolicyNotApplied).devices.len(), 1);
    let waiting = &group(UpgradeState::AwaitingUser).devices;
    assert_eq!(
        waiting.len(),
        2,
        "USER_ACTION and PENDING without a specific reason"
    );
    let b = &waiting[0];
    assert_eq!(b.non_compliant_at_least_days, Some(2));
    assert_eq!(b.block, Some(Estimate::InAtMost(1)));
    assert_eq!(b.wipe, Some(Estimate::InAtMost(28)));
    let c = &waiting[1];
    assert_eq!(
        (c.block, c.wipe),
        (Some(Estimate::Due), Some(Estimate::Due))
    );
    // Never seen before: no guess at all.
    let d = &group(UpgradeState::NewAccountNotInEnterprise).devices[0];
    assert_eq!((d.non_compliant_at_least_days, d.block), (None, None));
    for g in &s.groups {
        assert!(!g.explanation.is_empty() && !g.fix.is_empty());
    }
}

#[test]
fn a_policy_without_the_requirement_is_not_requested_and_unknown_policies_say_so() {
    let default = policy(json!({"name": "enterprises/E/policies/default", "version": "1"}));
    let mut d = device("x", "1", None);
    d.policy_name = Some(default.name.clone());
    assert_eq!(classify(&d, Some(&default)), UpgradeState::NotRequested);
    assert_eq!(classify(&d, None), UpgradeState::UnknownPolicy);
}
