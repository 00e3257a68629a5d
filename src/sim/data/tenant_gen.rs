//! The seeded draws that build a tenant: the OU tree, users spread over it (a small `/Pilot`,
//! a few suspended users and admins, one super admin) and a realistic device mix (Google Sync
//! with Exchange and EMM agents, native iOS Google accounts, Android; never-synced and stale
//! devices; mostly one or two devices per user). The order of draws is part of the output:
//! changing it changes every tenant, so append new draws at the end.

use std::collections::HashMap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::tenant::{AdminRole, Device, DeviceKind, DeviceStatus, OrgUnit, User};
use super::tenant_data as data;
use crate::sim::config::SimConfig;

pub fn org_units(rng: &mut ChaCha8Rng) -> Vec<OrgUnit> {
    let mut out: Vec<OrgUnit> = Vec::with_capacity(data::ORG_UNITS.len());
    for (path, description, _) in data::ORG_UNITS {
        let parent = if *path == "/" {
            None
        } else {
            let parent_path = match path.rfind('/') {
                Some(0) => "/",
                Some(i) => &path[..i],
                None => "/",
            };
            out.iter().position(|o| o.path == parent_path)
        };
        let id = format!("03ph8a2z{:07x}", rng.random::<u32>() & 0x0fff_ffff);
        out.push(OrgUnit {
            id,
            path: path.to_string(),
            description: description.to_string(),
            parent,
        });
    }
    out
}

pub fn users(
    rng: &mut ChaCha8Rng,
    n: usize,
    domains: &[String],
    ous: &[OrgUnit],
    epoch: i64,
    pilot_size: Option<usize>,
) -> Vec<User> {
    let weights: Vec<u32> = data::ORG_UNITS.iter().map(|o| o.2).collect();
    let total: u32 = weights.iter().sum();
    let pilot = ous.iter().position(|o| o.path == "/Pilot").unwrap_or(0);
    let it = ous.iter().position(|o| o.path == "/IT").unwrap_or(0);
    let leavers = ous.iter().position(|o| o.path == "/Suspended Accounts");
    // About 2.5% of users form the pilot, at least one in any tenant of ten or more, unless
    // the tenant's shape pins its size (the super admin, user 0, is never in it).
    let pilot_n = match pilot_size {
        Some(k) => k.min(n.saturating_sub(1)),
        None if n >= 10 => (n * 25 / 1000).max(1),
        None => 0,
    };
    let mut seen: HashMap<String, u32> = HashMap::with_capacity(n);
    let mut users = Vec::with_capacity(n);
    for i in 0..n {
        let given = data::GIVEN[rng.random_range(0..data::GIVEN.len())];
        let family = data::FAMILY[rng.random_range(0..data::FAMILY.len())];
        let (local, role) = if i == 0 {
            ("admin".to_string(), AdminRole::Super)
        } else {
            let base = format!("{}.{}", given, family).to_ascii_lowercase();
            let count = seen.entry(base.clone()).or_insert(0);
            *count += 1;
            let local = if *count == 1 {
                base
            } else {
                format!("{base}{count}")
            };
            let role = if rng.random_bool(0.005) {
                AdminRole::Delegated
            } else {
                AdminRole::None
            };
            (local, role)
        };
        let domain = if i > 0 && rng.random_bool(0.03) {
            &domains[1]
        } else {
            &domains[0]
        };
        let ou = if i == 0 {
            it
        } else if i <= pilot_n {
            pilot
        } else {
            let mut x = rng.random_range(0..total);
            weights
                .iter()
                .position(|w| {
                    x < *w || {
                        x -= w;
                        false
                    }
                })
                .unwrap_or(0)
        };
        let suspended = i > 0 && (Some(ou) == leavers || rng.random_bool(0.015));
        let created = epoch - rng.random_range(30..3000) * 86_400;
        let last_login = (!rng.random_bool(0.04)).then(|| epoch - rng.random_range(0..40 * 86_400));
        users.push(User {
            id: rng.random::<u64>() % 10u64.pow(19),
            email: format!("{local}@{domain}"),
            given,
            family,
            ou,
            suspended,
            role,
            created,
            last_login,
        });
    }
    users.sort_by(|a, b| a.email.cmp(&b.email));
    users
}

pub fn devices(rng: &mut ChaCha8Rng, cfg: &SimConfig, users: &[User], epoch: i64) -> Vec<Device> {
    let n = cfg.devices;
    // Most users get one device, the rest a second or third: shuffle users, deal round-robin.
    let mut order: Vec<u32> = (0..users.len() as u32).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    let mut devices = Vec::with_capacity(n);
    for i in 0..n {
        let owner = if i < order.len() {
            order[i]
        } else {
            order[rng.random_range(0..order.len())]
        };
        let mut owners = if i < cfg.devices_without_email {
            Vec::new()
        } else {
            vec![owner]
        };
        if !owners.is_empty() && rng.random_bool(0.02) {
            owners.push(rng.random_range(0..users.len() as u32));
            owners.dedup();
        }
        let kind = match rng.random_range(0..100) {
            0..=44 => DeviceKind::GoogleSync,
            45..=69 => DeviceKind::IosSync,
            _ => DeviceKind::Android,
        };
        let profiles = kind.profiles();
        let drawn = match kind {
            DeviceKind::IosSync => data::IOS_GENERATED_PROFILES,
            _ => profiles.len(),
        };
        let profile = rng.random_range(0..drawn);
        let p = &profiles[profile];
        let os = rng.random_range(0..p.os.len()) as u8;
        let ua = rng.random_range(0..p.user_agents.len()) as u8;
        let never = rng.random_bool(0.05);
        let status = if never {
            if rng.random_bool(0.7) {
                DeviceStatus::Pending
            } else {
                DeviceStatus::Unprovisioned
            }
        } else {
            match rng.random_range(0..100) {
                0..=85 => DeviceStatus::Approved,
                86..=90 => DeviceStatus::Blocked,
                91..=94 => DeviceStatus::Pending,
                95..=96 => DeviceStatus::Wiped,
                97 => DeviceStatus::AccountWiped,
                _ => DeviceStatus::Unprovisioned,
            }
        };
        let (first_sync, last_sync, stale) = if never {
            (None, None, true)
        } else {
            let first = epoch - rng.random_range(30..900) * 86_400 - rng.random_range(0..86_400);
            let age = match rng.random_range(0..100) {
                0..=69 => rng.random_range(60..7 * 86_400),
                70..=89 => rng.random_range(7 * 86_400..90 * 86_400),
                _ => rng.random_range(90 * 86_400..400 * 86_400),
            };
            let last = (epoch - age).max(first);
            (Some(first), Some(last), age > 7 * 86_400)
        };
        let syncing = !stale && status == DeviceStatus::Approved;
        let period = rng.random_range(15 * 60..6 * 3600);
        let sync_every = if cfg.devices_keep_syncing && !never {
            period
        } else {
            0
        };
        devices.push(Device {
            id: rng.random(),
            owners,
            kind,
            profile: profile as u8,
            os,
            ua,
            status,
            first_sync,
            last_sync,
            sync_every,
            active: syncing,
            deleted_at: None,
            changed_at: None,
        });
    }
    devices.sort_by_key(|d| d.id);
    for i in 1..devices.len() {
        // Keys must be unique; a 64-bit collision is astronomically rare but cheap to rule out.
        if devices[i].id <= devices[i - 1].id {
            devices[i].id = devices[i - 1].id + 1;
        }
    }
    devices
}
