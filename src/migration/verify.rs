//! Verification: from what offsync can observe about one OU (policies read back, devices,
//! the funnel, usage reports) to an [`Assessment`] of one step. Pure: the caller gathers the
//! observations and passes `now` (the server's clock).
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::evidence::{Evidence, EvidenceKind};
use super::funnel::{classify_device, DeviceClass, UserRow};
use super::imap::ImapValue;
use super::inherit::Effective;
use super::state::{Assessment, StepRecord, Verdict};
use super::step::{StepId, IOS_CLIENT_ID};
use crate::model::{Device, DeviceStatus};

#[derive(Debug, Clone)]
pub struct VerifyConfig {
    /// How long a change may take to show (Google: up to 24 hours).
    pub window: Duration,
    /// How long the Google Sync devices of an OU must stay silent after the cut-off.
    pub quiet: Duration,
    /// Restrict IMAP to this client, when the API shape can carry it.
    pub restrict_to: Option<String>,
}

impl Default for VerifyConfig {
    fn default() -> Self {
        VerifyConfig {
            window: Duration::hours(24),
            quiet: Duration::hours(24),
            restrict_to: None,
        }
    }
}

/// What offsync observed about one OU (and the OUs below it).
pub struct OuView<'a> {
    pub ou: &'a str,
    pub imap: &'a Effective,
    /// `settings/api_controls.third_party_app_access` as read (read-only in the API).
    pub trust: &'a Effective,
    /// Devices whose owner is in the OU or below.
    pub devices: Vec<&'a Device>,
    /// Funnel rows of the OU's users (and below).
    pub users: Vec<&'a UserRow>,
    /// Users of the OU with IMAP use after the change (Reports), if read.
    pub imap_users_after: Option<usize>,
    /// When sync-off took effect for this OU (for the sweep).
    pub cutoff: Option<DateTime<Utc>>,
}

fn done(e: Vec<Evidence>) -> Assessment {
    Assessment {
        verdict: Verdict::Confirmed,
        evidence: e,
    }
}

fn with(verdict: Verdict, e: Vec<Evidence>) -> Assessment {
    Assessment {
        verdict,
        evidence: e,
    }
}

pub fn assess(
    step: StepId,
    rec: &StepRecord,
    v: &OuView<'_>,
    cfg: &VerifyConfig,
    now: DateTime<Utc>,
) -> Assessment {
    match step {
        StepId::Imap => policy(rec, v, cfg, now, true),
        StepId::AltImapOff => policy(rec, v, cfg, now, false),
        StepId::IosPush => replacements_after(rec, v, now, DeviceClass::NativeGoogle),
        StepId::AltTrustIos => trust(rec, v, now),
        StepId::ReAdd => re_add(v, now),
        StepId::SyncOff => sync_off(rec, v, cfg, now),
        StepId::Sweep => sweep(v, now),
    }
}

/// Before the window ends a missing effect is pending; after it, the step failed (or the
/// attestation is contradicted).
fn waiting(rec: &StepRecord, now: DateTime<Utc>, what: &str, e: Vec<Evidence>) -> Assessment {
    match rec.effective_by {
        Some(by) if now < by => with(Verdict::Pending, e),
        Some(by) => with(
            Verdict::TimedOut(format!(
                "{what} by {} (the end of the window)",
                by.to_rfc3339()
            )),
            e,
        ),
        None => with(Verdict::NeedsManual, e),
    }
}

fn policy(
    rec: &StepRecord,
    v: &OuView<'_>,
    cfg: &VerifyConfig,
    now: DateTime<Utc>,
    on: bool,
) -> Assessment {
    let restrict = if on { cfg.restrict_to.as_deref() } else { None };
    let decoded = v.imap.value().map(ImapValue::decode);
    let ok = decoded.as_ref().is_some_and(|d| d.satisfies(on, restrict));
    let shown = v
        .imap
        .value()
        .map(Value::to_string)
        .unwrap_or_else(|| "no value (inherited_or_unknown)".into());
    let read = Evidence::new(
        EvidenceKind::PolicyReadBack,
        now,
        ok,
        format!(
            "settings/gmail.imap_access at {}: {} = {shown}",
            v.ou,
            v.imap.describe()
        ),
    )
    .with_refs(v.imap.setting().map(|s| s.policy.clone()));
    if !ok {
        return waiting(
            rec,
            now,
            "the policy did not read back as written",
            vec![read],
        );
    }
    let mut e = vec![read];
    if let Some(n) = v.imap_users_after.filter(|n| *n > 0 && on) {
        e.push(Evidence::new(
            EvidenceKind::ImapUsage,
            now,
            true,
            format!("{n} users of {} used IMAP after the change (Reports)", v.ou),
        ));
        return done(e);
    }
    match rec.effective_by {
        // Read back, but Google says changes take up to the window to reach users.
        Some(by) if now < by && rec.changed_at.is_some() => with(Verdict::Pending, e),
        _ => done(e),
    }
}

fn replacements_after(
    rec: &StepRecord,
    v: &OuView<'_>,
    now: DateTime<Utc>,
    class: DeviceClass,
) -> Assessment {
    let Some(since) = rec.changed_at else {
        return with(Verdict::NeedsManual, vec![]);
    };
    let new: Vec<&&Device> = v
        .devices
        .iter()
        .filter(|d| classify_device(d) == class && d.first_sync.is_some_and(|t| t >= since))
        .collect();
    let e = Evidence::new(
        EvidenceKind::Replacements,
        now,
        !new.is_empty(),
        format!(
            "{} new {} devices for {} since {}",
            new.len(),
            if class == DeviceClass::NativeGoogle {
                "native Google-account iOS"
            } else {
                "Gmail app"
            },
            v.ou,
            since.to_rfc3339()
        ),
    )
    .with_refs(new.iter().map(|d| d.resource_id.clone()));
    if new.is_empty() {
        waiting(rec, now, "no replacement device appeared", vec![e])
    } else {
        done(vec![e])
    }
}

/// Any object in `v` that names the iOS client and says TRUSTED (the exact shape of
/// `api_controls.third_party_app_access` is not documented, so nothing else is assumed).
fn trusts_ios(v: &Value) -> bool {
    match v {
        Value::Object(m) => {
            let strs: Vec<&str> = m.values().filter_map(Value::as_str).collect();
            (strs.contains(&IOS_CLIENT_ID) && strs.contains(&"TRUSTED"))
                || m.values().any(trusts_ios)
        }
        Value::Array(xs) => xs.iter().any(trusts_ios),
        _ => false,
    }
}

fn trust(rec: &StepRecord, v: &OuView<'_>, now: DateTime<Utc>) -> Assessment {
    let ok = v.trust.value().is_some_and(trusts_ios);
    if ok {
        let e = Evidence::new(
            EvidenceKind::PolicyReadBack,
            now,
            true,
            format!("settings/api_controls.third_party_app_access at {}: the iOS client is trusted ({})", v.ou, v.trust.describe()),
        )
        .with_refs(v.trust.setting().map(|s| s.policy.clone()));
        return done(vec![e]);
    }
    // Not visible through the API: Gmail-app devices appearing after the attestation.
    replacements_after(rec, v, now, DeviceClass::GmailApp)
}

fn re_add(v: &OuView<'_>, now: DateTime<Utc>) -> Assessment {
    let total = v.users.len();
    let behind: Vec<&&UserRow> = v
        .users
        .iter()
        .filter(|u| u.funnel.is_left_behind() && !u.acknowledged)
        .collect();
    let e = Evidence::new(
        EvidenceKind::Replacements,
        now,
        behind.is_empty(),
        format!(
            "{} of {total} Google Sync users of {} switched or acknowledged; {} left behind",
            total - behind.len(),
            v.ou,
            behind.len()
        ),
    )
    .with_refs(behind.iter().map(|u| u.email.clone()));
    if behind.is_empty() {
        done(vec![e])
    } else {
        with(Verdict::NeedsManual, vec![e])
    }
}

fn google_sync_after<'a>(v: &'a OuView<'_>, cut: DateTime<Utc>) -> Vec<&'a Device> {
    v.devices
        .iter()
        .copied()
        .filter(|d| d.is_google_sync() && d.last_sync.is_some_and(|t| t > cut))
        .collect()
}

fn sync_off(
    rec: &StepRecord,
    v: &OuView<'_>,
    cfg: &VerifyConfig,
    now: DateTime<Utc>,
) -> Assessment {
    let Some(cut) = rec.effective_by else {
        return with(Verdict::NeedsManual, vec![]);
    };
    if now < cut {
        return with(Verdict::Pending, vec![]);
    }
    let late = google_sync_after(v, cut);
    if !late.is_empty() {
        let e = Evidence::new(
            EvidenceKind::DevicesStillSyncing,
            now,
            false,
            format!(
                "{} Google Sync devices of {} synced after {}",
                late.len(),
                v.ou,
                cut.to_rfc3339()
            ),
        )
        .with_refs(
            late.iter()
                .map(|d| format!("{} {}", d.resource_id, d.owner().unwrap_or(""))),
        );
        return with(Verdict::Contradicted, vec![e]);
    }
    let quiet_for = now - cut;
    let e = Evidence::new(
        EvidenceKind::DevicesQuiet,
        now,
        quiet_for >= cfg.quiet,
        format!(
            "no Google Sync device of {} synced for {} h since the cut-off {} (quiet window {} h)",
            v.ou,
            quiet_for.num_hours(),
            cut.to_rfc3339(),
            cfg.quiet.num_hours()
        ),
    );
    if quiet_for >= cfg.quiet {
        done(vec![e])
    } else {
        with(Verdict::Pending, vec![e])
    }
}

/// Google Sync devices of the OU the sweep would block: unblocked, synced after the cut-off.
pub fn sweep_targets<'a>(v: &'a OuView<'_>) -> Vec<&'a Device> {
    let Some(cut) = v.cutoff else {
        return Vec::new();
    };
    google_sync_after(v, cut)
        .into_iter()
        .filter(|d| d.status != DeviceStatus::Blocked)
        .collect()
}

fn sweep(v: &OuView<'_>, now: DateTime<Utc>) -> Assessment {
    let Some(cut) = v.cutoff else {
        return with(Verdict::NeedsManual, vec![]);
    };
    let targets = sweep_targets(v);
    let e = Evidence::new(
        if targets.is_empty() {
            EvidenceKind::DevicesQuiet
        } else {
            EvidenceKind::DevicesStillSyncing
        },
        now,
        targets.is_empty() && now >= cut,
        format!(
            "{} unblocked Google Sync devices of {} synced after {}",
            targets.len(),
            v.ou,
            cut.to_rfc3339()
        ),
    )
    .with_refs(
        targets
            .iter()
            .map(|d| format!("{} {}", d.resource_id, d.owner().unwrap_or(""))),
    );
    if targets.is_empty() && now >= cut {
        done(vec![e])
    } else {
        with(Verdict::NeedsManual, vec![e])
    }
}
