//! Users left behind: every user who has a Google Sync device, sorted into the funnel
//! (still on Google Sync / switched to a native Google account / Gmail app only / not seen),
//! with the instructions that fit their phones and their OU's declarations.
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::step::{Management, MigrationPath, OuDeclaration};
use crate::model::{Device, DeviceStatus, DeviceType, OuPath, User};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Funnel {
    StillOnGoogleSync,
    Switched,
    GmailAppOnly,
    NotSeen,
}

impl Funnel {
    pub fn as_str(self) -> &'static str {
        match self {
            Funnel::StillOnGoogleSync => "still_on_google_sync",
            Funnel::Switched => "switched",
            Funnel::GmailAppOnly => "gmail_app_only",
            Funnel::NotSeen => "not_seen",
        }
    }

    /// Users offsync must still reach.
    pub fn is_left_behind(self) -> bool {
        matches!(self, Funnel::StillOnGoogleSync | Funnel::NotSeen)
    }
}

/// What a device says about its owner's migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceClass {
    GoogleSync,
    /// iOS with the work account added as Google (Apple's `dataaccessd`).
    NativeGoogle,
    /// The Gmail app (iOS Gmail, or an Android Google account whose mail is Gmail).
    GmailApp,
    Other,
}

/// EMM agents that pushed Exchange profiles and name themselves in the user agent.
const EMM_AGENTS: &[&str] = &[
    "MobileIron",
    "Ivanti",
    "EPMM",
    "AirWatch",
    "Boxer",
    "Workspace ONE",
    "Intune",
];

pub fn classify_device(d: &Device) -> DeviceClass {
    let ua = d.user_agent.as_deref().unwrap_or("");
    match d.device_type {
        DeviceType::GoogleSync => DeviceClass::GoogleSync,
        DeviceType::IosSync if ua.contains("Gmail") => DeviceClass::GmailApp,
        DeviceType::IosSync => DeviceClass::NativeGoogle,
        DeviceType::Android => DeviceClass::GmailApp,
        _ => DeviceClass::Other,
    }
}

/// The EMM named in the user agent, if any (a native profile pushed by an EMM shows Apple's
/// own agent: those are caught only by the admin's declaration).
pub fn emm_agent(d: &Device) -> Option<&'static str> {
    let ua = d.user_agent.as_deref()?;
    EMM_AGENTS.iter().copied().find(|a| ua.contains(a))
}

fn is_android(d: &Device) -> bool {
    d.os.as_deref().is_some_and(|o| o.starts_with("Android"))
        || d.user_agent
            .as_deref()
            .is_some_and(|u| u.contains("Android"))
}

/// A device can still sync: not blocked or wiped.
fn can_sync(d: &Device) -> bool {
    !matches!(
        d.status,
        DeviceStatus::Blocked
            | DeviceStatus::Wiped
            | DeviceStatus::Wiping
            | DeviceStatus::AccountWiped
            | DeviceStatus::AccountWiping
    )
}

/// The device can still sync and synced at or after `since`.
pub fn active(d: &Device, since: DateTime<Utc>) -> bool {
    can_sync(d) && d.last_sync.is_some_and(|t| t >= since)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceLine {
    pub resource_id: String,
    #[serde(rename = "type")]
    pub device_type: String,
    pub model: String,
    pub status: String,
    pub last_sync: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRow {
    pub email: String,
    pub ou: String,
    pub funnel: Funnel,
    pub devices: Vec<DeviceLine>,
    /// The newest Google Sync sync of any of the user's devices.
    pub last_google_sync: Option<DateTime<Utc>>,
    pub emm: Option<String>,
    pub instructions: String,
    pub acknowledged: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminded_at: Option<DateTime<Utc>>,
}

/// Everything the funnel needs besides devices and users.
#[derive(Debug, Clone, Default)]
pub struct FunnelInput<'a> {
    pub declarations: &'a [OuDeclaration],
    pub acknowledged: BTreeSet<String>,
    pub reminded: BTreeMap<String, DateTime<Utc>>,
    /// "Still on Google Sync" means synced within this many days.
    pub active_days: i64,
}

/// The declaration that governs `ou`: its own, or the nearest declared ancestor's.
pub fn declaration_for<'a>(decls: &'a [OuDeclaration], ou: &str) -> Option<&'a OuDeclaration> {
    OuPath::ancestors_and_self(ou)
        .iter()
        .rev()
        .find_map(|p| decls.iter().find(|d| &d.ou == p))
}

/// One row per user with at least one Google Sync device, sorted by email.
pub fn rows(
    users: &[User],
    devices: &[Device],
    input: &FunnelInput<'_>,
    now: DateTime<Utc>,
) -> Vec<UserRow> {
    let since = now - Duration::days(input.active_days.max(0));
    let mut by_owner: BTreeMap<String, Vec<&Device>> = BTreeMap::new();
    for d in devices {
        if let Some(o) = d.owner() {
            by_owner.entry(o.to_ascii_lowercase()).or_default().push(d);
        }
    }
    let mut out = Vec::new();
    for u in users {
        let email = u.primary_email.to_ascii_lowercase();
        let Some(devs) = by_owner.get(&email) else {
            continue;
        };
        let sync: Vec<&&Device> = devs
            .iter()
            .filter(|d| classify_device(d) == DeviceClass::GoogleSync)
            .collect();
        if sync.is_empty() {
            continue;
        }
        let live = |c: DeviceClass| {
            devs.iter()
                .any(|d| classify_device(d) == c && active(d, since))
        };
        // A Google Sync device that last synced before a replacement appeared is the phone
        // the user moved off, not one still in use.
        let replacements: Vec<&&Device> = devs
            .iter()
            .filter(|d| {
                matches!(
                    classify_device(d),
                    DeviceClass::NativeGoogle | DeviceClass::GmailApp
                ) && active(d, since)
            })
            .collect();
        let still = sync.iter().any(|g| {
            active(g, since)
                && !replacements
                    .iter()
                    .any(|r| r.first_sync.is_some_and(|f| Some(f) >= g.last_sync))
        });
        let funnel = if still {
            Funnel::StillOnGoogleSync
        } else if live(DeviceClass::NativeGoogle) {
            Funnel::Switched
        } else if live(DeviceClass::GmailApp) {
            Funnel::GmailAppOnly
        } else {
            Funnel::NotSeen
        };
        let decl = declaration_for(input.declarations, &u.org_unit_path);
        let emm = sync
            .iter()
            .find_map(|d| emm_agent(d).map(String::from))
            .or_else(|| {
                let declared = decl.is_some_and(|dc| {
                    dc.emm || sync.iter().any(|d| dc.emm_devices.contains(&d.resource_id))
                });
                declared.then(|| "EMM (declared)".to_string())
            });
        let android = sync.iter().any(|d| is_android(d));
        out.push(UserRow {
            email: u.primary_email.clone(),
            ou: u.org_unit_path.clone(),
            funnel,
            devices: devs
                .iter()
                .map(|d| DeviceLine {
                    resource_id: d.resource_id.clone(),
                    device_type: d.device_type.as_str().to_string(),
                    model: d.display_model().to_string(),
                    status: d.status.as_str().to_string(),
                    last_sync: d.last_sync,
                })
                .collect(),
            last_google_sync: sync.iter().filter_map(|d| d.last_sync).max(),
            instructions: instructions(decl, emm.as_deref(), android),
            emm,
            acknowledged: input.acknowledged.contains(&email),
            reminded_at: input.reminded.get(&email).copied(),
        });
    }
    out.sort_by(|a, b| a.email.cmp(&b.email));
    out
}

/// The instruction that fits the user's phones, from Google's guide and the EMM's.
pub fn instructions(decl: Option<&OuDeclaration>, emm: Option<&str>, android: bool) -> String {
    let mut parts = Vec::new();
    if let Some(e) = emm {
        parts.push(format!(
            "{e} pushed the Exchange profile: remove the Exchange configuration in the EMM and push a Google account configuration instead"
        ));
    }
    if android {
        parts.push(
            "Android: install the Gmail app, sign in with the work account, then remove the Exchange account"
                .to_string(),
        );
    }
    let path = decl.map(|d| d.path).unwrap_or_default();
    let mgmt = decl.map(|d| d.management).unwrap_or_default();
    if emm.is_none() {
        parts.push(match (path, mgmt) {
            (MigrationPath::GmailApp, _) => "iOS: install Gmail for iOS and sign in with the work account; keep Apple Calendar and Contacts on; Apple Mail will not sign in".to_string(),
            (_, Management::Advanced) => "iOS: open Google Device Policy and check the work account is set up, delete the Exchange account (Settings > Mail > Accounts > Exchange > Delete Account, or Passwords & Accounts > Exchange > Delete Account), then check Mail syncs".to_string(),
            (_, Management::Basic) => "iOS: remove the Exchange account (Settings > Mail > Accounts > Exchange > Delete Account) and add the work account again as Google".to_string(),
        });
    }
    parts.join(" / ")
}

/// Counts per funnel bucket.
pub fn counts(rows: &[UserRow]) -> BTreeMap<Funnel, usize> {
    let mut out = BTreeMap::new();
    for f in [
        Funnel::StillOnGoogleSync,
        Funnel::Switched,
        Funnel::GmailAppOnly,
        Funnel::NotSeen,
    ] {
        out.insert(f, 0);
    }
    for r in rows {
        *out.entry(r.funnel).or_default() += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn dev(id: &str, t: DeviceType, ua: &str, first: i64, last: i64) -> Device {
        let at =
            |h: i64| Some(Utc.with_ymd_and_hms(2026, 1, 10, 0, 0, 0).unwrap() + Duration::hours(h));
        Device {
            resource_id: id.into(),
            email: vec!["ann@x.org".into()],
            device_type: t,
            user_agent: Some(ua.into()),
            status: DeviceStatus::Approved,
            first_sync: at(first),
            last_sync: at(last),
            ..Device::default()
        }
    }

    #[test]
    fn a_user_is_still_on_google_sync_until_a_replacement_outlives_it() {
        let now = Utc.with_ymd_and_hms(2026, 1, 10, 0, 0, 0).unwrap() + Duration::hours(48);
        let users = vec![User {
            primary_email: "ann@x.org".into(),
            org_unit_path: "/Pilot".into(),
            ..User::default()
        }];
        let input = FunnelInput {
            active_days: 7,
            ..FunnelInput::default()
        };
        let gs = dev(
            "g",
            DeviceType::GoogleSync,
            "Apple-iPhone14C2/2104.92",
            -100,
            40,
        );
        let f = |ds: Vec<Device>| rows(&users, &ds, &input, now)[0].funnel;
        assert_eq!(f(vec![gs.clone()]), Funnel::StillOnGoogleSync);
        // An older native account next to a still-syncing Exchange profile: still on Sync.
        assert_eq!(
            f(vec![
                gs.clone(),
                dev("n", DeviceType::IosSync, "iOS/17.5 dataaccessd/1.0", 10, 47)
            ]),
            Funnel::StillOnGoogleSync
        );
        // The native account appeared after the last Exchange sync: switched.
        assert_eq!(
            f(vec![
                gs.clone(),
                dev("n", DeviceType::IosSync, "iOS/17.5 dataaccessd/1.0", 41, 47)
            ]),
            Funnel::Switched
        );
        assert_eq!(
            f(vec![
                gs.clone(),
                dev(
                    "m",
                    DeviceType::IosSync,
                    "com.google.Gmail/6.0 iPhone",
                    41,
                    47
                )
            ]),
            Funnel::GmailAppOnly
        );
        let stale = dev(
            "g",
            DeviceType::GoogleSync,
            "Apple-iPhone14C2/2104.92",
            -100,
            -400,
        );
        assert_eq!(f(vec![stale]), Funnel::NotSeen);
        let mut blocked = gs;
        blocked.status = DeviceStatus::Blocked;
        assert_eq!(f(vec![blocked]), Funnel::NotSeen);
    }
}
