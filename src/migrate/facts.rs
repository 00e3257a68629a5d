//! Facts the admin records (attest, skip, override, acknowledge, plan): journaled as done at
//! once, with their migration row. Nothing here sends anything to Google: every write goes
//! through the change engine (`crate::change`, see `send.rs`).
use chrono::{DateTime, Utc};

use super::{Migrator, Result};
use crate::store::{ChangeRow, JournalEntry, Outcome, Store};

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
