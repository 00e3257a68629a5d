//! The per-user Gmail IMAP diagnostic of the `imap` step: `users.settings.getImap` for the
//! users the change reaches, as counts and samples. A diagnostic only: the admin's OU policy
//! overrides what a user set. Gmail reads these only as the user (domain-wide delegation with
//! `sub` = that user) with `gmail.settings.basic`; without that scope the plan says so and
//! where to grant it, and is not failed for it.
use futures::StreamExt;
use serde::Serialize;

use super::observe::Observed;
use super::Migrator;
use crate::google::gmail::ImapSettings;
use crate::google::{scopes, Error};

/// At most this many sample addresses per group.
const SAMPLES: usize = 10;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UserImap {
    /// Users the change reaches.
    pub users: usize,
    /// Users whose setting was read (at most `user_imap_limit`).
    pub read: usize,
    pub enabled: usize,
    pub disabled: usize,
    /// Read, but Google's answer has no `enabled` field.
    pub unset: usize,
    /// Reads that failed for another reason (first few, with the user).
    pub failed: usize,
    pub sample_enabled: Vec<String>,
    pub sample_disabled: Vec<String>,
    pub sample_failed: Vec<String>,
    /// Why the counts are missing or partial, worded for the admin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl UserImap {
    /// Lines for the terminal.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![format!(
            "per-user Gmail IMAP settings (diagnostic; the admin policy overrides them): read {} of {} users: {} enabled, {} disabled, {} unset, {} unreadable",
            self.read, self.users, self.enabled, self.disabled, self.unset, self.failed
        )];
        for (what, sample) in [
            ("enabled", &self.sample_enabled),
            ("disabled", &self.sample_disabled),
            ("unreadable", &self.sample_failed),
        ] {
            if !sample.is_empty() {
                out.push(format!("  {what}, e.g. {}", sample.join(", ")));
            }
        }
        if let Some(n) = &self.note {
            out.push(format!("  note: {n}"));
        }
        out
    }
}

/// Whether Google refused for want of a scope (then every other read fails the same way).
fn missing_scope(e: &Error) -> bool {
    matches!(
        e,
        Error::MissingScopes { .. } | Error::ScopeNotGranted { .. }
    )
}

/// Counts `reads` (user, answer) of `users` users, in the order given.
pub fn summarise(
    users: usize,
    limit: usize,
    reads: Vec<(String, Result<ImapSettings, Error>)>,
    grant: impl Fn() -> String,
) -> UserImap {
    let mut u = UserImap {
        users,
        ..UserImap::default()
    };
    for (email, r) in reads {
        match r {
            Err(e) if missing_scope(&e) => {
                return UserImap {
                    users,
                    note: Some(format!(
                        "not read: Gmail needs the scope {} (each user impersonated); {}. The plan does not depend on it",
                        scopes::GMAIL_SETTINGS,
                        grant()
                    )),
                    ..UserImap::default()
                };
            }
            Err(e) => {
                u.failed += 1;
                if u.sample_failed.len() < SAMPLES {
                    u.sample_failed.push(format!("{email} ({e})"));
                }
            }
            Ok(s) => {
                u.read += 1;
                let (n, sample) = match s.enabled {
                    Some(true) => (&mut u.enabled, Some(&mut u.sample_enabled)),
                    Some(false) => (&mut u.disabled, Some(&mut u.sample_disabled)),
                    None => (&mut u.unset, None),
                };
                *n += 1;
                if let Some(sample) = sample.filter(|s| s.len() < SAMPLES) {
                    sample.push(email);
                }
            }
        }
    }
    if users > limit {
        u.note = Some(format!(
            "only the first {limit} of {users} users were read (migration.user_imap_limit); the counts are a sample, not the whole OU"
        ));
    }
    u
}

impl Migrator {
    /// Reads the Gmail IMAP setting of the users of `ous` (up to the configured limit).
    pub async fn user_imap(&self, obs: &Observed, ous: &[String]) -> UserImap {
        let mut emails: Vec<String> = obs
            .inventory
            .users
            .iter()
            .filter(|u| ous.contains(&u.org_unit_path))
            .map(|u| u.primary_email.clone())
            .collect();
        emails.sort();
        let (users, limit) = (emails.len(), self.settings.user_imap_limit);
        if limit == 0 {
            return UserImap {
                users,
                note: Some("not read: migration.user_imap_limit = 0".into()),
                ..UserImap::default()
            };
        }
        emails.truncate(limit);
        let gmail = self.clients.gmail.clone();
        // In the given order, a few at a time (each read is its own delegated token).
        let reads: Vec<(String, Result<ImapSettings, Error>)> = futures::stream::iter(emails)
            .map(|email| {
                let gmail = gmail.clone();
                async move {
                    let r = gmail.get_imap(&email).await;
                    (email, r)
                }
            })
            .buffered(8)
            .collect()
            .await;
        let client_id = self.clients.client.key_info().client_id.clone();
        summarise(users, limit, reads, || {
            scopes::grant_hint(&[scopes::GMAIL_SETTINGS], Some(&client_id))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(v: Option<bool>) -> Result<ImapSettings, Error> {
        Ok(ImapSettings {
            enabled: v,
            ..ImapSettings::default()
        })
    }

    #[test]
    fn counts_and_samples_and_a_partial_read_says_so() {
        let reads = vec![
            ("a@x".to_string(), on(Some(true))),
            ("b@x".to_string(), on(Some(false))),
            ("c@x".to_string(), on(None)),
            ("d@x".to_string(), Err(Error::Invalid("boom".into()))),
        ];
        let u = summarise(10, 4, reads, String::new);
        assert_eq!(
            (u.read, u.enabled, u.disabled, u.unset, u.failed),
            (3, 1, 1, 1, 1)
        );
        assert_eq!(u.sample_enabled, vec!["a@x"]);
        assert!(u.note.as_deref().unwrap().contains("first 4 of 10"));
        assert!(u.lines()[0].contains("read 3 of 10 users"));
    }

    #[test]
    fn a_missing_scope_is_a_note_not_a_failure() {
        let reads = vec![(
            "a@x".to_string(),
            Err(Error::MissingScopes {
                request: "IMAP settings of a@x".into(),
                scopes: vec![scopes::GMAIL_SETTINGS],
            }),
        )];
        let u = summarise(1, 200, reads, || {
            "grant it in Domain-wide delegation".into()
        });
        assert_eq!(u.read, 0);
        let note = u.note.unwrap();
        assert!(note.contains("gmail.settings.basic") && note.contains("Domain-wide delegation"));
    }
}
