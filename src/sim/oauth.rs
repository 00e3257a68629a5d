//! Google's OAuth 2.0 token endpoint as a service account meets it: the JWT-bearer grant with
//! domain-wide delegation, plus the installed-app refresh-token grant. Every check Google makes
//! on the assertion is made here, in Google's order, with Google's error strings.
//!
//! The RSA key is generated once per process (2048-bit generation takes a moment) and never
//! written anywhere except into the key JSON handed to the caller.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::{json, Value};

use super::state::{Shared, TokenInfo};
use super::tenant::mix;
use super::{oidc, SimConfig, SimCredentials, Tenant};

pub const GOOGLE_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

pub struct KeyMaterial {
    pub private_pem: String,
    pub decoding: DecodingKey,
}

pub fn key_material() -> &'static KeyMaterial {
    static KEY: OnceLock<KeyMaterial> = OnceLock::new();
    KEY.get_or_init(|| {
        let key =
            rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("RSA key generation");
        let private_pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .expect("PKCS#8 PEM")
            .to_string();
        let public_pem = key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("public PEM");
        let decoding = DecodingKey::from_rsa_pem(public_pem.as_bytes()).expect("public key");
        KeyMaterial {
            private_pem,
            decoding,
        }
    })
}

/// Identity of the simulated service account and installed-app client, derived from the seed.
pub struct Identity {
    pub project_id: String,
    pub client_email: String,
    pub client_id: String,
    pub private_key_id: String,
    pub app_client_id: String,
    pub app_client_secret: String,
    pub refresh_token: String,
}

pub fn identity(seed: u64) -> Identity {
    let h = mix(seed ^ 0x5e41);
    let project_id = format!("offsync-sim-{:06x}", h & 0xff_ffff);
    Identity {
        client_email: format!("offsync-migrator@{project_id}.iam.gserviceaccount.com"),
        client_id: format!("1{:020}", h % 10u64.pow(19)),
        private_key_id: format!("{:016x}{:016x}", mix(h), mix(h ^ 1)),
        app_client_id: format!(
            "{}-sim{:08x}.apps.googleusercontent.com",
            h % 10u64.pow(12),
            h as u32
        ),
        app_client_secret: format!("GOCSPX-sim{:016x}", mix(h ^ 2)),
        refresh_token: format!("1//0sim{:016x}{:016x}", mix(h ^ 3), mix(h ^ 4)),
        project_id,
    }
}

pub fn credentials(t: &Tenant, cfg: &SimConfig, base_url: &str) -> SimCredentials {
    let id = identity(cfg.seed);
    let key_json = json!({
        "type": "service_account",
        "project_id": id.project_id,
        "private_key_id": id.private_key_id,
        "private_key": key_material().private_pem,
        "client_email": id.client_email,
        "client_id": id.client_id,
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": format!("{base_url}/token"),
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": format!("https://www.googleapis.com/robot/v1/metadata/x509/{}", id.client_email.replace('@', "%40")),
        "universe_domain": "googleapis.com",
    });
    let authorized_user = json!({
        "type": "authorized_user",
        "client_id": id.app_client_id,
        "client_secret": id.app_client_secret,
        "refresh_token": id.refresh_token,
        "token_uri": format!("{base_url}/token"),
    });
    SimCredentials {
        key_json: serde_json::to_string_pretty(&key_json).expect("json"),
        admin_email: t.admin().email.clone(),
        customer_id: t.customer_id.clone(),
        domains: t.domains.clone(),
        authorized_user_json: serde_json::to_string_pretty(&authorized_user).expect("json"),
        enterprise: t.amapi.name.clone(),
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

fn invalid_grant(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The claims of a compact JWT, unverified (Google reads `iss` to find the key first).
pub fn peek_claims(jwt: &str) -> Option<Value> {
    let mut parts = jwt.split('.');
    let (_h, p, _s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(p.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// True if `jwt` carries a valid RS256 signature by the simulator's key. Verified over the
/// segments exactly as sent: some client libraries pad their base64url segments with `=`, and
/// Google accepts those, so a strict JWT decoder would reject tokens Google takes.
pub fn signature_ok(jwt: &str) -> bool {
    let Some((message, signature)) = jwt.rsplit_once('.') else {
        return false;
    };
    let header = message.split('.').next().unwrap_or_default();
    let header: Option<Value> = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header.trim_end_matches('='))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    if header.as_ref().and_then(|h| h["alg"].as_str()) != Some("RS256") {
        return false;
    }
    jsonwebtoken::crypto::verify(
        signature.trim_end_matches('='),
        message.as_bytes(),
        &key_material().decoding,
        Algorithm::RS256,
    )
    .unwrap_or(false)
}

/// `iat`/`exp` as Google checks them: at most an hour apart, not expired, not from the future.
pub fn lifetime_ok(claims: &Value, now: i64) -> bool {
    let (Some(iat), Some(exp)) = (claims["iat"].as_i64(), claims["exp"].as_i64()) else {
        return false;
    };
    exp > iat && exp - iat <= 3600 && exp > now && iat <= now + 300
}

/// `POST /token`.
pub async fn token(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| field(&form, k);
    match get("grant_type") {
        Some(JWT_BEARER) => jwt_bearer(&s, get("assertion").unwrap_or_default()),
        Some("refresh_token") => refresh(&s, &form),
        Some(other) => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!("Invalid grant_type: {other}"),
        ),
        None => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Invalid grant_type: ",
        ),
    }
}

fn jwt_bearer(s: &Shared, assertion: &str) -> Response {
    let id = identity(s.cfg.seed);
    let Some(claims) = peek_claims(assertion) else {
        return invalid_grant("Invalid JWT Signature.");
    };
    if claims["iss"].as_str() != Some(id.client_email.as_str()) {
        return invalid_grant("Invalid grant: account not found");
    }
    if !signature_ok(assertion) {
        return invalid_grant("Invalid JWT Signature.");
    }
    let own_uri = format!("{}/token", s.base_url);
    let aud = claims["aud"].as_str().unwrap_or_default();
    if aud != own_uri && aud != GOOGLE_TOKEN_URI {
        return invalid_grant(&format!(
            "Invalid JWT: Failed audience check. The expected value was {GOOGLE_TOKEN_URI} but we got {aud}"
        ));
    }
    if !lifetime_ok(&claims, unix_now()) {
        return invalid_grant(
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. \
             Check your iat and exp values in the JWT claim.",
        );
    }
    let scopes: Vec<String> = claims["scope"]
        .as_str()
        .unwrap_or_default()
        .split_whitespace()
        .map(String::from)
        .collect();
    if scopes.is_empty() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "Empty or missing scope not allowed.",
        );
    }
    let subject = match claims["sub"].as_str() {
        None => None,
        Some(sub) if sub == id.client_email => None,
        Some(sub) => {
            let t = s.read();
            match t.user_index(sub) {
                Some(u) if !t.users[u as usize].suspended => Some(u),
                _ => return invalid_grant("Invalid email or User ID"),
            }
        }
    };
    if subject.is_some() && !scopes.iter().all(|sc| s.dwd_scopes.contains(sc)) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized_client",
            "Client is unauthorized to retrieve access tokens using this method, or client not \
             authorized for any of the scopes requested.",
        );
    }
    let token = issue(s, subject, scopes);
    (StatusCode::OK, axum::Json(token_body(&token))).into_response()
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn refresh(s: &Shared, form: &[(String, String)]) -> Response {
    let get = |k: &str| field(form, k);
    let id = identity(s.cfg.seed);
    if get("client_id") != Some(id.app_client_id.as_str())
        || get("client_secret") != Some(id.app_client_secret.as_str())
    {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Unauthorized");
    }
    if get("refresh_token") != Some(id.refresh_token.as_str()) {
        return invalid_grant("Bad Request");
    }
    // The refresh token carries what the admin consented to; a `scope` parameter may only
    // narrow it (Google refuses anything beyond the original grant).
    let granted = refresh_token_scopes(&s.cfg);
    let scopes: Vec<String> = match get("scope") {
        Some(asked) => {
            let asked: Vec<String> = asked.split_whitespace().map(String::from).collect();
            if !asked.iter().all(|a| granted.contains(a)) {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", "Bad Request");
            }
            asked
        }
        None => granted,
    };
    let admin = s.read().super_admin;
    let token = issue(s, Some(admin), scopes.clone());
    let mut body = token_body(&token);
    body["scope"] = json!(scopes.join(" "));
    if scopes.iter().any(|sc| sc == oidc::OPENID) {
        let t = s.read();
        let who = oidc::Subject::of(&t, admin);
        body["id_token"] = json!(oidc::id_token(
            &id.app_client_id,
            &who,
            &scopes,
            &token,
            unix_now()
        ));
    }
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// What the installed-app refresh token was granted: every scope domain-wide delegation has,
/// plus the sign-in scopes an admin consents to with it (GAM asks for all three).
pub fn refresh_token_scopes(cfg: &SimConfig) -> Vec<String> {
    let mut scopes = cfg
        .dwd_scopes
        .clone()
        .unwrap_or_else(super::discovery::all_scopes);
    scopes.extend([oidc::OPENID, oidc::EMAIL_SCOPE, oidc::PROFILE_SCOPE].map(String::from));
    scopes.sort();
    scopes.dedup();
    scopes
}

/// Records a new access token for `subject` and returns it.
fn issue(s: &Shared, subject: Option<u32>, scopes: Vec<String>) -> String {
    let n = {
        let mut next = s.next_token.lock().expect("token counter");
        *next += 1;
        *next
    };
    let token = format!("ya29.c.sim{:016x}{:016x}", mix(s.cfg.seed ^ n), n);
    let info = TokenInfo {
        subject,
        scopes,
        expires: Instant::now() + Duration::from_secs(3599),
    };
    s.tokens
        .lock()
        .expect("token lock")
        .insert(token.clone(), info);
    token
}

fn token_body(token: &str) -> Value {
    json!({"access_token": token, "expires_in": 3599, "token_type": "Bearer"})
}
