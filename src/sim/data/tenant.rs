//! The simulated organisation: OUs, users and mobile devices, generated deterministically from a
//! seed (ChaCha8) and kept compact so 100,000 devices cost a few megabytes and well under a second.
//!
//! Devices store indexes and small enums, not strings: their wire JSON is rendered on demand by
//! `directory::mobiledevices`. Sync activity is lazy: a device that "keeps syncing" carries a
//! period, and its effective `lastSync` is computed from the sim clock when read, so time can
//! move without a background task rewriting 100k rows.

use std::collections::HashMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::email_index::EmailIndex;
use super::tenant_data::{self as data, Profile};
use super::tenant_gen;
use super::{amapi, console, gmail, pilot_shape, policy, reports};
use crate::sim::clock;
use crate::sim::config::SimConfig;

#[derive(Debug, Clone)]
pub struct OrgUnit {
    /// Directory `orgUnitId` without the `id:` prefix.
    pub id: String,
    pub path: String,
    pub description: String,
    pub parent: Option<usize>,
}

impl OrgUnit {
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or("")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminRole {
    None,
    Delegated,
    Super,
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: u64,
    pub email: String,
    pub given: &'static str,
    pub family: &'static str,
    pub ou: usize,
    pub suspended: bool,
    pub role: AdminRole,
    pub created: i64,
    pub last_login: Option<i64>,
}

impl User {
    /// Google's 21-digit numeric user id.
    pub fn id_string(&self) -> String {
        format!("1{:020}", self.id)
    }
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given, self.family)
    }
    pub fn is_admin(&self) -> bool {
        self.role != AdminRole::None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    GoogleSync,
    IosSync,
    Android,
}

impl DeviceKind {
    pub fn wire(self) -> &'static str {
        match self {
            DeviceKind::GoogleSync => "GOOGLE_SYNC",
            DeviceKind::IosSync => "IOS_SYNC",
            DeviceKind::Android => "ANDROID",
        }
    }
    pub fn profiles(self) -> &'static [Profile] {
        match self {
            DeviceKind::GoogleSync => data::GOOGLE_SYNC,
            DeviceKind::IosSync => data::IOS_SYNC,
            DeviceKind::Android => data::ANDROID,
        }
    }
}

/// Mobile device statuses as the Directory API spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceStatus {
    Approved,
    Blocked,
    Pending,
    Unprovisioned,
    Wiping,
    Wiped,
    AccountWiping,
    AccountWiped,
}

impl DeviceStatus {
    pub fn wire(self) -> &'static str {
        match self {
            DeviceStatus::Approved => "APPROVED",
            DeviceStatus::Blocked => "BLOCKED",
            DeviceStatus::Pending => "PENDING",
            DeviceStatus::Unprovisioned => "UNPROVISIONED",
            DeviceStatus::Wiping => "WIPING",
            DeviceStatus::Wiped => "WIPED",
            DeviceStatus::AccountWiping => "ACCOUNT_WIPING",
            DeviceStatus::AccountWiped => "ACCOUNT_WIPED",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Device {
    /// Immutable key: `resourceId` is an order-preserving encoding of it, so paging by it is
    /// stable while devices change.
    pub id: u64,
    /// Owner user indexes; `email[i]`/`name[i]` come from these (empty = no email).
    pub owners: Vec<u32>,
    pub kind: DeviceKind,
    pub profile: u8,
    pub os: u8,
    pub ua: u8,
    pub status: DeviceStatus,
    pub first_sync: Option<i64>,
    pub last_sync: Option<i64>,
    /// Seconds between syncs while the device stays active; 0 = not syncing on its own.
    pub sync_every: u32,
    /// Blocked and wiped devices stop syncing; approving one lets it resume its period.
    pub active: bool,
    pub deleted_at: Option<i64>,
    /// When the device was created or last changed, if recently: within the search lag
    /// (`SimConfig::search_lag`) after it, queries do not see it. `None` = long ago.
    pub changed_at: Option<i64>,
}

const ALPHABET: &[u8; 64] = b"-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

fn encode64(mut v: u64, out: &mut String) {
    let mut buf = [0u8; 11];
    for slot in buf.iter_mut().rev() {
        *slot = ALPHABET[(v & 63) as usize];
        v >>= 6;
    }
    out.push_str(std::str::from_utf8(&buf).expect("ascii"));
}

fn decode64(s: &str) -> Option<u64> {
    if s.len() != 11 {
        return None;
    }
    s.bytes().try_fold(0u64, |acc, b| {
        let d = ALPHABET.iter().position(|&c| c == b)? as u64;
        acc.checked_mul(64).map(|a| a + d)
    })
}

pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Device {
    pub fn resource_id(&self) -> String {
        resource_id_of(self.id)
    }
    pub fn profile(&self) -> &'static Profile {
        &self.kind.profiles()[self.profile as usize]
    }
    pub fn os(&self) -> &'static str {
        self.profile().os[self.os as usize]
    }
    pub fn user_agent(&self) -> &'static str {
        self.profile().user_agents[self.ua as usize]
    }

    /// `lastSync` as of `now`: the stored value, or the latest periodic sync if it keeps syncing.
    pub fn last_sync_at(&self, now: i64) -> Option<i64> {
        let stored = self.last_sync?;
        if self.sync_every == 0 || !self.active {
            return Some(stored);
        }
        let every = self.sync_every as i64;
        let phase = (self.id % self.sync_every as u64) as i64;
        let tick = now - (now - phase).rem_euclid(every);
        Some(stored.max(tick.min(now)))
    }

    /// Whether the search index has caught up with this device (queries see it).
    pub fn in_search_index(&self, now: i64, lag_secs: i64) -> bool {
        self.changed_at.is_none_or(|c| now - c >= lag_secs)
    }

    /// Deleting a Google Sync device does not stop the phone: it reappears at its next sync.
    pub fn visible(&self, now: i64) -> bool {
        match self.deleted_at {
            None => true,
            Some(at) => {
                self.kind == DeviceKind::GoogleSync
                    && self.active
                    && self.sync_every > 0
                    && self.last_sync_at(now).is_some_and(|t| t > at)
            }
        }
    }
}

pub fn resource_id_of(id: u64) -> String {
    let mut s = String::with_capacity(28);
    s.push_str("AFiQxQ");
    encode64(id, &mut s);
    encode64(mix(id), &mut s);
    s
}

pub fn id_of_resource(resource_id: &str) -> Option<u64> {
    let id = decode64(resource_id.get(6..17)?)?;
    (resource_id_of(id) == resource_id).then_some(id)
}

/// The whole simulated tenant.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub seed: u64,
    pub customer_id: String,
    pub domains: Vec<String>,
    pub org_units: Vec<OrgUnit>,
    /// Sorted by primary email, so `orderBy=email` is index order.
    pub users: Vec<User>,
    /// Sorted by `id`.
    pub devices: Vec<Device>,
    pub super_admin: u32,
    pub created: i64,
    /// Sim start (unix seconds): generated times are relative to it.
    pub epoch: i64,
    pub amapi: amapi::Enterprise,
    pub policies: Vec<policy::CiPolicy>,
    pub audit: Vec<reports::AuditEvent>,
    /// Per-user Gmail IMAP settings changed through the API; others use a derived default.
    pub imap: HashMap<u32, gmail::Imap>,
    /// Console settings without an API, reminders, and who already moved.
    pub console: console::Console,
    email_index: HashMap<String, u32>,
    /// The `email:` search index; rebuilt by [`Tenant::reindex`].
    pub(crate) search: EmailIndex,
}

impl Tenant {
    /// Builds the tenant described by `cfg`. Same config, same tenant, byte for byte.
    pub fn generate(cfg: &SimConfig) -> Tenant {
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        let epoch = clock::start_of(&cfg.clock);
        let (primary, secondary) = data::DOMAINS[(cfg.seed % data::DOMAINS.len() as u64) as usize];
        let domains = vec![primary.to_string(), secondary.to_string()];
        let customer_id = format!("C0{:07x}", rng.random::<u32>() & 0x0fff_ffff);
        let org_units = tenant_gen::org_units(&mut rng);
        let mut users = tenant_gen::users(
            &mut rng,
            cfg.users.max(1),
            &domains,
            &org_units,
            epoch,
            cfg.pilot.map(|p| p.users),
        );
        let super_admin = users
            .iter()
            .position(|u| u.role == AdminRole::Super)
            .unwrap_or(0) as u32;
        let mut devices = tenant_gen::devices(&mut rng, cfg, &users, epoch);
        let pilot = org_units.iter().position(|o| o.path == "/Pilot");
        let personas = match (cfg.pilot, pilot) {
            (Some(shape), Some(ou)) => {
                pilot_shape::apply(shape, ou, &mut users, &mut devices, epoch)
            }
            _ => HashMap::new(),
        };
        let email_index = users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.email.clone(), i as u32))
            .collect();
        let mut t = Tenant {
            seed: cfg.seed,
            customer_id,
            domains,
            org_units,
            users,
            devices,
            super_admin,
            created: epoch - 9 * 365 * 86_400,
            epoch,
            amapi: amapi::Enterprise::default(),
            policies: Vec::new(),
            audit: Vec::new(),
            imap: HashMap::new(),
            console: console::Console {
                personas,
                ..console::Console::default()
            },
            email_index,
            search: EmailIndex::default(),
        };
        t.reindex();
        t.mark_recent(cfg);
        t.amapi = amapi::Enterprise::generate(&mut rng, &t, &cfg.amapi);
        t.policies = policy::generate(&mut rng, &t);
        t.audit = reports::generate_audit(&mut rng, &t);
        t
    }

    /// With a search lag, makes `search_lag_share` of the devices new: created (first and
    /// last sync) within the lag window before the epoch, so queries do not see them yet.
    /// Chosen by a hash of the id, so the rest of the tenant is the same as without lag.
    fn mark_recent(&mut self, cfg: &SimConfig) {
        let lag = cfg.search_lag.as_secs() as i64;
        if lag == 0 || cfg.search_lag_share <= 0.0 {
            return;
        }
        let cut = (cfg.search_lag_share.min(1.0) * 1_000_000.0) as u64;
        for d in &mut self.devices {
            let h = mix(d.id ^ 0x1a9);
            if h % 1_000_000 >= cut {
                continue;
            }
            let at = self.epoch - (h >> 20) as i64 % lag.max(1);
            d.changed_at = Some(at);
            d.first_sync = Some(at);
            d.last_sync = Some(d.last_sync.unwrap_or(at).max(at));
        }
    }

    /// Rebuilds the search index after emails or device owners changed.
    pub fn reindex(&mut self) {
        self.search = EmailIndex::build(&self.users, &self.devices);
        // Owners may have changed: behaviour rebuilds its own index at its next pass.
        self.console.sync_index = None;
    }

    pub fn primary_domain(&self) -> &str {
        &self.domains[0]
    }
    pub fn admin(&self) -> &User {
        &self.users[self.super_admin as usize]
    }

    /// `my_customer` or the customer id itself.
    pub fn is_customer(&self, key: &str) -> bool {
        key == "my_customer" || key == self.customer_id
    }

    pub fn user_index(&self, email: &str) -> Option<u32> {
        self.email_index.get(&email.to_ascii_lowercase()).copied()
    }

    /// A Directory `userKey`: primary email (any case) or the numeric id.
    pub fn user_by_key(&self, key: &str) -> Option<u32> {
        self.user_index(key).or_else(|| {
            self.users
                .iter()
                .position(|u| u.id_string() == key)
                .map(|i| i as u32)
        })
    }

    pub fn ou_by_path(&self, path: &str) -> Option<usize> {
        let path = if path.is_empty() { "/" } else { path };
        self.org_units
            .iter()
            .position(|o| o.path.eq_ignore_ascii_case(path))
    }

    pub fn ou_by_id(&self, id: &str) -> Option<usize> {
        let id = id.strip_prefix("id:").unwrap_or(id);
        self.org_units.iter().position(|o| o.id == id)
    }

    /// True if `ou` is `ancestor` or below it.
    pub fn ou_within(&self, mut ou: usize, ancestor: usize) -> bool {
        loop {
            if ou == ancestor {
                return true;
            }
            match self.org_units[ou].parent {
                Some(p) => ou = p,
                None => return false,
            }
        }
    }

    pub fn device_index(&self, resource_id: &str) -> Option<usize> {
        let id = id_of_resource(resource_id)?;
        self.devices.binary_search_by_key(&id, |d| d.id).ok()
    }

    /// The phone polls now: `lastSync` moves to `now` (a deleted Google Sync device reappears).
    pub fn sync_now(&mut self, resource_id: &str, now: i64) -> bool {
        let Some(i) = self.device_index(resource_id) else {
            return false;
        };
        let d = &mut self.devices[i];
        d.last_sync = Some(now);
        d.first_sync.get_or_insert(now);
        d.changed_at = Some(now);
        if d.kind == DeviceKind::GoogleSync && d.deleted_at.is_some() {
            d.deleted_at = None;
        }
        true
    }

    /// Applies a `MobileDeviceAction`; false for an action Google does not define.
    pub fn device_action(&mut self, i: usize, action: &str, now: i64) -> bool {
        let d = &mut self.devices[i];
        // Freeze the lazily computed sync time before the status change stops or resumes it.
        d.last_sync = d.last_sync_at(now);
        let (status, syncing) = match action {
            "approve" => (DeviceStatus::Approved, true),
            "block" => (DeviceStatus::Blocked, false),
            "admin_remote_wipe" => (DeviceStatus::Wiping, false),
            "admin_account_wipe" => (DeviceStatus::AccountWiping, false),
            "cancel_remote_wipe_then_activate" => (DeviceStatus::Approved, true),
            "cancel_remote_wipe_then_block" => (DeviceStatus::Blocked, false),
            _ => return false,
        };
        d.status = status;
        d.active = syncing;
        d.changed_at = Some(now);
        true
    }
}
