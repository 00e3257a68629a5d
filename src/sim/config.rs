//! [`SimConfig`]: everything that shapes a simulated tenant and how the simulated server
//! behaves, with the option types it holds. The tenant data (`data/`) reads it, so this module
//! imports only leaf modules (`clock`, `faults`, `quota`) and `data`, never an HTTP handler.

use std::str::FromStr;
use std::time::Duration;

use super::clock::ClockConfig;
use super::data::amapi::AmapiSimConfig;
use super::data::policy::{ImapRestrictionShape, PolicyReadback};
use super::faults::FaultSpec;
use super::quota::QuotaWindow;

/// Everything that shapes a simulated tenant and how the simulated server behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: u64,
    pub users: usize,
    pub devices: usize,
    /// Added to every API request, to make sequential paging visibly slow.
    pub latency: Duration,
    pub faults: FaultSpec,
    /// Google's default Directory quota is 2,400 queries per minute per user; off by default.
    pub quota_per_minute: Option<u32>,
    /// How that per-minute quota is enforced (undocumented: each reading is an option).
    pub quota_window: QuotaWindow,
    /// Android Management: 1,000 queries per 100 s per project (Google's default); off by default.
    pub amapi_quota_per_100s: Option<u32>,
    /// How `email:` search values match addresses (undocumented: each reading is an option).
    pub email_match: EmailMatch,
    /// Google: "it may take up to 36 hours for new data to be reflected in all search results".
    /// A device created or changed within this window is hidden from every query; a listing
    /// without `query` (with or without `orderBy`) and `get` show it. Zero = no lag.
    pub search_lag: Duration,
    /// With a search lag: the share of generated devices created within the window.
    pub search_lag_share: f64,
    /// What a `type:` token outside `google_sync_type_tokens` gets: 400 or an empty result.
    pub unknown_type_token: UnknownTypeToken,
    pub clock: ClockConfig,
    /// Devices whose `email` list is empty (Google returns such devices; rare in practice).
    pub devices_without_email: usize,
    /// Which `type:` search tokens select Google Sync devices. Google documents neither spelling
    /// for certain (GAM documents `googlesync`), so both are accepted unless a test narrows it.
    pub google_sync_type_tokens: Vec<String>,
    /// Whether Cloud Identity accepts writes of `settings/gmail.imap_access` (unverified upstream).
    pub imap_policy_mutable: bool,
    /// Scopes granted under domain-wide delegation; `None` grants every scope the APIs accept.
    pub dwd_scopes: Option<Vec<String>>,
    /// Active devices keep syncing as the sim clock moves, so the feed moves on its own.
    pub devices_keep_syncing: bool,
    /// How many days Reports usage data lags the sim clock (Google's lag varies by days).
    pub usage_lag_days: u32,
    /// The service account holds an admin role in the tenant (Admin console > Account > Admin
    /// roles > assign to a service account), so it may call Directory and Reports as itself.
    pub service_account_admin: bool,
    /// Sim time a Policy API write or a console change takes to reach users (Google: "up to
    /// 24 hours, usually faster"). Runs faster with the clock's speed (`--time-scale`).
    pub propagation: Duration,
    /// Whether reads show a policy write at once or only after propagation (unverified).
    pub policy_readback: PolicyReadback,
    /// How `gmail.imap_access` carries the mail-client restriction (unverified).
    pub imap_restriction_shape: ImapRestrictionShape,
    /// How simulated users react to the migration.
    pub behaviour: Behaviour,
    /// OUs whose Exchange profiles an EMM pushed with Apple's own agent (undetectable from
    /// the device list: the admin must declare them).
    pub emm_ous: Vec<String>,
    /// The Android Management enterprise: its type and the unverified readings it offers.
    pub amapi: AmapiSimConfig,
    /// Pins the make-up of `/Pilot` (the demo); `None` draws it like every other OU.
    pub pilot: Option<PilotShape>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 7,
            users: 300,
            devices: 600,
            latency: Duration::ZERO,
            faults: FaultSpec::default(),
            quota_per_minute: None,
            quota_window: QuotaWindow::default(),
            amapi_quota_per_100s: None,
            email_match: EmailMatch::default(),
            search_lag: Duration::ZERO,
            search_lag_share: 0.0,
            unknown_type_token: UnknownTypeToken::default(),
            clock: ClockConfig::default(),
            devices_without_email: 0,
            google_sync_type_tokens: vec!["google_sync".into(), "googlesync".into()],
            imap_policy_mutable: false,
            dwd_scopes: None,
            devices_keep_syncing: true,
            usage_lag_days: 2,
            service_account_admin: false,
            propagation: Duration::from_secs(2 * 3600),
            policy_readback: PolicyReadback::default(),
            imap_restriction_shape: ImapRestrictionShape::default(),
            behaviour: Behaviour::default(),
            emm_ous: Vec::new(),
            amapi: AmapiSimConfig::default(),
            pilot: None,
        }
    }
}

/// Sim seconds per real second in `offsync demo` and `offsync sim serve --demo`: a simulated
/// day passes in one real minute, so the pilot's 24-hour windows take minutes, not days.
pub const DEMO_TIME_SCALE: f64 = 1440.0;

/// The OU whose users' Exchange profiles an EMM pushed, in the demo tenant.
pub const DEMO_EMM_OU: &str = "/Sales/EMEA";

impl SimConfig {
    /// The demo tenant: a twelve-user `/Pilot` where everyone is on Google Sync (two never
    /// move, three only after a reminder), EMM-pushed profiles in [`DEMO_EMM_OU`], IMAP
    /// writable through the Policy API, the Android Management enterprise on, and the clock at
    /// [`DEMO_TIME_SCALE`]. Users move within half an hour to twelve hours of being able to
    /// (the default draws up to a day and a half), so the pilot settles within a sim day.
    pub fn demo(seed: u64, users: usize, devices: usize) -> SimConfig {
        SimConfig {
            seed,
            users,
            devices,
            clock: ClockConfig {
                start: None,
                speed: DEMO_TIME_SCALE,
            },
            imap_policy_mutable: true,
            emm_ous: vec![DEMO_EMM_OU.into()],
            pilot: Some(PilotShape {
                users: 12,
                never: 2,
                after_reminder: 3,
            }),
            behaviour: Behaviour {
                switch_after: (30 * 60, 12 * 3600),
                ..Behaviour::default()
            },
            ..SimConfig::default()
        }
    }
}

/// What `/Pilot` holds when pinned: `users` users, each with an active Google Sync phone (no
/// EMM profile, so the pilot needs no EMM step), of whom `never` never move and
/// `after_reminder` move only once reminded; the rest move on their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PilotShape {
    pub users: usize,
    pub never: usize,
    pub after_reminder: usize,
}

/// How an `email:` value matches an address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EmailMatch {
    /// The whole address (or its prefix with `*`), case-insensitively.
    #[default]
    AddressPrefix,
    /// Any word of the address, words split at `.`, `@`, `-` and `_` (Google's example:
    /// `email:joe@example.com` matches joe.sabia@example.com and joe.sciarrillo@example.org).
    WordStart,
}

impl FromStr for EmailMatch {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "prefix" => Ok(EmailMatch::AddressPrefix),
            "words" => Ok(EmailMatch::WordStart),
            other => Err(format!(
                "unknown email match `{other}`; use prefix or words"
            )),
        }
    }
}

/// What a `type:` value the server does not know gets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UnknownTypeToken {
    /// 400 `invalid` (the query is refused).
    #[default]
    Reject,
    /// An empty result, as a search for a value no device has.
    Empty,
}

impl FromStr for UnknownTypeToken {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "error" | "reject" => Ok(UnknownTypeToken::Reject),
            "empty" => Ok(UnknownTypeToken::Empty),
            other => Err(format!(
                "unknown type-token reading `{other}`; use error or empty"
            )),
        }
    }
}

/// How simulated users react.
#[derive(Debug, Clone)]
pub struct Behaviour {
    /// Percent of users who never move on their own.
    pub never_pct: u8,
    /// Percent who move only after a reminder.
    pub reminder_pct: u8,
    /// A user moves this long (sim seconds, drawn per user) after they are able to.
    pub switch_after: (u32, u32),
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            never_pct: 10,
            reminder_pct: 15,
            switch_after: (30 * 60, 36 * 3600),
        }
    }
}
