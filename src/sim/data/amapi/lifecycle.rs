//! The upgrade as it unfolds on each device over sim time (seeds 002–004): a device applies
//! its policy a few minutes after the policy is written (at once when it enrolls); if the
//! policy asks for a Google-authenticated account the user is prompted, or upgraded silently
//! when the required account is already on the device; the user reacts after their own delay;
//! `policyEnforcementRules` for `workAccountSetupConfig` block, then wipe, a device that stays
//! non-compliant.
//!
//! Lazy, like the Directory devices: nothing runs in the background. Every request first
//! brings the enterprise up to the sim clock's now; between two such calls the policies are
//! constant, so each device just replays its events in time order.

use serde_json::Value;

use super::enterprise::{AmDevice, Behaviour, Enterprise, EnterpriseType, Phase};

const DAY: i64 = 86_400;

/// Finds a user of the tenant by email.
pub type Lookup<'a> = dyn Fn(&str) -> Option<u32> + 'a;

/// The parts of a policy the lifecycle reads.
struct Rules {
    version: i64,
    written: i64,
    required: bool,
    email: Option<String>,
    /// (blockAfterDays, wipeAfterDays) of the `workAccountSetupConfig` rule.
    enforce: Option<(i64, i64)>,
}

fn rules(e: &Enterprise, id: &str) -> Rules {
    let p = e.policies.get(id).cloned().unwrap_or(Value::Null);
    let w = &p["workAccountSetupConfig"];
    let enforce = p["policyEnforcementRules"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["settingName"] == "workAccountSetupConfig")
        .and_then(|r| {
            Some((
                r["blockAction"]["blockAfterDays"].as_i64()?,
                r["wipeAction"]["wipeAfterDays"].as_i64()?,
            ))
        });
    Rules {
        version: e.policy_version(id),
        written: e.policy_written.get(id).copied().unwrap_or(i64::MIN),
        required: w["authenticationType"] == "GOOGLE_AUTHENTICATED",
        email: w["requiredAccountEmail"].as_str().map(str::to_string),
        enforce,
    }
}

/// Whether `email` is an account of the enterprise: a user in one of its (verified) domains.
/// A managed Google Play accounts enterprise has no domain, so no account is in it.
pub fn in_enterprise(kind: EnterpriseType, domains: &[String], email: &str) -> bool {
    let domain = email.rsplit_once('@').map_or("", |(_, d)| d);
    kind == EnterpriseType::ManagedGoogleDomain
        && domains.iter().any(|d| d.eq_ignore_ascii_case(domain))
}

#[derive(Debug, Clone, Copy)]
enum Event {
    Apply,
    User,
    Block,
    Wipe,
}

/// The device's next event and when, under constant policy `r`.
fn next(d: &AmDevice, r: &Rules) -> Option<(i64, Event)> {
    if d.wiped_at.is_some() {
        return None;
    }
    let mut out: Vec<(i64, Event)> = Vec::new();
    if d.applied_version != r.version {
        // The policy travels with the enrollment; later changes arrive within ten minutes.
        let lag = (d.enrolled.unsigned_abs() % 600) as i64 + 30;
        out.push((d.enrolled.max(r.written.saturating_add(lag)), Event::Apply));
    }
    match d.phase {
        Phase::Prompted { since, .. } if d.behaviour != Behaviour::Ignores => {
            out.push((since + d.reaction, Event::User))
        }
        Phase::ForeignRemoved { at, retry: true } => out.push((at + d.reaction, Event::User)),
        _ => {}
    }
    if let (Some(since), Some((block, wipe))) = (d.non_compliant_since, r.enforce) {
        if d.blocked_at.is_none() {
            out.push((since + block * DAY, Event::Block));
        }
        out.push((since + wipe * DAY, Event::Wipe));
    }
    out.into_iter().min_by_key(|(at, _)| *at)
}

fn upgrade(d: &mut AmDevice, user: u32) {
    d.account = Some(user);
    if !d.on_device.contains(&user) {
        d.on_device.push(user);
    }
    d.phase = Phase::Upgraded;
    d.non_compliant_since = None;
    d.blocked_at = None;
}

fn waiting_for(d: &mut AmDevice, phase: Phase, at: i64) {
    d.phase = phase;
    d.non_compliant_since.get_or_insert(at);
}

fn apply(d: &mut AmDevice, r: &Rules, e: (EnterpriseType, &[String]), find: &Lookup, at: i64) {
    d.applied_version = r.version;
    d.applied_at = at;
    if !r.required {
        if d.phase != Phase::Upgraded {
            d.phase = Phase::NotRequired;
        }
        d.non_compliant_since = None;
        d.blocked_at = None;
        return;
    }
    // Once a Google-authenticated account is on, a new requiredAccountEmail has no effect.
    if d.phase == Phase::Upgraded {
        return;
    }
    match &r.email {
        Some(email) if !in_enterprise(e.0, e.1, email) => waiting_for(d, Phase::Misconfigured, at),
        Some(email) => match find(email) {
            Some(u) if d.on_device.contains(&u) => upgrade(d, u),
            _ => prompt(d, at),
        },
        None => prompt(d, at),
    }
}

fn prompt(d: &mut AmDevice, at: i64) {
    // A user already on the way keeps their place; anyone else is (re-)prompted now.
    let waiting = matches!(
        d.phase,
        Phase::Prompted { .. } | Phase::ForeignRemoved { retry: true, .. }
    );
    if !waiting {
        waiting_for(
            d,
            Phase::Prompted {
                since: at,
                refused: false,
            },
            at,
        );
    }
}

fn user_acts(d: &mut AmDevice, r: &Rules, e: (EnterpriseType, &[String]), find: &Lookup, at: i64) {
    let tried = matches!(
        d.phase,
        Phase::Prompted { refused: true, .. } | Phase::ForeignRemoved { .. }
    );
    let foreign_now = d.behaviour == Behaviour::ForeignFirst && !tried;
    match &r.email {
        // The sign-in screen refuses any other account; nothing reaches the API.
        Some(_) if foreign_now => {
            d.phase = Phase::Prompted {
                since: at,
                refused: true,
            }
        }
        Some(email) => match find(email) {
            Some(u) => upgrade(d, u),
            // No such account to sign in with: the user tries again later.
            None => {
                d.phase = Phase::Prompted {
                    since: at,
                    refused: true,
                }
            }
        },
        None => {
            if e.0 == EnterpriseType::ManagedGooglePlayAccounts || foreign_now {
                // An account outside the enterprise: removed and reported; the user retries
                // (in a managed Google Play accounts enterprise no account can succeed).
                let retry = e.0 == EnterpriseType::ManagedGoogleDomain;
                waiting_for(d, Phase::ForeignRemoved { at, retry }, at);
            } else if let Some(&u) = d.on_device.first() {
                // The account picker: the user picks an account already on the device.
                upgrade(d, u);
            } else {
                upgrade(d, d.user);
            }
        }
    }
}

/// Brings every device of `e` to `now`.
pub fn advance(e: &mut Enterprise, domains: &[String], find: &Lookup, now: i64) {
    if now <= e.advanced_to {
        return;
    }
    let kind = e.enterprise_type;
    let mut cache: std::collections::HashMap<String, Rules> = Default::default();
    for i in 0..e.devices.len() {
        let pid = e.devices[i].policy.clone();
        if !cache.contains_key(&pid) {
            let r = rules(e, &pid);
            cache.insert(pid.clone(), r);
        }
        let r = &cache[&pid];
        let d = &mut e.devices[i];
        while let Some((at, ev)) = next(d, r) {
            if at > now {
                break;
            }
            match ev {
                Event::Apply => apply(d, r, (kind, domains), find, at),
                Event::User => user_acts(d, r, (kind, domains), find, at),
                Event::Block => d.blocked_at = Some(at),
                Event::Wipe => d.wiped_at = Some(at),
            }
        }
    }
    e.advanced_to = now;
}
