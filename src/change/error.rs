//! What can stop a change, typed so the dashboard and `offsync act` can tell a missing
//! scope or read-only mode from a network failure, and worded for the admin.
use std::sync::Arc;

use thiserror::Error;

use crate::google;
use crate::store::StoreError;

#[derive(Debug, Error)]
pub enum ChangeError {
    /// Google refused or failed the request (status, reason, missing scope inside).
    #[error(transparent)]
    Google(#[from] google::Error),
    /// The clients could not be built (key file, config), so nothing can be sent.
    #[error("cannot send changes: {0}")]
    Clients(Arc<google::Error>),
    /// The profile is read-only: nothing was sent.
    #[error(
        "read-only mode: no change was sent; drop --readonly / readonly = true to allow changes"
    )]
    ReadOnly,
    /// The journal could not record the change, so it was not sent (a change offsync
    /// cannot account for is never made).
    #[error("the journal could not record the change, so it was not sent: {0}")]
    Journal(#[from] StoreError),
    /// The migration facts of a policy write could not be recorded, so it was not sent.
    #[error(
        "the journal could not record the migration step of the change, so it was not sent: {0}"
    )]
    Migration(#[from] crate::store::MigrationStoreError),
    /// Google accepted the request but its operation reports an error.
    #[error("operation {name} failed: {error}")]
    Operation { name: String, error: String },
    /// A saved plan or batch that cannot be used as it is.
    #[error("{0}")]
    Refused(String),
    /// A background thread died (a bug); the message says which step.
    #[error("internal error while {0}")]
    Internal(String),
}

impl ChangeError {
    /// The scopes the token lacked, when that is why Google refused.
    pub fn missing_scopes(&self) -> Option<&[&'static str]> {
        match self {
            ChangeError::Google(google::Error::MissingScopes { scopes, .. })
            | ChangeError::Google(google::Error::ScopeNotGranted { scopes, .. }) => Some(scopes),
            _ => None,
        }
    }

    pub fn is_read_only(&self) -> bool {
        matches!(
            self,
            ChangeError::ReadOnly | ChangeError::Google(google::Error::ReadOnly { .. })
        )
    }
}

/// Per-target failures travel to the UI as shared values (one error may be reported to
/// several places: the table, the Log pane and the status line).
pub type Failure = Arc<ChangeError>;
