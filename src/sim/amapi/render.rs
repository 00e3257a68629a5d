//! Wire JSON for devices and the enterprise (shapes from androidmanagement.v1.json), and the
//! ground-truth dump tests compare against (with what the API does not show: blocks, wipes,
//! which account manages the device).

use serde_json::{json, Value};

use super::super::clock::rfc3339;
use super::super::tenant::{mix, Tenant};
use super::{AmDevice, AwaitingReading, Phase};

/// `nonComplianceDetails` for the device's upgrade phase.
fn non_compliance(t: &Tenant, d: &AmDevice) -> Vec<Value> {
    let detail = |reason: &str, specific: Option<&str>| {
        let mut v = json!({"settingName": "workAccountSetupConfig", "nonComplianceReason": reason});
        if let Some(s) = specific {
            v["specificNonComplianceReason"] = json!(s);
        }
        v
    };
    match d.phase {
        Phase::NotRequired | Phase::Upgraded => vec![],
        Phase::Prompted { .. } => vec![match t.amapi.awaiting {
            AwaitingReading::UserAction => detail("USER_ACTION", None),
            AwaitingReading::Pending => detail("PENDING", None),
        }],
        Phase::ForeignRemoved { .. } => {
            vec![detail("USER_ACTION", Some("NEW_ACCOUNT_NOT_IN_ENTERPRISE"))]
        }
        Phase::Misconfigured => vec![detail(
            "USER_ACTION",
            Some("REQUIRED_ACCOUNT_NOT_IN_ENTERPRISE"),
        )],
    }
}

pub fn render_device(t: &Tenant, d: &AmDevice, now: i64) -> Value {
    let e = &t.amapi.name;
    let policy_name = format!("{e}/policies/{}", d.policy);
    let nc = non_compliance(t, d);
    let u = &t.users[d.user as usize];
    // Devices report every few hours, and at once when something changed on them.
    let report = (now - (mix(d.enrolled as u64) % 14_400) as i64).max(d.applied_at.min(now));
    let mut v = json!({
        "name": format!("{e}/devices/{}", d.id),
        "userName": format!("{e}/users/{}", u.id_string()),
        "user": {"accountIdentifier": format!("u{}", u.id_string())},
        "managementMode": "PROFILE_OWNER",
        "state": "ACTIVE",
        "appliedState": "ACTIVE",
        "policyCompliant": nc.is_empty(),
        "enrollmentTime": rfc3339(d.enrolled),
        "lastStatusReportTime": rfc3339(report),
        "lastPolicySyncTime": rfc3339(d.applied_at.min(now)),
        "policyName": policy_name,
        "appliedPolicyName": policy_name,
        "appliedPolicyVersion": d.applied_version.to_string(),
        "apiLevel": 34,
        "ownership": "PERSONALLY_OWNED",
        "hardwareInfo": {"model": d.model, "serialNumber": format!("R5{}", &d.id[..9].to_uppercase())},
        "softwareInfo": {"androidVersion": "14", "securityPatchLevel": "2026-10-01"},
    });
    if !nc.is_empty() {
        v["nonComplianceDetails"] = json!(nc);
    }
    v
}

pub fn render_enterprise(t: &Tenant) -> Value {
    let mut v = json!({
        "name": t.amapi.name,
        "enterpriseDisplayName": t.primary_domain(),
        "enterpriseType": t.amapi.enterprise_type.wire(),
        "primaryColor": 1_668_818,
        "enabledNotificationTypes": ["STATUS_REPORT"],
    });
    match t.amapi.enterprise_type {
        super::EnterpriseType::ManagedGoogleDomain => {
            v["managedGoogleDomainType"] = json!("TYPE_DOMAIN")
        }
        super::EnterpriseType::ManagedGooglePlayAccounts => {
            v["managedGooglePlayAccountsEnterpriseType"] = json!("CUSTOMER_MANAGED")
        }
    }
    v
}

fn phase_name(p: Phase) -> &'static str {
    match p {
        Phase::NotRequired => "not_required",
        Phase::Prompted { refused: false, .. } => "prompted",
        Phase::Prompted { refused: true, .. } => "sign_in_refused",
        Phase::ForeignRemoved { .. } => "foreign_account_removed",
        Phase::Misconfigured => "required_account_not_in_enterprise",
        Phase::Upgraded => "upgraded",
    }
}

pub fn dump(t: &Tenant) -> Value {
    let email = |u: u32| t.users[u as usize].email.clone();
    json!({
        "enterprise": t.amapi.name,
        "enterpriseType": t.amapi.enterprise_type.wire(),
        "policies": t.amapi.policies,
        "devices": t.amapi.devices.iter().map(|d| json!({
            "id": d.id, "user": email(d.user), "policy": d.policy,
            "enrolled": rfc3339(d.enrolled),
            "account": d.account.map(email),
            "managedGooglePlayAccount": d.account.is_none(),
            "phase": phase_name(d.phase),
            "appliedVersion": d.applied_version,
            "nonCompliantSince": d.non_compliant_since.map(rfc3339),
            "blockedAt": d.blocked_at.map(rfc3339),
            "wipedAt": d.wiped_at.map(rfc3339),
        })).collect::<Vec<_>>(),
    })
}
