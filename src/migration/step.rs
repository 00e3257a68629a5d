//! Google's migration playbook as data: the steps an OU goes through, in order, with the
//! Admin console path for the ones no API can do and how offsync verifies each one.
//!
//! Two paths per OU (seed 000): the standard one (IMAP on for Apple Mail, iOS automatic push,
//! users re-add their account, Google Sync off) and the alternative "Gmail app" one (IMAP off,
//! the iOS client trusted, users on the Gmail app). Both end with Google Sync off and a sweep.
use serde::{Deserialize, Serialize};

/// The Apple iOS client ID Google's guide restricts IMAP to, and trusts on the alternative path.
pub const IOS_CLIENT_ID: &str =
    "450232826690-0rm6bs9d2fps9tifvk2oodh3tasd7vl7.apps.googleusercontent.com";

/// A step, spelled in the CLI and in JSON exactly as Google's steps are named in the issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepId {
    Imap,
    IosPush,
    ReAdd,
    SyncOff,
    AltImapOff,
    AltTrustIos,
    Sweep,
}

/// Which of Google's two paths an OU follows; chosen per OU by the admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MigrationPath {
    /// Apple Mail over IMAP plus native Google accounts.
    #[default]
    Standard,
    /// Mail in the Gmail app only; Apple Calendar and Contacts through the trusted iOS client.
    GmailApp,
}

/// How the step's change is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// Cloud Identity Policy API write (falls back to manual where Google refuses it).
    PolicyApi,
    /// Only the Admin console can do it; the admin attests, offsync verifies from evidence.
    Console,
    /// Users act on their phones; tracked per user from device data.
    Users,
    /// Directory device actions (block) through the change engine.
    DeviceActions,
}

impl StepId {
    pub const ALL: [StepId; 7] = [
        StepId::Imap,
        StepId::IosPush,
        StepId::ReAdd,
        StepId::SyncOff,
        StepId::AltImapOff,
        StepId::AltTrustIos,
        StepId::Sweep,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepId::Imap => "imap",
            StepId::IosPush => "ios-push",
            StepId::ReAdd => "re-add",
            StepId::SyncOff => "sync-off",
            StepId::AltImapOff => "alt-imap-off",
            StepId::AltTrustIos => "alt-trust-ios",
            StepId::Sweep => "sweep",
        }
    }

    pub fn parse(s: &str) -> Option<StepId> {
        StepId::ALL.into_iter().find(|st| st.as_str() == s.trim())
    }

    pub fn kind(self) -> StepKind {
        match self {
            StepId::Imap | StepId::AltImapOff => StepKind::PolicyApi,
            StepId::IosPush | StepId::SyncOff | StepId::AltTrustIos => StepKind::Console,
            StepId::ReAdd => StepKind::Users,
            StepId::Sweep => StepKind::DeviceActions,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            StepId::Imap => "Turn on IMAP for Apple Mail",
            StepId::IosPush => "iOS automatic push of the Google account",
            StepId::ReAdd => "Users remove Exchange and re-add the account as Google",
            StepId::SyncOff => "Turn off Google Sync",
            StepId::AltImapOff => "Turn off IMAP (mail in the Gmail app only)",
            StepId::AltTrustIos => "Trust the Apple iOS client (Calendar and Contacts)",
            StepId::Sweep => "Final sweep: block Google Sync devices that still sync",
        }
    }

    /// Why the step is there, in one or two sentences from Google's guide (seed 000).
    pub fn why(self) -> &'static str {
        match self {
            StepId::Imap => "Apple Mail reads the work mailbox over IMAP once the Exchange account is gone; without IMAP, iPhone users lose mail when Google Sync stops.",
            StepId::IosPush => "Under advanced management Google pushes the Google account to managed iPhones, so users do not add it by hand.",
            StepId::ReAdd => "Each user replaces the Exchange (Google Sync) account with a Google account, or the Gmail app; nobody should be cut off when Google Sync stops.",
            StepId::SyncOff => "Google Sync is being retired; turning it off per OU, after users moved, is the cut-over.",
            StepId::AltImapOff => "On the Gmail-app path mail is read in the Gmail app only, so IMAP stays off.",
            StepId::AltTrustIos => "Apple Calendar and Contacts keep working through the Apple iOS client once it is trusted.",
            StepId::Sweep => "Devices still syncing after Google Sync is off are listed with owners and blocked (a deleted Google Sync device comes back at its next sync).",
        }
    }

    /// Where the admin makes the change by hand (also the fallback for API steps).
    pub fn console_path(self) -> &'static str {
        match self {
            StepId::Imap => "Apps > Google Workspace > Gmail > End user access > POP and IMAP access > \"Enable IMAP access for all users\" (optionally \"Restrict which mail clients users can use\" to the iOS client ID)",
            StepId::AltImapOff => "Apps > Google Workspace > Gmail > End user access > POP and IMAP access > untick \"Enable IMAP access for all users\"",
            StepId::IosPush => "Devices > Mobile & endpoints > Settings > iOS > Account configurations > Google account > \"Automatic push configuration\"",
            StepId::SyncOff => "Devices > Mobile & endpoints > Settings > Universal > Data access > Google Sync > untick \"Allow work data to sync via ActiveSync\"",
            StepId::AltTrustIos => "Security > API controls > Manage third-party app access > Add app > OAuth app name or client ID > the iOS client ID > iOS > access \"Trusted\"",
            StepId::ReAdd => "users act on their phones (offsync lists who, with instructions)",
            StepId::Sweep => "Devices > Mobile & endpoints > Devices > Type = Google Sync > Block",
        }
    }

    /// How offsync decides the step is verified: shown next to every manual step.
    pub fn how_verified(self) -> &'static str {
        match self {
            StepId::Imap => "reads settings/gmail.imap_access back from the Policy API (explicit at this OU or inherited from a parent), then waits out the propagation window",
            StepId::AltImapOff => "reads settings/gmail.imap_access back: IMAP off at or above this OU",
            StepId::IosPush => "native Google-account iOS devices (IOS_SYNC) appear for this OU's users after the attestation",
            StepId::SyncOff => "no Google Sync device of this OU syncs after the attestation plus the propagation window, over the quiet window",
            StepId::AltTrustIos => "reads settings/api_controls.third_party_app_access back: the iOS client ID trusted",
            StepId::ReAdd => "every user who had a Google Sync device has a native Google account or the Gmail app, or is acknowledged as left behind",
            StepId::Sweep => "no unblocked Google Sync device of this OU has synced since Google Sync was turned off",
        }
    }
}

impl std::fmt::Display for StepId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl MigrationPath {
    /// The steps of this path, in the order Google's guide gives them.
    pub fn steps(self) -> &'static [StepId] {
        match self {
            MigrationPath::Standard => &[
                StepId::Imap,
                StepId::IosPush,
                StepId::ReAdd,
                StepId::SyncOff,
                StepId::Sweep,
            ],
            MigrationPath::GmailApp => &[
                StepId::AltImapOff,
                StepId::AltTrustIos,
                StepId::ReAdd,
                StepId::SyncOff,
                StepId::Sweep,
            ],
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MigrationPath::Standard => "standard",
            MigrationPath::GmailApp => "gmail-app",
        }
    }

    pub fn parse(s: &str) -> Option<MigrationPath> {
        match s.trim() {
            "standard" => Some(MigrationPath::Standard),
            "gmail-app" => Some(MigrationPath::GmailApp),
            _ => None,
        }
    }
}

/// Mobile management level of an OU. No API reveals it: the admin declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Management {
    #[default]
    Basic,
    Advanced,
}

/// What the admin declared about an OU: its path, management level and whether an EMM
/// pushed its users' Exchange profiles (native profiles pushed by an EMM report Apple's own
/// user agent, so this cannot be detected).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OuDeclaration {
    pub ou: String,
    #[serde(default)]
    pub path: MigrationPath,
    #[serde(default)]
    pub management: Management,
    #[serde(default)]
    pub emm: bool,
    /// Devices (resource IDs) the admin declared EMM-managed outside an EMM OU.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emm_devices: Vec<String>,
}

impl OuDeclaration {
    pub fn new(ou: &str) -> OuDeclaration {
        OuDeclaration {
            ou: ou.to_string(),
            ..OuDeclaration::default()
        }
    }

    /// Whether `step` applies at all to this OU (iOS push needs advanced management).
    pub fn applies(&self, step: StepId) -> bool {
        self.path.steps().contains(&step)
            && !(step == StepId::IosPush && self.management == Management::Basic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for s in StepId::ALL {
            assert_eq!(StepId::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(StepId::parse("imapp"), None);
    }

    #[test]
    fn ios_push_needs_advanced_management() {
        let mut d = OuDeclaration::new("/Pilot");
        assert!(!d.applies(StepId::IosPush));
        d.management = Management::Advanced;
        assert!(d.applies(StepId::IosPush));
        assert!(!d.applies(StepId::AltImapOff));
    }
}
