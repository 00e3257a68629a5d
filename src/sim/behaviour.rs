//! Simulated people. Once IMAP (and, where the admin turned it on, iOS automatic push) have
//! propagated to their OU, users add their work account as Google and their Google Sync
//! phones go stale; on the Gmail-app path they move once the iOS client is trusted. Some
//! never move, some only after a reminder, and users whose Exchange profile an EMM pushed
//! move only after the EMM pushes a Google account profile. Once Google Sync is off for an
//! OU, its Google Sync devices stop syncing, whoever owns them.
//!
//! Lazy like device syncing: [`settle`] runs before API requests (at most once per sim
//! minute) and catches up to the sim clock, and does nothing at all until something the
//! users react to happened during this run.
use std::collections::HashMap;

use super::config::Behaviour;
use super::data::console::{ConsoleSetting, Persona};
use super::state::Shared;
use super::tenant::{mix, Device, DeviceKind, DeviceStatus, Tenant};
use super::tenant_data::{IMAP_SETTING, IOS_GMAIL_PROFILE};
use super::SimConfig;

fn persona(t: &Tenant, cfg: &Behaviour, u: u32) -> Persona {
    if let Some(p) = t.console.personas.get(&u) {
        return *p;
    }
    let x = (mix(t.users[u as usize].id ^ 0xbe4a_710e) % 100) as u8;
    drawn(cfg, x)
}

fn drawn(cfg: &Behaviour, x: u8) -> Persona {
    if x < cfg.never_pct {
        Persona::Never
    } else if x < cfg.never_pct.saturating_add(cfg.reminder_pct) {
        Persona::AfterReminder
    } else {
        Persona::Prompt
    }
}

/// IMAP for users of `ou` at `now`: (enabled, since when, if a write during this run did it).
pub fn imap_effect(t: &Tenant, mut ou: usize, now: i64, prop: i64) -> (Option<bool>, Option<i64>) {
    loop {
        if let Some(p) = t
            .policies
            .iter()
            .find(|p| p.ou == ou && p.setting_type == IMAP_SETTING)
        {
            let on = p
                .effect(now, prop)
                .and_then(|v| v["enableImapAccess"].as_bool());
            let since = p.written_at.map(|w| w + prop).filter(|s| *s <= now);
            return (on, since);
        }
        match t.org_units[ou].parent {
            Some(parent) => ou = parent,
            None => return (None, None),
        }
    }
}

/// Whether an EMM manages this device's Exchange profile.
pub fn emm_managed(t: &Tenant, cfg: &SimConfig, d: &Device) -> bool {
    d.kind == DeviceKind::GoogleSync
        && (d.profile().emm
            || d.owners.first().is_some_and(|&u| {
                let path = &t.org_units[t.users[u as usize].ou].path;
                cfg.emm_ous.iter().any(|o| o == path)
            }))
}

/// Catches user behaviour up to `now`.
pub fn settle(s: &Shared, now: i64) {
    {
        let t = s.read();
        if !t.console.active || now - t.console.settled_at < 60 {
            return;
        }
    }
    let mut t = s.write();
    if now - t.console.settled_at < 60 {
        return;
    }
    run(&mut t, &s.cfg, now);
    t.console.settled_at = now;
}

/// When users of each OU can move: (standard path, Gmail-app path, EMM profile, sync off).
struct OuTimes {
    ready: Option<i64>,
    gmail_app: Option<i64>,
    emm: Option<i64>,
    sync_off: Option<i64>,
}

fn ou_times(t: &Tenant, ou: usize, now: i64, prop: i64) -> OuTimes {
    let c = &t.console;
    let on_since = |s: ConsoleSetting| match c.effective(t, ou, s, now, prop) {
        (true, Some(at)) => Some(at),
        _ => None,
    };
    let ready = match imap_effect(t, ou, now, prop) {
        (Some(true), Some(since)) => match c.saved(t, ou, ConsoleSetting::IosPush) {
            Some(v) if v.on => on_since(ConsoleSetting::IosPush).map(|p| p.max(since)),
            _ => Some(since),
        },
        _ => None,
    };
    let sync_off = match c.effective(t, ou, ConsoleSetting::GoogleSync, now, prop) {
        (false, Some(at)) => Some(at),
        _ => None,
    };
    OuTimes {
        ready,
        gmail_app: on_since(ConsoleSetting::TrustedIos),
        emm: on_since(ConsoleSetting::EmmGoogleAccount),
        sync_off,
    }
}

impl OuTimes {
    /// Users of the OU can move (the path they are on has taken effect).
    fn can_move(&self) -> bool {
        self.ready.is_some() || self.gmail_app.is_some() || self.emm.is_some()
    }
}

/// Google Sync devices (by ID) of each first owner, ordered by user: what a pass walks.
/// Kept in the console between passes (switching adds no Google Sync device), dropped by
/// [`Tenant::reindex`] whenever owners may have changed.
pub fn sync_index(devices: &[Device]) -> Vec<(u32, Vec<u64>)> {
    let mut by_user: HashMap<u32, Vec<u64>> = HashMap::new();
    for d in devices {
        if d.kind == DeviceKind::GoogleSync {
            if let Some(&u) = d.owners.first() {
                by_user.entry(u).or_default().push(d.id);
            }
        }
    }
    let mut out: Vec<(u32, Vec<u64>)> = by_user.into_iter().collect();
    out.sort_unstable_by_key(|(u, _)| *u);
    out
}

fn run(t: &mut Tenant, cfg: &SimConfig, now: i64) {
    let prop = cfg.propagation.as_secs() as i64;
    let times: Vec<OuTimes> = (0..t.org_units.len())
        .map(|o| ou_times(t, o, now, prop))
        .collect();
    // At the demo's 1440x clock a pass runs many times a real second: walk only the users of
    // OUs where something took effect, through an index built once, never every device.
    if times.iter().all(|o| !o.can_move() && o.sync_off.is_none()) {
        return;
    }
    let index = match t.console.sync_index.take() {
        Some(i) => i,
        None => sync_index(&t.devices),
    };
    let (lo, hi) = cfg.behaviour.switch_after;
    let mut new_devices = Vec::new();
    for (u, ids) in &index {
        let u = *u;
        let user = &t.users[u as usize];
        let times = &times[user.ou];
        if !times.can_move() && times.sync_off.is_none() {
            continue;
        }
        let devs: Vec<usize> = ids
            .iter()
            .filter_map(|id| t.devices.binary_search_by_key(id, |d| d.id).ok())
            .collect();
        if times.can_move() && !t.console.switched.contains_key(&u) {
            if let Some((at, d)) = switch(t, cfg, u, times, &devs, (lo, hi), now) {
                new_devices.push(d);
                t.console.switched.insert(u, at);
            }
        }
        // Google Sync off: every Google Sync device of the OU stops at the cut-off.
        if let Some(off) = times.sync_off {
            for &i in &devs {
                let d = &mut t.devices[i];
                if d.active {
                    d.last_sync = d.last_sync_at(off);
                    d.active = false;
                }
            }
        }
    }
    if !new_devices.is_empty() {
        for mut d in new_devices {
            while t.devices.binary_search_by_key(&d.id, |x| x.id).is_ok() {
                d.id = d.id.wrapping_add(1);
            }
            let at = t.devices.partition_point(|x| x.id < d.id);
            t.devices.insert(at, d);
        }
        t.reindex();
    }
    t.console.sync_index = Some(index);
}

/// When user `u` moves, if by `now`: their Google Sync devices stop at that instant and the
/// replacement they end up with.
fn switch(
    t: &mut Tenant,
    cfg: &SimConfig,
    u: u32,
    times: &OuTimes,
    devs: &[usize],
    (lo, hi): (u32, u32),
    now: i64,
) -> Option<(i64, Device)> {
    let user = &t.users[u as usize];
    let emm = devs.iter().any(|&i| emm_managed(t, cfg, &t.devices[i]));
    let gmail = times.ready.is_none() && times.gmail_app.is_some();
    let base = if emm {
        times.emm
    } else {
        times.ready.or(times.gmail_app)
    };
    let base = match persona(t, &cfg.behaviour, u) {
        Persona::Never => None,
        Persona::AfterReminder => base.and_then(|b| t.console.reminded.get(&u).map(|r| b.max(*r))),
        Persona::Prompt => base,
    };
    let delay = lo as i64 + (mix(user.id ^ 0xd1a7) % (hi.saturating_sub(lo).max(1) as u64)) as i64;
    let at = base.map(|b| b + delay).filter(|at| *at <= now)?;
    let android = devs
        .iter()
        .any(|&i| t.devices[i].os().starts_with("Android"));
    let user_id = user.id;
    for &i in devs {
        let d = &mut t.devices[i];
        d.last_sync = d.last_sync_at(at);
        d.active = false;
    }
    Some((at, replacement(u, user_id, at, android, gmail)))
}

/// The phone the user ends up with: a native Google account on iOS, the Gmail app, or (for an
/// Android Exchange user) the Android Google account with Gmail.
fn replacement(owner: u32, user_id: u64, at: i64, android: bool, gmail: bool) -> Device {
    let (kind, profile) = if android {
        (DeviceKind::Android, 0)
    } else if gmail {
        (DeviceKind::IosSync, IOS_GMAIL_PROFILE)
    } else {
        (DeviceKind::IosSync, 0)
    };
    Device {
        id: mix(user_id ^ 0x5717_c4ed),
        owners: vec![owner],
        kind,
        profile,
        os: 0,
        ua: 0,
        status: DeviceStatus::Approved,
        first_sync: Some(at),
        last_sync: Some(at),
        sync_every: 900 + (mix(user_id ^ 0x5e) % 5 * 3600) as u32,
        active: true,
        deleted_at: None,
        // New: with a search lag, queries do not see it until the index catches up.
        changed_at: Some(at),
    }
}
