//! Android compliance and policy versions, setting drift, console audit events and Gmail
//! usage days.
use chrono::{DateTime, Utc};

use super::{delta, Diff};
use crate::model::event::instant_key;
use crate::model::feed_state::{AndroidSeen, AuditRecord, Seen, SettingSeen, UsageDay};
use crate::model::{Event, EventKind as K, OuPath, Source};

/// Android devices: became non-compliant (with Google's reasons) or compliant again, and
/// a new policy version applied.
pub fn android(
    old: Option<&Seen<AndroidSeen>>,
    new: &Seen<AndroidSeen>,
    now: DateTime<Utc>,
) -> Diff<AndroidSeen> {
    let Some(old) = old else {
        let mut d = Diff::baseline(Source::Android, new, now, "Android devices");
        let bad = new.values().filter(|a| !a.compliant).count();
        d.events[0]
            .detail
            .push_str(&format!(", {bad} not compliant"));
        return d;
    };
    let at = instant_key(now);
    let mut events = Vec::new();
    for (name, n) in new {
        let o = old.get(name);
        let ev = |kind| {
            Event::new(Source::Android, kind, name, &at, now)
                .ou(n.ou.as_deref())
                .device(name)
                .user(n.user.as_deref())
        };
        let was_compliant = o.is_none_or(|o| o.compliant);
        let old_reasons = o.map(|o| o.reasons.as_slice()).unwrap_or_default();
        if !n.compliant && (was_compliant || old_reasons != n.reasons.as_slice()) {
            let added: Vec<&str> = n
                .reasons
                .iter()
                .filter(|r| !old_reasons.contains(r))
                .map(String::as_str)
                .collect();
            let list: Vec<&str> = if added.is_empty() {
                n.reasons.iter().map(String::as_str).collect()
            } else {
                added
            };
            events.push(ev(K::AndroidNonCompliant).detail(if list.is_empty() {
                "not compliant (Google gave no reason)".to_string()
            } else {
                format!("not compliant: {}", list.join(", "))
            }));
        }
        if n.compliant && !was_compliant {
            let was = o.map(|o| o.reasons.join(", ")).unwrap_or_default();
            events.push(ev(K::AndroidCompliant).detail(format!("compliant again (was {was})")));
        }
        if let (Some(o), Some(v)) = (o, &n.policy_version) {
            if o.policy_version.as_ref() != Some(v) || o.policy != n.policy {
                events.push(ev(K::PolicyApplied).detail(format!(
                    "applied {} version {v} (was {} version {})",
                    n.policy.as_deref().unwrap_or("?"),
                    o.policy.as_deref().unwrap_or("?"),
                    o.policy_version.as_deref().unwrap_or("?"),
                )));
            }
        }
    }
    let (upsert, remove) = delta(old, new);
    Diff {
        events,
        upsert,
        remove,
    }
}

/// Settings (Cloud Identity policies, Android policies' content) against what offsync last
/// set or read: any difference is drift, because offsync records its own changes first.
pub fn settings(
    source: Source,
    old: Option<&Seen<SettingSeen>>,
    new: &Seen<SettingSeen>,
    now: DateTime<Utc>,
) -> Diff<SettingSeen> {
    let Some(old) = old else {
        let what = match source {
            Source::Android => "Android policies",
            _ => "settings",
        };
        return Diff::baseline(source, new, now, what);
    };
    let at = instant_key(now);
    let mut events = Vec::new();
    let ev = |key: &str, s: &SettingSeen, detail: String| {
        Event::new(source, K::SettingDrift, key, &at, now)
            .ou(s.ou.as_deref())
            .detail(detail)
    };
    let place = |s: &SettingSeen| match &s.ou {
        Some(ou) => format!("{} on {ou}", s.label),
        None => s.label.clone(),
    };
    for (key, n) in new {
        match old.get(key) {
            None => events.push(ev(
                key,
                n,
                format!(
                    "{} set to {} outside offsync (was inherited)",
                    place(n),
                    n.value
                ),
            )),
            Some(o) if o.value != n.value => events.push(ev(
                key,
                n,
                format!(
                    "{} changed outside offsync: {} → {}",
                    place(n),
                    o.value,
                    n.value
                ),
            )),
            Some(_) => {}
        }
    }
    for (key, o) in old.iter().filter(|(k, _)| !new.contains_key(*k)) {
        events.push(ev(
            key,
            o,
            format!(
                "{} removed outside offsync (now inherited; was {})",
                place(o),
                o.value
            ),
        ));
    }
    let (upsert, remove) = delta(old, new);
    Diff {
        events,
        upsert,
        remove,
    }
}

/// Console changes from the admin audit log. The ID is Google's identity of the activity,
/// so reading an overlapping window again never duplicates. `first` is the window start of
/// the source's first poll, which a `baseline` event announces.
pub fn audit(
    records: &[AuditRecord],
    first: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Vec<Event> {
    let baseline = first.map(|since| {
        Event::new(
            Source::Audit,
            K::Baseline,
            "console changes",
            &instant_key(now),
            now,
        )
        .detail(format!(
            "first poll: {} console changes since {}",
            records.len(),
            since.format("%Y-%m-%d %H:%M:%SZ")
        ))
    });
    baseline
        .into_iter()
        .chain(records.iter().map(|r| {
            let p = |n| r.parameter(n);
            let ou = p("ORG_UNIT_NAME").map(OuPath::normalize);
            let mut detail = r.name.clone();
            if let Some(s) = p("SETTING_NAME") {
                detail = format!("{detail} {s}");
            }
            if let Some(app) = p("APPLICATION_NAME") {
                detail = format!("{detail} ({app})");
            }
            if let Some(ou) = &ou {
                detail = format!("{detail} on {ou}");
            }
            if let (Some(o), Some(n)) = (p("OLD_VALUE"), p("NEW_VALUE")) {
                detail = format!("{detail}: {o} → {n}");
            }
            if let Some(a) = &r.actor {
                detail = format!("{detail} by {a}");
            }
            Event::new(Source::Audit, K::ConsoleChange, "", &r.id, r.time)
                .ou(ou.as_deref())
                .user(r.actor.as_deref())
                .detail(detail)
        }))
        .collect()
}

/// A new day of Gmail usage; `None` when the newest day is the one already read.
pub fn usage(prev: Option<&UsageDay>, new: &UsageDay, now: DateTime<Utc>) -> Option<Event> {
    if prev.is_some_and(|p| p.day >= new.day) {
        return None;
    }
    let day = new.day.format("%Y-%m-%d").to_string();
    let mut detail = format!(
        "Gmail usage for {day}: {} of {} users used IMAP in the 30 days before",
        new.imap_users, new.users
    );
    if let Some(p) = prev {
        detail.push_str(&format!(" (was {} on {})", p.imap_users, p.day));
    }
    Some(Event::new(Source::Usage, K::GmailUsage, "", &day, now).detail(detail))
}
