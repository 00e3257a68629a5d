//! Pins the make-up of `/Pilot` after the seeded draws ([`crate::sim::PilotShape`], used by
//! the demo): every pilot user is active and on Google Sync with a phone that syncs on its
//! own and carries no EMM profile, and their personas are fixed, so any seed gives a pilot
//! where some users move at once, some only after a reminder and some never.
//!
//! Runs after every random draw and uses only hashes of IDs, so the rest of the tenant is the
//! one the seed gives, and the same seed still gives the same tenant.

use std::collections::HashMap;

use super::console::Persona;
use super::tenant::{mix, Device, DeviceKind, DeviceStatus, User};
use super::tenant_data as data;
use crate::sim::config::PilotShape;

/// Reshapes the devices of `/Pilot`'s users in place and returns the pinned personas.
pub fn apply(
    shape: PilotShape,
    pilot: usize,
    users: &mut [User],
    devices: &mut Vec<Device>,
    epoch: i64,
) -> HashMap<u32, Persona> {
    let mut members: Vec<u32> = (0..users.len() as u32)
        .filter(|&u| users[u as usize].ou == pilot)
        .collect();
    for &u in &members {
        let user = &mut users[u as usize];
        user.suspended = false;
        user.last_login = Some(epoch - (mix(user.id ^ 0x1091) % 86_400) as i64);
    }
    let mut owned: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, d) in devices.iter().enumerate() {
        if let Some(&o) = d.owners.first() {
            owned.entry(o).or_default().push(i);
        }
    }
    // Phones beyond a pilot user's one or two go to users outside the pilot, so nobody in
    // it already has a replacement and each persona shows. A pilot user without a phone is
    // handed one from outside; only a tenant without spare phones gets new ones.
    let others: Vec<u32> = (0..users.len() as u32)
        .filter(|&u| users[u as usize].ou != pilot && !users[u as usize].suspended)
        .collect();
    let member: std::collections::HashSet<u32> = members.iter().copied().collect();
    // Phones a pilot user without one can be handed (so the device count stays exact).
    let mut spare: Vec<usize> = (0..devices.len())
        .filter(|&i| {
            devices[i]
                .owners
                .first()
                .is_some_and(|o| !member.contains(o))
        })
        .collect();
    let mut added = false;
    for &u in &members {
        let id = users[u as usize].id;
        let mut list = owned.get(&u).cloned().unwrap_or_default();
        if list.is_empty() && !spare.is_empty() {
            let i = spare.swap_remove((mix(id ^ 0x5a1e) % spare.len() as u64) as usize);
            devices[i].owners = vec![u];
            list.push(i);
        }
        if list.is_empty() {
            let mut d = blank(mix(id ^ 0x9170_7e5a), u);
            on_google_sync(&mut d, id, epoch);
            devices.push(d);
            added = true;
            continue;
        }
        // A second Exchange device (an iPad, say) for about a third of them.
        let keep = if mix(id ^ 0x2d) % 3 == 0 { 2 } else { 1 };
        for (n, &i) in list.iter().enumerate() {
            if n < keep {
                on_google_sync(&mut devices[i], id, epoch);
            } else if !others.is_empty() {
                let to = others[(mix(devices[i].id ^ 0x0e1) % others.len() as u64) as usize];
                devices[i].owners = vec![to];
            }
        }
    }
    if added {
        devices.sort_by_key(|d| d.id);
        for i in 1..devices.len() {
            if devices[i].id <= devices[i - 1].id {
                devices[i].id = devices[i - 1].id + 1;
            }
        }
    }
    // Hash order, not email order, so the personas do not follow the alphabet.
    members.sort_by_key(|&u| mix(users[u as usize].id ^ 0x9e75_0a11));
    members
        .iter()
        .enumerate()
        .map(|(rank, &u)| {
            let p = if rank < shape.never {
                Persona::Never
            } else if rank < shape.never + shape.after_reminder {
                Persona::AfterReminder
            } else {
                Persona::Prompt
            };
            (u, p)
        })
        .collect()
}

/// An Exchange profile the user added by hand (an iPhone mostly, sometimes Android), active,
/// approved, synced within the last hours.
fn on_google_sync(d: &mut Device, user_id: u64, epoch: i64) {
    let h = mix(d.id ^ user_id ^ 0x5e7);
    let choices: Vec<usize> = data::GOOGLE_SYNC
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.emm)
        .map(|(i, _)| i)
        .collect();
    // The first non-EMM profile (an iPhone) three times in four.
    let profile = if h % 4 == 0 {
        choices[(h as usize / 4) % choices.len()]
    } else {
        choices[0]
    };
    let p = &data::GOOGLE_SYNC[profile];
    d.kind = DeviceKind::GoogleSync;
    d.profile = profile as u8;
    d.os = ((h >> 8) % p.os.len() as u64) as u8;
    // Apple's own agent or Samsung's: an EMM app's agent (Boxer) would mark it EMM-managed.
    d.ua = if p.user_agents.iter().any(|a| a.starts_with("Boxer")) {
        0
    } else {
        ((h >> 16) % p.user_agents.len() as u64) as u8
    };
    d.status = DeviceStatus::Approved;
    d.first_sync = Some(epoch - 60 * 86_400 - ((h >> 24) % (400 * 86_400)) as i64);
    d.last_sync = Some(epoch - ((h >> 40) % (3 * 3600)) as i64);
    d.sync_every = 15 * 60 + ((h >> 32) % (3 * 3600)) as u32;
    d.active = true;
    d.deleted_at = None;
    d.changed_at = None;
}

fn blank(id: u64, owner: u32) -> Device {
    Device {
        id,
        owners: vec![owner],
        kind: DeviceKind::GoogleSync,
        profile: 0,
        os: 0,
        ua: 0,
        status: DeviceStatus::Approved,
        first_sync: None,
        last_sync: None,
        sync_every: 0,
        active: true,
        deleted_at: None,
        changed_at: None,
    }
}
