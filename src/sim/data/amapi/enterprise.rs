//! The simulated Android Management enterprise: its type, policies (wire JSON) and enrolled
//! devices with the account-upgrade state each one is in. Generation runs the same lifecycle
//! the server runs later ([`super::lifecycle`]) from the policies' creation to the sim epoch, so
//! the starting picture (some devices upgraded, some prompted, some blocked) is the history of
//! the rules, not a painted-on state.

use std::collections::BTreeMap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use super::super::tenant::{mix, DeviceKind, Tenant};

/// `Enterprise.enterpriseType` values the simulator can start with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EnterpriseType {
    /// Bound to the customer's Workspace domain: accounts can be upgraded.
    #[default]
    ManagedGoogleDomain,
    /// Managed Google Play accounts only: `generateEnterpriseUpgradeUrl` must come first.
    ManagedGooglePlayAccounts,
}

impl EnterpriseType {
    pub fn wire(self) -> &'static str {
        match self {
            EnterpriseType::ManagedGoogleDomain => "MANAGED_GOOGLE_DOMAIN",
            EnterpriseType::ManagedGooglePlayAccounts => "MANAGED_GOOGLE_PLAY_ACCOUNTS_ENTERPRISE",
        }
    }
}

/// What a device reports while the user has been prompted but has not added the account yet.
/// Google documents reasons only for the two error cases, so both readings are offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AwaitingReading {
    /// `nonComplianceReason = USER_ACTION`, no specific reason.
    #[default]
    UserAction,
    /// `nonComplianceReason = PENDING`.
    Pending,
}

/// The Android Management part of [`crate::sim::SimConfig`].
#[derive(Debug, Clone, Default)]
pub struct AmapiSimConfig {
    pub enterprise_type: EnterpriseType,
    pub awaiting: AwaitingReading,
}

/// How the device's user reacts to the upgrade prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Adds the right account after `reaction` seconds.
    Adds,
    /// First tries a personal account, then the right one after another `reaction`.
    ForeignFirst,
    /// Never acts: the enforcement rules block, then wipe the device.
    Ignores,
}

/// Where a device stands in the upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Its applied policy asks for no Google-authenticated account.
    NotRequired,
    /// Prompted to add the account; `refused` once a sign-in was refused on the sign-in screen.
    Prompted { since: i64, refused: bool },
    /// A foreign account was added and removed; `retry` = the user will try again.
    ForeignRemoved { at: i64, retry: bool },
    /// `requiredAccountEmail` is outside the enterprise: nothing the user can do.
    Misconfigured,
    /// Managed by a managed Google account (the Play account is gone).
    Upgraded,
}

#[derive(Debug, Clone)]
pub struct AmDevice {
    pub id: String,
    pub user: u32,
    /// Short policy id.
    pub policy: String,
    pub model: &'static str,
    pub enrolled: i64,
    /// The managed Google account managing the device; `None` = the managed Google Play account.
    pub account: Option<u32>,
    /// Managed Google accounts already on the device (a silent upgrade or a picker).
    pub on_device: Vec<u32>,
    pub behaviour: Behaviour,
    /// Seconds from a prompt to the user's next attempt.
    pub reaction: i64,
    pub applied_version: i64,
    pub applied_at: i64,
    pub phase: Phase,
    /// Non-compliant with `workAccountSetupConfig` since (the API does not expose it).
    pub non_compliant_since: Option<i64>,
    /// Blocked by `blockAction` (a local lock the API has no field for).
    pub blocked_at: Option<i64>,
    /// Wiped by `wipeAction`: gone from the enterprise.
    pub wiped_at: Option<i64>,
}

impl AmDevice {
    pub fn visible(&self, now: i64) -> bool {
        self.enrolled <= now && self.wiped_at.is_none_or(|w| w > now)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Enterprise {
    pub name: String,
    pub enterprise_type: EnterpriseType,
    pub awaiting: AwaitingReading,
    /// Sorted by id.
    pub devices: Vec<AmDevice>,
    /// Short policy id → Policy JSON (wire shape).
    pub policies: BTreeMap<String, Value>,
    /// Short policy id → when its current version was written.
    pub policy_written: BTreeMap<String, i64>,
    /// Devices have been brought up to this instant.
    pub advanced_to: i64,
    /// Upgrade URLs handed out and not yet used (`_sim/enterprise-upgrade?token=`).
    pub upgrade_tokens: Vec<String>,
}

const DAY: i64 = 86_400;

fn base_policy(enterprise: &str, id: &str) -> Value {
    json!({"name": format!("{enterprise}/policies/{id}"), "version": "1",
        "applications": [{"packageName": "com.google.android.gm", "installType": "FORCE_INSTALLED"}]})
}

impl Enterprise {
    pub fn generate(rng: &mut ChaCha8Rng, t: &Tenant, cfg: &AmapiSimConfig) -> Enterprise {
        let name = format!("enterprises/LC0{:08x}", rng.random::<u32>());
        let mut policies = BTreeMap::new();
        let mut written = BTreeMap::new();
        let epoch = t.epoch;
        policies.insert("default".to_string(), base_policy(&name, "default"));
        written.insert("default".to_string(), epoch - 400 * DAY);
        // Any account of the enterprise, with block after 3 days and wipe after 30.
        let mut pilot = base_policy(&name, "pilot");
        pilot["workAccountSetupConfig"] = json!({"authenticationType": "GOOGLE_AUTHENTICATED"});
        pilot["policyEnforcementRules"] = json!([
            {"settingName": "applications",
             "blockAction": {"blockAfterDays": 7, "blockScope": "BLOCK_SCOPE_WORK_PROFILE"},
             "wipeAction": {"wipeAfterDays": 60, "preserveFrp": true}},
            {"settingName": "workAccountSetupConfig",
             "blockAction": {"blockAfterDays": 3, "blockScope": "BLOCK_SCOPE_DEVICE"},
             "wipeAction": {"wipeAfterDays": 30, "preserveFrp": true}}]);
        policies.insert("pilot".to_string(), pilot);
        written.insert("pilot".to_string(), epoch - 6 * DAY);
        // Misconfigured: the required account is outside the enterprise's domains.
        let mut staff = base_policy(&name, "staff");
        staff["workAccountSetupConfig"] = json!({"authenticationType": "GOOGLE_AUTHENTICATED",
            "requiredAccountEmail": "it.helpdesk@gmail.com"});
        policies.insert("staff".to_string(), staff);
        written.insert("staff".to_string(), epoch - 2 * DAY);
        let (pilot_ou, staff_ou, sales_ou) = (
            t.ou_by_path("/Pilot"),
            t.ou_by_path("/Staff"),
            t.ou_by_path("/Sales"),
        );
        let mut devices = Vec::new();
        for d in t.devices.iter().filter(|d| d.kind == DeviceKind::Android) {
            let Some(&user) = d.owners.first() else {
                continue;
            };
            let ou = t.users[user as usize].ou;
            let within = |o: Option<usize>| o.is_some_and(|o| t.ou_within(ou, o));
            let policy = if within(pilot_ou) {
                "pilot".to_string()
            } else if within(staff_ou) {
                "staff".to_string()
            } else if within(sales_ou) {
                // One policy per user naming their account: the "specific account" scenario.
                let id = format!("user-{}", t.users[user as usize].id_string());
                policies.entry(id.clone()).or_insert_with(|| {
                    let mut p = base_policy(&name, &id);
                    p["workAccountSetupConfig"] = json!({"authenticationType": "GOOGLE_AUTHENTICATED",
                        "requiredAccountEmail": t.users[user as usize].email});
                    p
                });
                written.insert(id.clone(), epoch - 4 * DAY);
                id
            } else {
                "default".to_string()
            };
            let roll = rng.random_range(0..100u32);
            let behaviour = match roll {
                0..60 => Behaviour::Adds,
                60..80 => Behaviour::ForeignFirst,
                _ => Behaviour::Ignores,
            };
            let on_device = if rng.random_bool(0.2) {
                vec![user]
            } else {
                vec![]
            };
            // From an hour to ten days: some users are blocked before they act.
            let reaction = 3_600 + (mix(d.id ^ 0x5eed) % (10 * DAY as u64)) as i64;
            // A few devices enroll while the simulator runs ("right after enrollment").
            let enrolled = if rng.random_bool(0.05) {
                epoch + 3_600 * rng.random_range(1..72i64)
            } else {
                d.first_sync.unwrap_or(epoch - DAY).min(epoch - 60)
            };
            devices.push(AmDevice {
                id: format!("3{:015x}", mix(d.id ^ 0xa3a3) >> 4),
                user,
                policy,
                model: d.profile().model,
                enrolled,
                account: None,
                on_device,
                behaviour,
                reaction,
                applied_version: 0,
                applied_at: enrolled,
                phase: Phase::NotRequired,
                non_compliant_since: None,
                blocked_at: None,
                wiped_at: None,
            });
        }
        devices.sort_by(|a, b| a.id.cmp(&b.id));
        let start = devices
            .iter()
            .map(|d| d.enrolled)
            .chain(written.values().copied())
            .min()
            .unwrap_or(epoch);
        let mut e = Enterprise {
            name,
            enterprise_type: cfg.enterprise_type,
            awaiting: cfg.awaiting,
            devices,
            policies,
            policy_written: written,
            advanced_to: start,
            upgrade_tokens: Vec::new(),
        };
        super::lifecycle::advance(&mut e, &t.domains, &|email| t.user_index(email), epoch);
        e
    }

    pub fn policy_version(&self, id: &str) -> i64 {
        self.policies
            .get(id)
            .and_then(|p| p["version"].as_str()?.parse().ok())
            .unwrap_or(0)
    }
}
