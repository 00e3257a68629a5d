//! Service-account authentication with domain-wide delegation: the JWT-bearer grant
//! (RFC 7523) at the key's `token_uri`. The key file is checked up front, so a wrong file
//! gets a message naming what is wrong; tokens are cached in memory per (subject, scopes)
//! and replaced a minute before they expire.
//!
//! Why not yup-oauth2's `ServiceAccountAuthenticator`: yup-oauth2 12 encodes JWT segments
//! as *padded* base64url, which RFC 7515 forbids. Google happens to accept it, strict
//! servers (and offsync's simulator) do not; yup-oauth2 also logs whole token requests,
//! assertion included, at `debug` level. The grant is small, so it is done here with
//! `jsonwebtoken`, unpadded, and nothing secret is ever logged.
//!
//! Secrets (the private key, assertions, access tokens) never leave this module except as
//! the bearer string handed to the request path: nothing here derives `Debug` over them,
//! and token errors are reduced to Google's error code and description.
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use tokio::sync::Mutex;

use super::Error;

/// Directives to add to any tracing `EnvFilter`, in case a dependency logs HTTP bodies.
pub const LOG_FILTER: &str = "hyper=info,hyper_util=info,rustls=info,reqwest=info";

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Replace a cached token when less than this is left (yup-oauth2 and Google's libraries
/// use the same margin).
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);

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
    pub private_key_id: Option<String>,
}

struct Cached {
    token: String,
    refresh_at: Instant,
}

/// Tokens for the admin subject and, on demand, for individual users (Gmail settings
/// are changed *as* the user).
pub struct Auth {
    signer: EncodingKey,
    info: KeyInfo,
    subject: String,
    http: reqwest::Client,
    /// Held across a token request so concurrent callers wait for one grant instead of
    /// each minting their own (a partitioned listing starts dozens of requests at once).
    cache: Mutex<HashMap<(String, String), Cached>>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("key", &self.info)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

#[derive(serde::Serialize)]
struct Claims<'a> {
    iss: &'a str,
    /// Absent for a key used as the service account itself (an EMM key for Android Management).
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<&'a str>,
    scope: String,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

impl Auth {
    /// Reads and checks the key file; no network traffic happens until the first token.
    /// An empty `subject` means no impersonation: tokens carry no `sub` claim.
    pub fn new(
        key_file: &Path,
        subject: &str,
        timeout: Duration,
    ) -> Result<(Auth, Vec<Warning>), Error> {
        let (signer, info, warnings) = load_key(key_file)?;
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| Error::Invalid(format!("cannot build the HTTP client: {e}")))?;
        let auth = Auth {
            signer,
            info,
            subject: subject.to_string(),
            http,
            cache: Mutex::new(HashMap::new()),
        };
        Ok((auth, warnings))
    }

    pub fn key_info(&self) -> &KeyInfo {
        &self.info
    }

    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// A bearer token for `scopes` as `subject` (default: the admin). `refused` is a token
    /// an API just answered 401 to: if the cache still holds it, a new one is minted;
    /// if another request already replaced it, the newer one is returned (so a burst of
    /// 401s after one revocation mints one token, not one per request).
    pub async fn token(
        &self,
        subject: Option<&str>,
        scopes: &[&'static str],
        refused: Option<&str>,
    ) -> Result<String, Error> {
        let subject = subject.unwrap_or(&self.subject);
        let key = (subject.to_string(), scopes.join(" "));
        let mut cache = self.cache.lock().await;
        if let Some(c) = cache.get(&key) {
            if refused != Some(c.token.as_str()) && Instant::now() < c.refresh_at {
                return Ok(c.token.clone());
            }
        }
        let (token, lifetime) = self.grant(subject, scopes).await?;
        let refresh_at = Instant::now() + lifetime.saturating_sub(EXPIRY_MARGIN);
        cache.insert(
            key,
            Cached {
                token: token.clone(),
                refresh_at,
            },
        );
        Ok(token)
    }

    async fn grant(
        &self,
        subject: &str,
        scopes: &[&'static str],
    ) -> Result<(String, Duration), Error> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let claims = Claims {
            iss: &self.info.client_email,
            sub: (!subject.is_empty()).then_some(subject),
            scope: scopes.join(" "),
            aud: &self.info.token_uri,
            iat: now,
            exp: now + 3600,
        };
        let mut header = Header::new(Algorithm::RS256);
        header.kid = self.info.private_key_id.clone();
        let assertion =
            jsonwebtoken::encode(&header, &claims, &self.signer).map_err(|e| Error::KeyFile {
                path: self.info.path.clone(),
                problem: format!("private_key cannot sign RS256 ({e})"),
            })?;
        let request = format!("POST {}", self.info.token_uri);
        let transport = |message: String| Error::Transport {
            request: request.clone(),
            message,
            tries: 1,
        };
        let resp = self
            .http
            .post(&self.info.token_uri)
            .form(&[
                ("grant_type", JWT_BEARER),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .map_err(|e| transport(format!("token request failed: {}", e.without_url())))?;
        let status = resp.status().as_u16();
        let body: serde_json::Value = resp.json().await.unwrap_or_default();
        if status == 200 {
            let token = body["access_token"]
                .as_str()
                .filter(|t| !t.is_empty())
                .ok_or_else(|| Error::Token {
                    message: "the token endpoint answered without an access_token".into(),
                })?;
            let lifetime = Duration::from_secs(body["expires_in"].as_u64().unwrap_or(3600));
            return Ok((token.to_string(), lifetime));
        }
        if status == 429 || status >= 500 {
            return Err(transport(format!(
                "the token endpoint answered HTTP {status}"
            )));
        }
        let code = body["error"].as_str().unwrap_or("unknown_error");
        let description = body["error_description"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        Err(match code {
            "unauthorized_client" => Error::ScopeNotGranted {
                scopes: scopes.to_vec(),
                client_id: self.info.client_id.clone(),
                subject: subject.to_string(),
            },
            "invalid_grant" => Error::InvalidGrant {
                description,
                subject: subject.to_string(),
                key_file: self.info.path.clone(),
            },
            other => Error::Token {
                message: format!("HTTP {status} {other}: {description}"),
            },
        })
    }
}

/// Reads the key file, checking what yup-oauth2 would only report vaguely.
pub fn load_key(path: &Path) -> Result<(EncodingKey, KeyInfo, Vec<Warning>), Error> {
    let bad = |problem: String| Error::KeyFile {
        path: path.to_path_buf(),
        problem,
    };
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
    let obj = value
        .as_object()
        .ok_or_else(|| bad("is JSON but not an object; expected a service-account key".into()))?;
    let text = |k: &str| {
        obj.get(k)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    };
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
    let private_key = text("private_key")
        .ok_or_else(|| bad("has no private_key; download the key again".into()))?;
    if !private_key.contains("-----BEGIN PRIVATE KEY-----")
        && !private_key.contains("-----BEGIN RSA PRIVATE KEY-----")
    {
        return Err(bad(
            "private_key is not a PEM private key (no BEGIN PRIVATE KEY line)".into(),
        ));
    }
    let client_email = text("client_email").ok_or_else(|| bad("has no client_email".into()))?;
    let token_uri = text("token_uri").ok_or_else(|| bad("has no token_uri".into()))?;
    let client_id = text("client_id").unwrap_or("(unknown: the key has no client_id)");
    let info = KeyInfo {
        path: path.to_path_buf(),
        client_email: client_email.into(),
        client_id: client_id.into(),
        token_uri: token_uri.into(),
        private_key_id: text("private_key_id").map(str::to_string),
    };
    // The library's message never quotes the key itself.
    let signer = EncodingKey::from_rsa_pem(private_key.as_bytes())
        .map_err(|e| bad(format!("private_key is not a usable RSA private key ({e})")))?;
    Ok((signer, info, warnings))
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
