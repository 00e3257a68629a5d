//! Service-account authentication with domain-wide delegation: the key file is checked
//! up front (so a wrong file gets a message naming what is wrong), tokens come from
//! yup-oauth2's JWT-bearer flow at the key's `token_uri`, cached in memory per scope set
//! and refreshed a minute before expiry.
//!
//! Secrets (the private key, assertions, access tokens) never leave this module except as
//! the bearer string handed to the request path: `Auth` has a hand-written `Debug`, and token
//! errors are reduced to Google's error code and description. yup-oauth2 logs whole token
//! requests at `debug` level through the `log` crate, so a log filter must cap it:
//! see [`LOG_FILTER`].
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use yup_oauth2::authenticator::Authenticator;
use yup_oauth2::error::AuthErrorCode;
use yup_oauth2::{DefaultHyperClientBuilder, HyperClientBuilder, ServiceAccountAuthenticator, ServiceAccountKey};

use super::Error;

/// Directives to add to any tracing `EnvFilter`: yup-oauth2 and hyper debug logs would
/// include the signed assertion and tokens.
pub const LOG_FILTER: &str = "yup_oauth2=info,hyper=info,hyper_util=info,rustls=info";

type Connector = <DefaultHyperClientBuilder as HyperClientBuilder>::Connector;
type Inner = Authenticator<Connector>;

/// Something the admin should fix that does not stop offsync (e.g. a readable key file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning(pub String);

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the rest of offsync may know about the key: no private key here.
#[derive(Debug, Clone)]
pub struct KeyInfo {
    pub path: PathBuf,
    pub client_email: String,
    pub client_id: String,
    pub token_uri: String,
}

/// Tokens for the admin subject and, on demand, for individual users (Gmail settings
/// are changed *as* the user).
pub struct Auth {
    key: ServiceAccountKey,
    info: KeyInfo,
    subject: String,
    timeout: Duration,
    by_subject: Mutex<HashMap<String, Arc<Inner>>>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth").field("key", &self.info).field("subject", &self.subject).finish_non_exhaustive()
    }
}

impl Auth {
    /// Reads and checks the key file; no network traffic happens until the first token.
    pub fn new(key_file: &Path, subject: &str, timeout: Duration) -> Result<(Auth, Vec<Warning>), Error> {
        let (key, info, warnings) = load_key(key_file)?;
        let auth = Auth { key, info, subject: subject.to_string(), timeout, by_subject: Mutex::new(HashMap::new()) };
        Ok((auth, warnings))
    }

    pub fn key_info(&self) -> &KeyInfo {
        &self.info
    }

    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// A bearer token for `scopes` as `subject` (default: the admin). `fresh` skips the
    /// cache: used once after an API answered 401 to a cached token.
    pub async fn token(&self, subject: Option<&str>, scopes: &[&'static str], fresh: bool) -> Result<String, Error> {
        let subject = subject.unwrap_or(&self.subject);
        let inner = self.authenticator(subject).await?;
        let res = if fresh { inner.force_refreshed_token(scopes).await } else { inner.token(scopes).await };
        let tok = res.map_err(|e| self.map_error(e, subject, scopes))?;
        tok.token().map(str::to_string).ok_or_else(|| Error::Token { message: "the token endpoint returned no access_token".into() })
    }

    async fn authenticator(&self, subject: &str) -> Result<Arc<Inner>, Error> {
        let mut map = self.by_subject.lock().await;
        if let Some(a) = map.get(subject) {
            return Ok(a.clone());
        }
        let built = ServiceAccountAuthenticator::builder(self.key.clone())
            .subject(subject)
            .with_timeout(self.timeout)
            .build()
            .await
            .map_err(|e| Error::KeyFile {
                path: self.info.path.clone(),
                problem: format!("cannot be used to sign token requests ({})", e.kind()),
            })?;
        let a = Arc::new(built);
        map.insert(subject.to_string(), a.clone());
        Ok(a)
    }

    fn map_error(&self, e: yup_oauth2::Error, subject: &str, scopes: &[&'static str]) -> Error {
        match e {
            yup_oauth2::Error::AuthError(a) => match a.error {
                AuthErrorCode::UnauthorizedClient => Error::ScopeNotGranted {
                    scopes: scopes.to_vec(),
                    client_id: self.info.client_id.clone(),
                    subject: subject.to_string(),
                },
                AuthErrorCode::InvalidGrant => Error::InvalidGrant {
                    description: a.error_description.unwrap_or_else(|| "invalid_grant".into()),
                    subject: subject.to_string(),
                    key_file: self.info.path.clone(),
                },
                code => Error::Token {
                    message: format!("{}: {}", code.as_str(), a.error_description.unwrap_or_default()),
                },
            },
            // Transport failures towards the token endpoint: the message is hyper's, which
            // carries no request body. `Transport` makes the request path retry.
            yup_oauth2::Error::HttpError(h) => Error::Transport {
                request: format!("POST {}", self.info.token_uri),
                message: h.to_string(),
                tries: 1,
            },
            yup_oauth2::Error::HttpClientError(h) => Error::Transport {
                request: format!("POST {}", self.info.token_uri),
                message: h.to_string(),
                tries: 1,
            },
            yup_oauth2::Error::JSONError(j) => {
                Error::Token { message: format!("the token endpoint's answer is not JSON ({j})") }
            }
            other => Error::Token { message: other.to_string() },
        }
    }
}

/// Reads the key file, checking what yup-oauth2 would only report vaguely.
pub fn load_key(path: &Path) -> Result<(ServiceAccountKey, KeyInfo, Vec<Warning>), Error> {
    let bad = |problem: String| Error::KeyFile { path: path.to_path_buf(), problem };
    let bytes = std::fs::read(path).map_err(|e| bad(format!("cannot be read: {e}")))?;
    let mut warnings = Vec::new();
    if let Some(w) = permission_warning(path) {
        tracing::warn!("{w}");
        warnings.push(w);
    }
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        bad(format!(
            "is not JSON (line {}, column {}); download the key again from Cloud console > IAM > Service accounts > Keys",
            e.line(),
            e.column()
        ))
    })?;
    let obj = value.as_object().ok_or_else(|| bad("is JSON but not an object; expected a service-account key".into()))?;
    let text = |k: &str| obj.get(k).and_then(|v| v.as_str()).filter(|s| !s.is_empty());
    match text("type") {
        Some("service_account") => {}
        Some(other) => {
            return Err(bad(format!(
                "is a `{other}` credential, not a service_account key; create a key for the service account \
                 (Cloud console > IAM > Service accounts > Keys > Add key > JSON)"
            )))
        }
        None => return Err(bad("has no `type`; expected \"type\": \"service_account\"".into())),
    }
    let private_key = text("private_key").ok_or_else(|| bad("has no private_key; download the key again".into()))?;
    if !private_key.contains("-----BEGIN PRIVATE KEY-----") && !private_key.contains("-----BEGIN RSA PRIVATE KEY-----") {
        return Err(bad("private_key is not a PEM private key (no BEGIN PRIVATE KEY line)".into()));
    }
    let client_email = text("client_email").ok_or_else(|| bad("has no client_email".into()))?;
    let token_uri = text("token_uri").ok_or_else(|| bad("has no token_uri".into()))?;
    let client_id = text("client_id").unwrap_or("(unknown: the key has no client_id)");
    let info = KeyInfo {
        path: path.to_path_buf(),
        client_email: client_email.into(),
        client_id: client_id.into(),
        token_uri: token_uri.into(),
    };
    let key: ServiceAccountKey =
        serde_json::from_value(value).map_err(|e| bad(format!("has an unexpected shape ({e})")))?;
    Ok((key, info, warnings))
}

#[cfg(unix)]
fn permission_warning(path: &Path) -> Option<Warning> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o077 != 0).then(|| {
        Warning(format!(
            "key file {} is readable by other users (mode {:o}); it grants admin access to the tenant: chmod 600 {}",
            path.display(),
            mode & 0o777,
            path.display()
        ))
    })
}

#[cfg(not(unix))]
fn permission_warning(_: &Path) -> Option<Warning> {
    None
}
