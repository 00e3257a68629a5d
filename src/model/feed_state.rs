//! What the feed remembers of each source between polls: compact per-item state, not whole
//! snapshots, so a poll can be diffed against the previous one after a restart. Pure data.
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Device, DeviceStatus, DeviceType, Interner, Shared};

/// Per item key (device resource ID, Android device name, setting key) → its state.
pub type Seen<T> = BTreeMap<String, T>;

/// A Directory mobile device as the feed last saw it. Short keys: 100k of these are stored.
/// A poll holds two maps of them (stored and listed): every value is shared through an
/// [`Interner`], so an entry is its key and a few pointers (56 bytes, not 136 plus five
/// allocations), which keeps a 100k-device poll tens of MB smaller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSeen {
    #[serde(rename = "t")]
    pub device_type: Shared,
    #[serde(rename = "s")]
    pub status: Shared,
    #[serde(rename = "l", default, skip_serializing_if = "Option::is_none")]
    pub last_sync: Option<DateTime<Utc>>,
    #[serde(rename = "e", default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Shared>,
    #[serde(rename = "o", default, skip_serializing_if = "Option::is_none")]
    pub ou: Option<Shared>,
    #[serde(rename = "m", default, skip_serializing_if = "Option::is_none")]
    pub model: Option<Shared>,
}

impl DeviceSeen {
    pub fn of(d: &Device, i: &mut Interner) -> DeviceSeen {
        let model = d.display_model();
        DeviceSeen {
            device_type: i.text(d.device_type.as_str()),
            status: i.text(d.status.as_str()),
            last_sync: d.last_sync,
            owner: d
                .owner()
                .map(|o| match o.bytes().any(|b| b.is_ascii_uppercase()) {
                    true => i.text(&o.to_ascii_lowercase()),
                    false => i.text(o),
                }),
            ou: d.org_unit_path.as_ref().map(|o| i.shared(o)),
            model: (!model.is_empty()).then(|| i.text(model)),
        }
    }

    /// Shares this entry's values with every other entry `i` has seen (after loading).
    pub fn intern(&mut self, i: &mut Interner) {
        self.device_type = i.shared(&self.device_type);
        self.status = i.shared(&self.status);
        for v in [&mut self.owner, &mut self.ou, &mut self.model]
            .into_iter()
            .flatten()
        {
            *v = i.shared(v);
        }
    }

    pub fn device_type(&self) -> DeviceType {
        DeviceType::parse(&self.device_type)
    }

    pub fn status(&self) -> DeviceStatus {
        DeviceStatus::parse(&self.status)
    }

    pub fn is_google_sync(&self) -> bool {
        self.device_type() == DeviceType::GoogleSync
    }
}

/// An Android Management API device as the feed last saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AndroidSeen {
    /// The owner's email when the Directory listing could name them, else the API's `userName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ou: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_version: Option<String>,
    pub compliant: bool,
    /// `nonComplianceReason/specificNonComplianceReason` per detail, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

/// A setting (Cloud Identity policy, or an Android policy's content) as offsync last set or
/// read it: the baseline that drift is measured against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingSeen {
    /// What a person calls it: `settings/gmail.imap_access`, `enterprises/E/policies/P`.
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ou: Option<String>,
    /// Canonical JSON of the value.
    pub value: String,
}

/// One Admin console audit event, reduced to what the feed shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Google's identity of the activity (`id.time` + `id.uniqueQualifier`) plus the
    /// event's index within it: stable however often the same window is read again.
    pub id: String,
    pub time: DateTime<Utc>,
    pub actor: Option<String>,
    pub name: String,
    /// Parameters with a string value (`SETTING_NAME`, `ORG_UNIT_NAME`, `OLD_VALUE`, …).
    pub parameters: Vec<(String, String)>,
}

impl AuditRecord {
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One day of Gmail usage, summarised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageDay {
    pub day: NaiveDate,
    pub users: usize,
    /// Users whose last IMAP use falls within the report's 30-day window.
    pub imap_users: usize,
}

/// When Google Sync was turned off for an OU (the guided manual step), as far as offsync
/// knows: the migration engine supplies these; a child OU without an entry inherits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOff {
    pub effective_at: DateTime<Utc>,
    /// The migration step that turned it off, for the event's `step` field.
    pub step: Option<String>,
}

/// OU path → when `sync-off` took effect there.
pub type SyncOffs = BTreeMap<String, SyncOff>;

/// Google Sync devices of one OU (including the OUs below it) at one poll.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OuBurndown {
    /// Active Google Sync devices: what is left to migrate.
    pub active: usize,
    /// Every Google Sync device listed, active or not.
    pub total: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_devices_share_their_values_and_store_unchanged() {
        let json = r#"{"t":"GOOGLE_SYNC","s":"APPROVED","e":"ann@example.test","o":"/Staff","m":"iPhone"}"#;
        let mut a: DeviceSeen = serde_json::from_str(json).unwrap();
        let mut b: DeviceSeen = serde_json::from_str(json).unwrap();
        let mut i = Interner::default();
        a.intern(&mut i);
        b.intern(&mut i);
        for (x, y) in [
            (&a.device_type, &b.device_type),
            (a.ou.as_ref().unwrap(), b.ou.as_ref().unwrap()),
            (a.owner.as_ref().unwrap(), b.owner.as_ref().unwrap()),
        ] {
            assert!(Shared::ptr_eq(x, y), "{x} is not shared");
        }
        assert_eq!(serde_json::to_string(&a).unwrap(), json);

        // From a listed device: the owner is lower-cased, the values shared with the above.
        let d: Device = serde_json::from_str(
            r#"{"resourceId":"r","type":"GOOGLE_SYNC","status":"APPROVED","email":["Ann@Example.test"],"model":"iPhone","orgUnitPath":"/Staff"}"#,
        )
        .unwrap();
        let c = DeviceSeen::of(&d, &mut i);
        assert_eq!(c, a);
        assert!(Shared::ptr_eq(
            c.owner.as_ref().unwrap(),
            a.owner.as_ref().unwrap()
        ));
        assert!(Shared::ptr_eq(&c.status, &a.status));
    }
}
