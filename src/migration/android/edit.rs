//! An edit of one policy's account-upgrade fields, validated before anything is sent and
//! turned into the exact masked patch plus a dry-run diff.
//!
//! Google's rules (seeds 002–004, androidmanagement.v1.json): `requiredAccountEmail` must be a
//! lower-case enterprise account and is effectively set once (after a Google account is on the
//! device, changing it has no effect); an enforcement rule needs both actions with
//! `blockAfterDays < wipeAfterDays`. `policyEnforcementRules` is one field: a masked patch
//! replaces the whole list, so every rule for another `settingName` is copied through as it is.

use serde::Serialize;

use crate::model::android::{
    AndroidPolicy, BlockAction, PolicyEnforcementRule, PolicyPatch, WipeAction,
    WorkAccountSetupConfig, GOOGLE_AUTHENTICATED, POLICY_ENFORCEMENT_RULES,
    WORK_ACCOUNT_SETUP_CONFIG,
};

/// What the admin asked for; `None` = leave as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountEdit {
    /// `true` = `GOOGLE_AUTHENTICATED`, `false` = `AUTHENTICATION_TYPE_NOT_ENFORCED`.
    pub require_google_account: Option<bool>,
    /// `Some(None)` clears it.
    pub required_account_email: Option<Option<String>>,
    /// `Some(None)` removes the `workAccountSetupConfig` rule.
    pub enforcement: Option<Option<Enforcement>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enforcement {
    pub block_after_days: i32,
    /// `BLOCK_SCOPE_WORK_PROFILE` or `BLOCK_SCOPE_DEVICE`; `None` = Google's default (work profile).
    pub block_scope: Option<String>,
    pub wipe_after_days: i32,
    pub preserve_frp: bool,
}

/// What offsync looked up in the Directory before planning.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectoryFacts {
    /// `domains.list` entries with `verified: true`.
    pub verified_domains: Vec<String>,
    /// Whether the requested `requiredAccountEmail` is an existing (not suspended) user;
    /// `None` = not looked up (planning refuses then).
    pub required_account_exists: Option<bool>,
    /// `Enterprise.enterpriseType`; `None` = unknown.
    pub managed_google_domain: Option<bool>,
    /// Devices currently on this policy.
    pub devices_on_policy: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("nothing to change: policy {0} already has these values")]
    NoChange(String),
    #[error("requiredAccountEmail `{0}` is not all lower case; use `{1}`")]
    NotLowerCase(String, String),
    #[error("requiredAccountEmail `{0}` is not an email address")]
    NotEmail(String),
    #[error("requiredAccountEmail `{email}` is in {domain}, which is not a verified domain of this tenant (verified: {verified}); devices would stay non-compliant with REQUIRED_ACCOUNT_NOT_IN_ENTERPRISE. Use an account in a verified domain")]
    NotInEnterprise {
        email: String,
        domain: String,
        verified: String,
    },
    #[error("requiredAccountEmail `{0}` is not an existing, active user of this tenant; create the user first or name another account")]
    NoSuchAccount(String),
    #[error("could not check that `{0}` exists in the Directory; refusing to plan without it")]
    NotChecked(String),
    #[error("requiredAccountEmail only applies with authenticationType GOOGLE_AUTHENTICATED; add --require-google-account")]
    EmailWithoutRequirement,
    #[error("wipeAfterDays ({wipe}) must be greater than blockAfterDays ({block})")]
    WipeNotAfterBlock { block: i32, wipe: i32 },
    #[error("{0} must be 0 or more days")]
    NegativeDays(&'static str),
    #[error("block scope `{0}` is not BLOCK_SCOPE_WORK_PROFILE or BLOCK_SCOPE_DEVICE")]
    BadScope(String),
    #[error("the enterprise is a managed Google Play accounts enterprise: accounts cannot be upgraded until it is bound to a managed Google domain. Run `offsync android upgrade-url` and follow the link first")]
    PlayAccountsEnterprise,
}

/// One changed field, before and after, as JSON text (the dry-run diff).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// A validated change: the preview, the confirmation and the request all come from this value.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyPlan {
    /// Full resource name, `enterprises/E/policies/P`.
    pub policy: String,
    pub patch: PolicyPatch,
    pub diff: Vec<DiffLine>,
    pub warnings: Vec<String>,
    /// A wipe rule is added or changed: the admin must type this text to confirm.
    pub typed_confirmation: Option<String>,
}

fn check_email(email: &str, facts: &DirectoryFacts, errs: &mut Vec<EditError>) {
    let lower = email.to_lowercase();
    if email != lower {
        errs.push(EditError::NotLowerCase(email.into(), lower));
    }
    let parts = email.rsplit_once('@');
    let Some((_, domain)) = parts.filter(|(l, d)| !l.is_empty() && d.contains('.')) else {
        errs.push(EditError::NotEmail(email.into()));
        return;
    };
    if !facts
        .verified_domains
        .iter()
        .any(|d| d.eq_ignore_ascii_case(domain))
    {
        let verified = if facts.verified_domains.is_empty() {
            "none".to_string()
        } else {
            facts.verified_domains.join(", ")
        };
        errs.push(EditError::NotInEnterprise {
            email: email.into(),
            domain: domain.into(),
            verified,
        });
        return;
    }
    match facts.required_account_exists {
        Some(true) => {}
        Some(false) => errs.push(EditError::NoSuchAccount(email.into())),
        None => errs.push(EditError::NotChecked(email.into())),
    }
}

fn rule_of(e: &Enforcement) -> PolicyEnforcementRule {
    PolicyEnforcementRule {
        setting_name: Some(WORK_ACCOUNT_SETUP_CONFIG.into()),
        block_action: Some(BlockAction {
            block_after_days: Some(e.block_after_days),
            block_scope: e.block_scope.clone(),
        }),
        wipe_action: Some(WipeAction {
            wipe_after_days: Some(e.wipe_after_days),
            preserve_frp: Some(e.preserve_frp),
        }),
    }
}

fn check_enforcement(e: &Enforcement, errs: &mut Vec<EditError>) {
    if e.block_after_days < 0 {
        errs.push(EditError::NegativeDays("blockAfterDays"));
    }
    if e.wipe_after_days < 0 {
        errs.push(EditError::NegativeDays("wipeAfterDays"));
    }
    if e.wipe_after_days <= e.block_after_days {
        errs.push(EditError::WipeNotAfterBlock {
            block: e.block_after_days,
            wipe: e.wipe_after_days,
        });
    }
    if let Some(s) = &e.block_scope {
        if !["BLOCK_SCOPE_WORK_PROFILE", "BLOCK_SCOPE_DEVICE"].contains(&s.as_str()) {
            errs.push(EditError::BadScope(s.clone()));
        }
    }
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("serialisable")
}

/// Validates `edit` against `policy` and the Directory, and builds the masked patch.
pub fn plan(
    policy: &AndroidPolicy,
    edit: &AccountEdit,
    facts: &DirectoryFacts,
) -> Result<PolicyPlan, Vec<EditError>> {
    let mut errs = Vec::new();
    let mut warnings = Vec::new();
    let before_cfg = policy.work_account_setup_config.clone().unwrap_or_default();
    let mut cfg = before_cfg.clone();
    if let Some(req) = edit.require_google_account {
        cfg.authentication_type = Some(if req {
            GOOGLE_AUTHENTICATED.into()
        } else {
            "AUTHENTICATION_TYPE_NOT_ENFORCED".into()
        });
        if !req {
            cfg.required_account_email = None;
        }
    }
    if let Some(email) = &edit.required_account_email {
        cfg.required_account_email = email.clone();
    }
    if cfg.required_account_email.is_some() && !cfg.requires_google_account() {
        errs.push(EditError::EmailWithoutRequirement);
    }
    let email_changed = cfg.required_account_email != before_cfg.required_account_email;
    if let (true, Some(email)) = (email_changed, &cfg.required_account_email) {
        check_email(email, facts, &mut errs);
        warnings.push(format!(
            "requiredAccountEmail is effectively set once: after a Google account is on a device, \
             changing it has no effect there. Check `{email}` before applying."
        ));
        if facts.devices_on_policy > 1 {
            warnings.push(format!(
                "{} devices use this policy, but requiredAccountEmail names one account: every \
                 other user is refused on the sign-in screen. Usually each user has their own policy.",
                facts.devices_on_policy
            ));
        }
    }
    if cfg.requires_google_account() && facts.managed_google_domain == Some(false) {
        errs.push(EditError::PlayAccountsEnterprise);
    }
    // The rules: replace (or drop) only the workAccountSetupConfig entry, keep the others.
    let mut rules = policy.policy_enforcement_rules.clone();
    let mut confirm = None;
    if let Some(enf) = &edit.enforcement {
        let at = rules
            .iter()
            .position(|r| r.setting_name.as_deref() == Some(WORK_ACCOUNT_SETUP_CONFIG));
        match (enf, at) {
            (Some(e), Some(i)) => {
                check_enforcement(e, &mut errs);
                rules[i] = rule_of(e);
            }
            (Some(e), None) => {
                check_enforcement(e, &mut errs);
                rules.push(rule_of(e));
            }
            (None, Some(i)) => {
                rules.remove(i);
            }
            (None, None) => {}
        }
        let old_wipe = policy.account_rule().and_then(|r| r.wipe_action.clone());
        if let Some(e) = enf {
            let new_wipe = rule_of(e).wipe_action;
            if new_wipe != old_wipe {
                confirm = Some(format!("wipe {}", policy.id()));
                warnings.push(format!(
                    "devices still non-compliant after {} days will be {}",
                    e.wipe_after_days,
                    "wiped (work profile deleted, or company-owned devices reset)"
                ));
            }
        }
    }
    let mut patch = PolicyPatch::new();
    let mut diff = Vec::new();
    if cfg != before_cfg {
        diff.push(DiffLine {
            field: WORK_ACCOUNT_SETUP_CONFIG.into(),
            before: describe_cfg(policy.work_account_setup_config.as_ref()),
            after: json(&cfg),
        });
        patch = patch.work_account_setup_config(&cfg);
    }
    if rules != policy.policy_enforcement_rules {
        diff.push(DiffLine {
            field: POLICY_ENFORCEMENT_RULES.into(),
            before: json(&policy.policy_enforcement_rules),
            after: json(&rules),
        });
        patch = patch.policy_enforcement_rules(&rules);
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    if patch.is_empty() {
        return Err(vec![EditError::NoChange(policy.name.clone())]);
    }
    Ok(PolicyPlan {
        policy: policy.name.clone(),
        patch,
        diff,
        warnings,
        typed_confirmation: confirm,
    })
}

fn describe_cfg(c: Option<&WorkAccountSetupConfig>) -> String {
    c.map_or_else(|| "(not set)".to_string(), json)
}
