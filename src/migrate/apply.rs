//! The one place a migration change is sent: journal first (planned), then the call, then
//! the outcome; a crash in between leaves a planned journal entry and a claimed step that
//! [`recover`] resolves by reading the policy back. Kept small on purpose: this is where the
//! shared change engine plugs in, and nothing else in `migrate` sends a mutating request.
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{MigrateError, Migrator, Result};
use crate::google::policy::Operation;
use crate::migration::{ImapValue, PolicyChange, PolicyMethod};
use crate::store::{ChangeRow, JournalEntry, Outcome, Store};

/// What a journal entry says about the call it precedes.
pub(super) struct Call<'a> {
    pub action: &'a str,
    pub target: &'a str,
    pub request: &'a str,
    pub gam: &'a str,
}

/// Writes the planned journal entry and its migration facts; returns the entry id.
pub(super) fn journal_planned(
    store: &mut Store,
    m: &Migrator,
    now: DateTime<Utc>,
    call: Call<'_>,
    change: ChangeRow,
) -> Result<i64> {
    let id = store.journal().append(&JournalEntry {
        id: 0,
        at: now,
        profile: m.profile.clone(),
        actor: m.actor.clone(),
        action: call.action.to_string(),
        target: call.target.to_string(),
        count: 1,
        request: call.request.to_string(),
        gam_command: call.gam.to_string(),
        outcome: Outcome::Planned,
        dry_run: false,
        batch_id: None,
        seq: None,
    })?;
    store.migration().record_change(&ChangeRow {
        journal_id: id,
        ..change
    })?;
    Ok(id)
}

/// A record of something the admin did or said (attest, skip, override, acknowledge): it is
/// journaled as done at once.
pub(super) fn journal_fact(
    store: &mut Store,
    m: &Migrator,
    now: DateTime<Utc>,
    action: &str,
    ou: &str,
    step: &str,
    reason: Option<&str>,
) -> Result<i64> {
    let id = store.journal().append(&JournalEntry {
        id: 0,
        at: now,
        profile: m.profile.clone(),
        actor: m.actor.clone(),
        action: action.to_string(),
        target: format!("{ou} {step}"),
        count: 1,
        request: "(recorded by offsync; nothing sent to Google)".into(),
        gam_command: String::new(),
        outcome: Outcome::Succeeded,
        dry_run: false,
        batch_id: None,
        seq: None,
    })?;
    store.migration().record_change(&ChangeRow {
        journal_id: id,
        ou: ou.into(),
        step: step.into(),
        before: None,
        after: None,
        reason: reason.map(String::from),
        operation: None,
    })?;
    Ok(id)
}

pub(super) fn request_line(c: &PolicyChange) -> String {
    match &c.method {
        PolicyMethod::Create { .. } => "POST v1/policies".into(),
        PolicyMethod::Patch { policy } => format!("PATCH v1/{policy}"),
        PolicyMethod::Delete { policy } => format!("DELETE v1/{policy}"),
    }
}

/// GAM has no command for Cloud Identity policy writes; say so rather than invent one.
pub(super) const NO_GAM: &str = "(no GAM equivalent; read with: gam print policies)";

pub(super) enum Sent {
    /// Google accepted the write; the operation (no poll method exists) and a new policy.
    Accepted {
        operation: String,
        created: Option<String>,
    },
    /// Google refuses to mutate this setting through the API: a console step instead.
    NotMutable(String),
    Failed(String),
}

/// Sends one policy change (the read-only check happens in the client, before sending).
pub(super) async fn send_policy(m: &Migrator, c: &PolicyChange) -> Result<Sent> {
    let res: std::result::Result<Operation, crate::google::Error> = match (&c.method, &c.after) {
        (PolicyMethod::Create { org_unit_id }, Some(v)) => {
            m.clients
                .policy
                .create(org_unit_id, &c.setting_type, v)
                .await
        }
        (PolicyMethod::Patch { policy }, Some(v)) => {
            let p = crate::google::policy::CiPolicy {
                name: policy.clone(),
                setting: crate::google::policy::Setting {
                    setting_type: c.setting_type.clone(),
                    value: v.clone(),
                },
                ..Default::default()
            };
            m.clients.policy.patch(&p).await
        }
        (PolicyMethod::Delete { policy }, _) => m.clients.policy.delete(policy).await,
        (_, None) => {
            return Err(MigrateError::Refused(
                "a create or patch needs a value".into(),
            ))
        }
    };
    Ok(match res {
        Ok(op) if op.error.is_some() => Sent::Failed(format!(
            "operation {} failed: {}",
            op.name,
            op.error.unwrap_or_default()
        )),
        Ok(op) => Sent::Accepted {
            created: op
                .response
                .as_ref()
                .and_then(|r| r["name"].as_str())
                .filter(|_| matches!(c.method, PolicyMethod::Create { .. }))
                .map(String::from),
            operation: op.name,
        },
        Err(e @ crate::google::Error::ReadOnly { .. }) => return Err(e.into()),
        Err(e) if is_not_mutable(&e) => Sent::NotMutable(e.to_string()),
        Err(e) => Sent::Failed(e.to_string()),
    })
}

/// Google's answer for a setting the Policy API does not mutate (400 FAILED_PRECONDITION /
/// "not supported"), as opposed to a transient or permission failure.
fn is_not_mutable(e: &crate::google::Error) -> bool {
    let text = e.to_string();
    (e.status() == Some(400) && e.reason() == Some("failedPrecondition"))
        || text.contains("not supported for mutation")
}

/// Whether the value now read at the OU is what the change wrote.
pub(super) fn landed(after: Option<&Value>, now_at_ou: Option<&Value>) -> bool {
    match (after, now_at_ou) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            let (a, b) = (ImapValue::decode(a), ImapValue::decode(b));
            a.enabled.is_some() && a == b
        }
        _ => false,
    }
}
