//! A mobile device as the Directory API describes it (`MobileDevice` in
//! admin.directory_v1.json), plus the owner's OU that offsync joins in.
//!
//! Field names follow Google's JSON exactly so the client can deserialise straight into
//! this type; unknown fields are ignored, and `type`/`status` are free strings in the API,
//! so unknown values are kept verbatim instead of failing or being folded into a default.
//! Fields that repeat across devices are [`Shared`] so a listing can intern them.
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::intern::Shared;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    /// The unique ID the API uses for the device (`resourceId`).
    #[serde(default)]
    pub resource_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<Box<str>>,
    /// Owner email addresses; usually one, sometimes several, rarely none.
    #[serde(default)]
    pub email: Vec<String>,
    /// Owner display names.
    #[serde(default)]
    pub name: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<Shared>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<Shared>,
    #[serde(rename = "type", default)]
    pub device_type: DeviceType,
    #[serde(default)]
    pub status: DeviceStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_sync: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sync: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<Shared>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<Box<str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imei: Option<Box<str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<Shared>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<Shared>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware_id: Option<Box<str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_version: Option<Shared>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_status: Option<Shared>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_password_status: Option<Shared>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_compromised_status: Option<Shared>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_accounts_info: Vec<String>,
    /// The owner's `orgUnitPath`, joined in by offsync (devices carry no OU in the API).
    /// `None` when the owner is unknown (no email, or a user outside the listing).
    #[serde(
        rename = "orgUnitPath",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub org_unit_path: Option<Shared>,
}

impl Device {
    /// The owner used for the OU join: the first email, as Google documents `email[0]`.
    pub fn owner(&self) -> Option<&str> {
        self.email.first().map(String::as_str)
    }

    pub fn is_google_sync(&self) -> bool {
        self.device_type == DeviceType::GoogleSync
    }

    /// Model for display: the model name, falling back to the OS.
    pub fn display_model(&self) -> &str {
        self.model.as_deref().or(self.os.as_deref()).unwrap_or("")
    }
}

/// `MobileDevice.type`: a free string in the API. Known values get variants; anything
/// else is kept as Google sent it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum DeviceType {
    GoogleSync,
    IosSync,
    Android,
    #[default]
    Unknown,
    Other(String),
}

impl DeviceType {
    pub fn as_str(&self) -> &str {
        match self {
            DeviceType::GoogleSync => "GOOGLE_SYNC",
            DeviceType::IosSync => "IOS_SYNC",
            DeviceType::Android => "ANDROID",
            DeviceType::Unknown => "UNKNOWN",
            DeviceType::Other(s) => s,
        }
    }

    /// Parses Google's value, and the friendlier spellings a person types
    /// (`google-sync`, `googlesync`, `ios`, …).
    pub fn parse(s: &str) -> DeviceType {
        let norm: String = s
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .flat_map(char::to_uppercase)
            .collect();
        match norm.as_str() {
            "GOOGLESYNC" | "SYNC" => DeviceType::GoogleSync,
            "IOSSYNC" | "IOS" => DeviceType::IosSync,
            "ANDROID" => DeviceType::Android,
            "UNKNOWN" | "" => DeviceType::Unknown,
            _ => DeviceType::Other(s.to_string()),
        }
    }
}

impl fmt::Display for DeviceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for DeviceType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DeviceType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        // Only exact API values map to variants here; anything else stays verbatim.
        Ok(match s.as_str() {
            "GOOGLE_SYNC" => DeviceType::GoogleSync,
            "IOS_SYNC" => DeviceType::IosSync,
            "ANDROID" => DeviceType::Android,
            "UNKNOWN" => DeviceType::Unknown,
            _ => DeviceType::Other(s),
        })
    }
}

/// `MobileDevice.status`: a free string in the API, kept verbatim when unknown.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum DeviceStatus {
    Approved,
    Blocked,
    Pending,
    Unprovisioned,
    Wiping,
    Wiped,
    AccountWiping,
    AccountWiped,
    #[default]
    Unknown,
    Other(String),
}

const STATUSES: [(DeviceStatus, &str); 9] = [
    (DeviceStatus::Approved, "APPROVED"),
    (DeviceStatus::Blocked, "BLOCKED"),
    (DeviceStatus::Pending, "PENDING"),
    (DeviceStatus::Unprovisioned, "UNPROVISIONED"),
    (DeviceStatus::Wiping, "WIPING"),
    (DeviceStatus::Wiped, "WIPED"),
    (DeviceStatus::AccountWiping, "ACCOUNT_WIPING"),
    (DeviceStatus::AccountWiped, "ACCOUNT_WIPED"),
    (DeviceStatus::Unknown, "UNKNOWN"),
];

impl DeviceStatus {
    pub fn as_str(&self) -> &str {
        match self {
            DeviceStatus::Other(s) => s,
            known => STATUSES
                .iter()
                .find(|(v, _)| v == known)
                .map(|(_, s)| *s)
                .unwrap_or("UNKNOWN"),
        }
    }

    /// Case-insensitive parse of an API value (`approved`, `ACCOUNT_WIPED`, …).
    pub fn parse(s: &str) -> DeviceStatus {
        let up = s.trim().to_ascii_uppercase().replace('-', "_");
        STATUSES
            .iter()
            .find(|(_, name)| *name == up)
            .map(|(v, _)| v.clone())
            .unwrap_or(DeviceStatus::Other(s.to_string()))
    }
}

impl fmt::Display for DeviceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for DeviceStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DeviceStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(match STATUSES.iter().find(|(_, name)| *name == s) {
            Some((v, _)) => v.clone(),
            None => DeviceStatus::Other(s),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_type_and_status_survive_a_round_trip() {
        let json = r#"{"resourceId":"r1","type":"CHROME_OS_THING","status":"QUARANTINED","email":["a@x.com"],"futureField":1}"#;
        let d: Device = serde_json::from_str(json).unwrap();
        assert_eq!(d.device_type, DeviceType::Other("CHROME_OS_THING".into()));
        assert_eq!(d.status, DeviceStatus::Other("QUARANTINED".into()));
        let back = serde_json::to_value(&d).unwrap();
        assert_eq!(back["type"], "CHROME_OS_THING");
        assert_eq!(back["status"], "QUARANTINED");
    }

    #[test]
    fn friendly_type_spellings_parse() {
        for s in ["google-sync", "googlesync", "GOOGLE_SYNC", "google_sync"] {
            assert_eq!(DeviceType::parse(s), DeviceType::GoogleSync, "{s}");
        }
        assert_eq!(DeviceType::parse("ios-sync"), DeviceType::IosSync);
        assert_eq!(
            DeviceStatus::parse("account-wiped"),
            DeviceStatus::AccountWiped
        );
    }

    #[test]
    fn a_device_stays_small() {
        // At 100,000 devices every 8 bytes here is 0.8 MB per copy of the inventory, and a
        // dashboard refresh holds two copies (the cached one shown, the new one arriving).
        let size = std::mem::size_of::<Device>();
        assert!(size <= 312, "Device is {size} bytes");
    }
}
