//! Admin console settings as the tenant holds them (inherited down the OU tree, effective after
//! the propagation delay), and the per-user facts user behaviour needs.

use std::collections::HashMap;

use super::tenant::Tenant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsoleSetting {
    /// Devices > Mobile & endpoints > Settings > Universal > Data access > Google Sync.
    GoogleSync,
    /// iOS > Account configurations > Google account > Automatic push configuration.
    IosPush,
    /// Security > API controls > the iOS client ID trusted.
    TrustedIos,
    /// The EMM replaced its Exchange profile with a Google account profile.
    EmmGoogleAccount,
}

impl ConsoleSetting {
    pub const ALL: [ConsoleSetting; 4] = [
        ConsoleSetting::GoogleSync,
        ConsoleSetting::IosPush,
        ConsoleSetting::TrustedIos,
        ConsoleSetting::EmmGoogleAccount,
    ];

    pub fn wire(self) -> &'static str {
        match self {
            ConsoleSetting::GoogleSync => "google_sync",
            ConsoleSetting::IosPush => "ios_push",
            ConsoleSetting::TrustedIos => "trusted_ios",
            ConsoleSetting::EmmGoogleAccount => "emm_google_account",
        }
    }

    /// The console's default where no OU sets a value: Google Sync allowed, the rest off.
    pub fn default_on(self) -> bool {
        self == ConsoleSetting::GoogleSync
    }
}

/// One console change: the value and when it was saved (sim seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    pub on: bool,
    pub at: i64,
}

/// How a simulated user reacts once they are able to move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persona {
    Prompt,
    AfterReminder,
    Never,
}

/// Console state and the per-user facts user behaviour needs.
#[derive(Debug, Clone, Default)]
pub struct Console {
    pub settings: HashMap<(usize, ConsoleSetting), Saved>,
    /// User index → when the admin reminded them.
    pub reminded: HashMap<u32, i64>,
    /// Users who already moved (their Google Sync devices went stale).
    pub switched: HashMap<u32, i64>,
    /// Personas fixed by the tenant's shape (the demo's pilot); everyone else's is drawn.
    pub personas: HashMap<u32, Persona>,
    /// Whether anything happened that users react to (nothing does until then, so listing
    /// benchmarks and fixed-data tests see a still tenant).
    pub active: bool,
    /// Sim time of the last behaviour pass.
    pub settled_at: i64,
    /// Google Sync device IDs by first owner, for behaviour passes; `None` = rebuild.
    pub sync_index: Option<Vec<(u32, Vec<u64>)>>,
}

impl Console {
    /// The nearest saved value at or above `ou`, if any.
    pub fn saved(&self, t: &Tenant, mut ou: usize, s: ConsoleSetting) -> Option<Saved> {
        loop {
            if let Some(v) = self.settings.get(&(ou, s)) {
                return Some(*v);
            }
            ou = t.org_units[ou].parent?;
        }
    }

    /// The value in force for users of `ou` at `now`, and since when (None = since always).
    /// A saved change counts only once `propagation` seconds have passed.
    pub fn effective(
        &self,
        t: &Tenant,
        ou: usize,
        s: ConsoleSetting,
        now: i64,
        propagation: i64,
    ) -> (bool, Option<i64>) {
        match self.saved(t, ou, s) {
            Some(v) if now >= v.at + propagation => (v.on, Some(v.at + propagation)),
            _ => (s.default_on(), None),
        }
    }
}
