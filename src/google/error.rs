//! `google::Error`: every way a Google call can fail, typed so retry logic and the UI can
//! `match` on it, and worded so the admin reads what happened, where, and what to do.
//!
//! Secrets never reach this type: requests are described by method and path (+ query) only,
//! and token endpoint answers are reduced to Google's error code and description.
use std::path::PathBuf;

use thiserror::Error;

use super::scopes;

#[derive(Debug, Error)]
pub enum Error {
    /// Google answered with an error status that is not one of the cases below.
    #[error("{request}: HTTP {status}{} {message}{}{}", reason_text(reason), tries_text(*tries), hint_text(hint))]
    Api {
        status: u16,
        /// Google's `errors[0].reason` (`backendError`, `notFound`, …), when given.
        reason: Option<String>,
        message: String,
        /// `METHOD path?query`, never a token.
        request: String,
        tries: u32,
        hint: Option<String>,
    },
    /// 403 `insufficientPermissions`: the token lacks the scope this method needs.
    #[error(
        "{request}: the access token lacks scope {}; {}",
        scope_list(scopes),
        scopes::grant_hint(scopes, None)
    )]
    MissingScopes {
        scopes: Vec<&'static str>,
        request: String,
    },
    /// The token endpoint said `unauthorized_client`: the scopes are not granted under
    /// domain-wide delegation (or the client ID is not listed at all).
    #[error(
        "the service account's client ID is not authorized for scope(s) {}: {}",
        scope_list(scopes),
        scopes::grant_hint(scopes, Some(client_id))
    )]
    ScopeNotGranted {
        scopes: Vec<&'static str>,
        client_id: String,
        subject: String,
    },
    /// The token endpoint said `invalid_grant`: bad key, clock skew or an unknown subject.
    #[error(
        "Google refused the service-account grant for {subject}: {description}\n  hint: check that the key \
         in {key_file} is current (not deleted in Cloud console), that this machine's clock is right, and \
         that {subject} is an existing, unsuspended admin of the tenant"
    )]
    InvalidGrant {
        description: String,
        subject: String,
        key_file: PathBuf,
    },
    /// Another token endpoint failure (code and description only).
    #[error("getting an access token failed: {message}")]
    Token { message: String },
    /// The key file cannot be used; `problem` says what is wrong with it.
    #[error("service-account key file {path}: {problem}")]
    KeyFile { path: PathBuf, problem: String },
    /// No HTTP answer (timeout, connection refused or reset), after `tries` attempts.
    #[error("{request}: {message} (after {tries} tries)\n  hint: check the network path to Google, or raise http.timeout_secs")]
    Transport {
        request: String,
        message: String,
        tries: u32,
    },
    /// A success answer whose body is not what the discovery document says.
    #[error("{request}: unexpected response body: {message}")]
    Decode { request: String, message: String },
    /// A mutating call was refused locally because the profile is read-only.
    #[error("read-only mode: refused to {what} (nothing was sent); drop --readonly / readonly = true to allow changes")]
    ReadOnly { what: String },
    /// A listing failed part-way; the items already delivered are valid and kept.
    #[error("listing {what} stopped after {fetched} items: {source}")]
    Listing {
        what: &'static str,
        fetched: u64,
        source: Box<Error>,
    },
    /// A request offsync refuses to build (e.g. an invalid policy patch).
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    /// The HTTP status Google answered, looking through a partial listing.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::MissingScopes { .. } => Some(403),
            Error::Listing { source, .. } => source.status(),
            _ => None,
        }
    }

    /// Google's `reason`, looking through a partial listing.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Error::Api { reason, .. } => reason.as_deref(),
            Error::MissingScopes { .. } => Some("insufficientPermissions"),
            Error::Listing { source, .. } => source.reason(),
            _ => None,
        }
    }

    /// The innermost error (through `Listing`).
    pub fn root(&self) -> &Error {
        match self {
            Error::Listing { source, .. } => source.root(),
            other => other,
        }
    }
}

fn reason_text(reason: &Option<String>) -> String {
    reason
        .as_deref()
        .map(|r| format!(" {r}:"))
        .unwrap_or_else(|| ":".into())
}

fn tries_text(tries: u32) -> String {
    if tries > 1 {
        format!(" (after {tries} tries)")
    } else {
        String::new()
    }
}

fn hint_text(hint: &Option<String>) -> String {
    hint.as_deref()
        .map(|h| format!("\n  hint: {h}"))
        .unwrap_or_default()
}

fn scope_list(s: &[&str]) -> String {
    s.join(", ")
}
