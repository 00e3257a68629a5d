//! Feed events: what changed in the tenant, as the feed's diff engine saw it. Pure data.
//!
//! An event's ID is derived from its content (source, kind, subject and the instant it was
//! observed, or an identity Google gives, such as an audit activity's ID), never from a
//! counter: diffing the same poll twice, or two offsyncs seeing the same change, yields the
//! same ID, and the store keeps the first.
use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

/// How much an event asks of the admin, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Notice,
    Warning,
    Alert,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Info,
        Severity::Notice,
        Severity::Warning,
        Severity::Alert,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Notice => "notice",
            Severity::Warning => "warning",
            Severity::Alert => "alert",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Where the feed read the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// The full Directory mobile-device listing (the authority for device state).
    Directory,
    /// Cloud Identity policies (settings explicitly set on OUs).
    Policy,
    /// Android Management API devices and policies.
    Android,
    /// Reports API admin audit events (console changes).
    Audit,
    /// Reports API Gmail usage (daily, lagging by days).
    Usage,
}

impl Source {
    pub const ALL: [Source; 5] = [
        Source::Directory,
        Source::Policy,
        Source::Android,
        Source::Audit,
        Source::Usage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Directory => "directory",
            Source::Policy => "policy",
            Source::Android => "android",
            Source::Audit => "audit",
            Source::Usage => "usage",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// What happened. The README's feed section documents each kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// First poll of a source: the state it will diff against from now on.
    Baseline,
    DeviceAppeared,
    DeviceRemoved,
    /// A Google Sync device disappeared from the listing or stopped being Google Sync.
    LeftGoogleSync,
    /// An iOS/Android device (not Google Sync) appeared for a user who had a Google Sync one.
    NativeAccountAppeared,
    DeviceApproved,
    DeviceBlocked,
    DeviceWiped,
    StatusChanged,
    /// A Google Sync device synced after its OU's `sync-off` took effect.
    StillSyncingAfterSyncOff,
    AndroidNonCompliant,
    AndroidCompliant,
    PolicyApplied,
    /// A Cloud Identity setting differs from what offsync last set or read.
    SettingDrift,
    /// An Admin console setting change from the audit log.
    ConsoleChange,
    /// A new day of Gmail usage data.
    GmailUsage,
    /// A poll failed; the source's data is stale until the next good poll.
    PollFailed,
}

const KINDS: [(EventKind, &str); 17] = [
    (EventKind::Baseline, "baseline"),
    (EventKind::DeviceAppeared, "device-appeared"),
    (EventKind::DeviceRemoved, "device-removed"),
    (EventKind::LeftGoogleSync, "left-google-sync"),
    (EventKind::NativeAccountAppeared, "native-account-appeared"),
    (EventKind::DeviceApproved, "device-approved"),
    (EventKind::DeviceBlocked, "device-blocked"),
    (EventKind::DeviceWiped, "device-wiped"),
    (EventKind::StatusChanged, "status-changed"),
    (
        EventKind::StillSyncingAfterSyncOff,
        "still-syncing-after-sync-off",
    ),
    (EventKind::AndroidNonCompliant, "android-non-compliant"),
    (EventKind::AndroidCompliant, "android-compliant"),
    (EventKind::PolicyApplied, "policy-applied"),
    (EventKind::SettingDrift, "setting-drift"),
    (EventKind::ConsoleChange, "console-change"),
    (EventKind::GmailUsage, "gmail-usage"),
    (EventKind::PollFailed, "poll-failed"),
];

impl EventKind {
    pub fn all() -> impl Iterator<Item = EventKind> {
        KINDS.iter().map(|(k, _)| *k)
    }

    pub fn as_str(self) -> &'static str {
        KINDS
            .iter()
            .find(|(k, _)| *k == self)
            .map(|(_, s)| *s)
            .expect("every kind is named")
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        KINDS.iter().find(|(_, n)| *n == s).map(|(k, _)| *k)
    }

    /// The severity a kind carries.
    pub fn severity(self) -> Severity {
        use EventKind::*;
        match self {
            Baseline | DeviceAppeared | DeviceRemoved | DeviceApproved | StatusChanged
            | AndroidCompliant | PolicyApplied | GmailUsage => Severity::Info,
            LeftGoogleSync | NativeAccountAppeared | DeviceBlocked | ConsoleChange => {
                Severity::Notice
            }
            DeviceWiped | AndroidNonCompliant | PollFailed => Severity::Warning,
            StillSyncingAfterSyncOff | SettingDrift => Severity::Alert,
        }
    }
}

macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    )*};
}
display_as_str!(Severity, Source, EventKind);

/// One feed event. `at` is the server's time: when Google says it happened (audit events)
/// or the server's clock at the poll that saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub id: String,
    #[serde(serialize_with = "rfc3339")]
    pub at: DateTime<Utc>,
    pub source: Source,
    pub kind: EventKind,
    pub severity: Severity,
    pub ou: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The migration step this event bears on, when one does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

fn rfc3339<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&at.to_rfc3339_opts(SecondsFormat::Secs, true))
}

impl Event {
    /// An event whose ID hashes `source`, `kind`, `subject` and `identity` (the observed
    /// instant, or an identity Google gave the change).
    pub fn new(
        source: Source,
        kind: EventKind,
        subject: &str,
        identity: &str,
        at: DateTime<Utc>,
    ) -> Event {
        Event {
            id: event_id(&[source.as_str(), kind.as_str(), subject, identity]),
            at,
            source,
            kind,
            severity: kind.severity(),
            ou: None,
            device: None,
            user: None,
            step: None,
            detail: String::new(),
        }
    }

    pub fn ou(mut self, ou: Option<&str>) -> Event {
        self.ou = ou.map(str::to_string);
        self
    }
    pub fn device(mut self, device: &str) -> Event {
        self.device = Some(device.to_string());
        self
    }
    pub fn user(mut self, user: Option<&str>) -> Event {
        self.user = user.map(str::to_string);
        self
    }
    pub fn step(mut self, step: Option<&str>) -> Event {
        self.step = step.map(str::to_string);
        self
    }
    pub fn detail(mut self, detail: impl Into<String>) -> Event {
        self.detail = detail.into();
        self
    }
}

/// 128 bits of FNV-1a over the parts (with separators), as 32 hex digits: stable across
/// runs, platforms and versions, unlike std's randomly keyed hasher.
pub fn event_id(parts: &[&str]) -> String {
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x6c62_272e_07bb_0142;
    for part in parts {
        for byte in part.bytes().chain([0x1f]) {
            a = (a ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
            b = (b ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3 ^ 0x2_0000);
        }
    }
    format!("{a:016x}{b:016x}")
}

/// The instant as an ID component (seconds: the server's `Date` resolution).
pub fn instant_key(at: DateTime<Utc>) -> String {
    at.timestamp().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_ids_are_stable() {
        for k in EventKind::all() {
            assert_eq!(EventKind::parse(k.as_str()), Some(k));
        }
        for s in Source::ALL {
            assert_eq!(Source::parse(s.as_str()), Some(s));
        }
        assert_eq!(event_id(&["a", "b"]), event_id(&["a", "b"]));
        assert_ne!(event_id(&["ab", ""]), event_id(&["a", "b"]));
        // Pinned: a changed hash would duplicate every stored event after an upgrade.
        assert_eq!(
            event_id(&["directory", "left-google-sync", "AFiQxQ", "1900000000"]),
            "f0b0fa9428aea47beb1905018834b9da"
        );
    }
}
