//! The demo has no Admin console to click in and no users' inboxes to email, so this stand-in
//! does what the admin says they did: it follows the demo database's journal and, for each
//! attestation of a console step (Google Sync off, iOS automatic push on, the iOS client
//! trusted) and each user marked as reminded, makes that change through the simulator's
//! own `/_sim/` routes, exactly as the tests do. Only `offsync demo` runs it: against Google
//! an attestation records what the admin did in the console, it never does it.
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{json, Value};

use crate::store::{JournalEntry, Outcome, Store};

/// How often the journal is read (a few rows at most; the database stays local).
const EVERY: Duration = Duration::from_millis(300);

/// Starts following the journal from its current end; abort the task to stop.
pub fn spawn(db: PathBuf, base_url: String) -> color_eyre::Result<tokio::task::JoinHandle<()>> {
    let store = Store::open(&db)?;
    let start = store.journal().list(1)?.first().map(|e| e.id).unwrap_or(0);
    Ok(tokio::spawn(follow(store, start, base_url)))
}

async fn follow(store: Store, mut last: i64, base_url: String) {
    let http = reqwest::Client::new();
    let store = std::sync::Arc::new(std::sync::Mutex::new(store));
    loop {
        tokio::time::sleep(EVERY).await;
        let s = store.clone();
        let read = tokio::task::spawn_blocking(move || {
            s.lock()
                .expect("journal follower lock")
                .journal()
                .after(last)
        })
        .await;
        let entries = match read {
            Ok(Ok(entries)) => entries,
            Ok(Err(e)) => {
                tracing::warn!("the demo console cannot read the journal: {e}");
                continue;
            }
            Err(_) => return,
        };
        for e in entries {
            last = e.id;
            let Some((route, body)) = console_request(&e) else {
                continue;
            };
            let url = format!("{base_url}/_sim/{route}");
            match http.post(&url).json(&body).send().await {
                Ok(r) if r.status().is_success() => {
                    tracing::info!("demo console: {route} {body} (journal {})", e.id)
                }
                Ok(r) => tracing::warn!("demo console: {route} {body}: HTTP {}", r.status()),
                Err(err) => tracing::warn!("demo console: {route} {body}: {err}"),
            }
        }
    }
}

/// The simulator route and body that do what a journal entry says the admin did, if any.
pub fn console_request(e: &JournalEntry) -> Option<(&'static str, Value)> {
    if e.outcome != Outcome::Succeeded {
        return None;
    }
    match e.action.as_str() {
        "migration.attest" => {
            // "OU step"; an OU path may hold spaces, a step never does.
            let (ou, step) = e.target.rsplit_once(' ')?;
            let (setting, enabled) = match step {
                "sync-off" => ("google_sync", false),
                "ios-push" => ("ios_push", true),
                "alt-trust-ios" => ("trusted_ios", true),
                _ => return None,
            };
            Some((
                "console",
                json!({"orgUnitPath": ou, "setting": setting, "enabled": enabled}),
            ))
        }
        "migration.user.reminded" => {
            let (email, _) = e.target.split_once(' ')?;
            Some(("remind", json!({ "emails": [email] })))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str, target: &str) -> JournalEntry {
        JournalEntry {
            id: 1,
            at: chrono::Utc::now(),
            profile: "demo".into(),
            actor: "admin@example.com".into(),
            action: action.into(),
            target: target.into(),
            count: 1,
            request: String::new(),
            gam_command: String::new(),
            outcome: Outcome::Succeeded,
            dry_run: false,
            batch_id: None,
            seq: None,
        }
    }

    #[test]
    fn attestations_and_reminders_become_console_changes() {
        let (route, body) =
            console_request(&entry("migration.attest", "/Suspended Accounts sync-off")).unwrap();
        assert_eq!(route, "console");
        assert_eq!(body["orgUnitPath"], "/Suspended Accounts");
        assert_eq!(body["setting"], "google_sync");
        assert_eq!(body["enabled"], false);
        let (_, body) = console_request(&entry("migration.attest", "/Pilot ios-push")).unwrap();
        assert_eq!(body["setting"], "ios_push");
        assert_eq!(body["enabled"], true);
        let (route, body) =
            console_request(&entry("migration.user.reminded", "ann@example.com -")).unwrap();
        assert_eq!(route, "remind");
        assert_eq!(body["emails"][0], "ann@example.com");
    }

    #[test]
    fn other_entries_and_failures_do_nothing() {
        assert!(console_request(&entry("migration.attest", "/Pilot imap")).is_none());
        assert!(console_request(&entry("migration.user.acknowledged", "a@x -")).is_none());
        assert!(console_request(&entry("block", "R1")).is_none());
        let mut e = entry("migration.attest", "/Pilot sync-off");
        e.outcome = Outcome::Failed("x".into());
        assert!(console_request(&e).is_none());
    }
}
