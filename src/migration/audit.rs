//! Admin audit events (Reports `applicationName=admin`) as supporting evidence. Only setting
//! names the product's sources document are used: `IMAP_ACCESS` (Gmail's POP and IMAP
//! access). Google Sync itself produces no audit events, and no documented name exists for
//! the mobile settings (Google Sync on/off, iOS automatic push), so those steps get none:
//! offsync never guesses an event name. An audit event never verifies a step on its own
//! ([`EvidenceKind::AuditEvent`] is not primary).
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::evidence::{Evidence, EvidenceKind};
use super::step::StepId;
use crate::model::OuPath;

/// The documented setting names and the step each supports (with the value that supports it).
pub const DOCUMENTED: &[(&str, StepId, &str)] = &[
    ("IMAP_ACCESS", StepId::Imap, "true"),
    ("IMAP_ACCESS", StepId::AltImapOff, "false"),
];

/// One admin audit event reduced to what evidence needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditSeen {
    /// The server's timestamp of the event.
    pub at: DateTime<Utc>,
    pub setting: String,
    pub ou: Option<String>,
    pub old: Option<String>,
    pub new: Option<String>,
    pub actor: Option<String>,
}

/// Whether any step could use audit events at all (so callers read them only when useful).
pub fn documented_for(step: StepId) -> bool {
    DOCUMENTED.iter().any(|(_, s, _)| *s == step)
}

/// Reads the events of one `Activity` (`id.time`, `actor.email`, `events[].parameters`)
/// whose setting name is documented; everything else is left out.
pub fn from_activity(activity: &Value) -> Vec<AuditSeen> {
    let Some(at) = activity["id"]["time"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
    else {
        return Vec::new();
    };
    let param = |e: &Value, name: &str| -> Option<String> {
        e["parameters"]
            .as_array()?
            .iter()
            .find(|p| p["name"] == name)
            .and_then(|p| p["value"].as_str().map(String::from))
    };
    activity["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let setting =
                param(e, "SETTING_NAME").or_else(|| e["name"].as_str().map(String::from))?;
            DOCUMENTED
                .iter()
                .any(|(n, _, _)| *n == setting)
                .then(|| AuditSeen {
                    at,
                    setting,
                    ou: param(e, "ORG_UNIT_NAME"),
                    old: param(e, "OLD_VALUE"),
                    new: param(e, "NEW_VALUE"),
                    actor: activity["actor"]["email"].as_str().map(String::from),
                })
        })
        .collect()
}

/// The newest documented event for `step` at `ou` (or an OU it inherits from) at or after
/// `since`, as supporting evidence with the event's own server timestamp.
pub fn evidence(
    step: StepId,
    ou: &str,
    events: &[AuditSeen],
    since: DateTime<Utc>,
) -> Option<Evidence> {
    let (name, _, wanted) = DOCUMENTED.iter().find(|(_, s, _)| *s == step)?;
    let e = events
        .iter()
        .filter(|e| e.setting == *name && e.at >= since)
        .filter(|e| e.ou.as_deref().is_some_and(|o| OuPath::is_within(ou, o)))
        .max_by_key(|e| e.at)?;
    let supports = e.new.as_deref() == Some(wanted);
    Some(
        Evidence::new(
            EvidenceKind::AuditEvent,
            e.at,
            supports,
            format!(
                "admin audit log: {name} at {} {} → {} by {} at {} (supporting only; never verifies on its own)",
                e.ou.as_deref().unwrap_or("?"),
                e.old.as_deref().unwrap_or("?"),
                e.new.as_deref().unwrap_or("?"),
                e.actor.as_deref().unwrap_or("an admin"),
                e.at.to_rfc3339()
            ),
        ),
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    fn activity(time: &str, ou: &str, new: &str) -> Value {
        json!({"id": {"time": time}, "actor": {"email": "admin@x"}, "events": [{
            "type": "APPLICATION_SETTINGS", "name": "CHANGE_APPLICATION_SETTING",
            "parameters": [{"name": "SETTING_NAME", "value": "IMAP_ACCESS"},
                {"name": "ORG_UNIT_NAME", "value": ou}, {"name": "OLD_VALUE", "value": "false"},
                {"name": "NEW_VALUE", "value": new}]}]})
    }

    #[test]
    fn only_documented_names_at_the_ou_after_the_cutoff_count() {
        let mut seen = from_activity(&activity("2026-03-02T10:00:00Z", "/Pilot", "true"));
        seen.extend(from_activity(&activity(
            "2026-03-01T10:00:00Z",
            "/Pilot",
            "false",
        )));
        seen.extend(from_activity(&activity(
            "2026-03-03T10:00:00Z",
            "/Other",
            "true",
        )));
        let other = json!({"id": {"time": "2026-03-04T10:00:00Z"}, "events": [{"name": "SOMETHING_ELSE",
            "parameters": [{"name": "SETTING_NAME", "value": "GOOGLE_SYNC"}]}]});
        assert!(
            from_activity(&other).is_empty(),
            "undocumented names are dropped"
        );
        let since = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let e = evidence(StepId::Imap, "/Pilot/Sub", &seen, since).unwrap();
        assert_eq!(e.kind, EvidenceKind::AuditEvent);
        assert!(e.supports && !e.verifies(), "supporting, never verifying");
        assert_eq!(
            e.observed_at,
            Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap()
        );
        assert!(e.summary.contains("2026-03-02T10:00:00+00:00"));
        let late = Utc.with_ymd_and_hms(2026, 3, 5, 0, 0, 0).unwrap();
        assert_eq!(evidence(StepId::Imap, "/Pilot", &seen, late), None);
        assert_eq!(evidence(StepId::SyncOff, "/Pilot", &seen, since), None);
        let off = evidence(StepId::AltImapOff, "/Pilot", &seen, since).unwrap();
        assert!(!off.supports);
    }
}
