//! Google's OpenID Connect side: the `id_token` that the refresh-token grant returns when
//! `openid` was granted, and the two places its signing keys are published:
//! `/oauth2/v1/certs` (key id → X.509 certificate in PEM, what google-auth's
//! `verify_oauth2_token` fetches) and `/oauth2/v3/certs` (the same key as a JWK set).
//!
//! Google signs ID tokens with its own keys, not with a service account's, so this key is
//! separate from [`super::oauth::key_material`]. It is generated lazily: most simulator runs
//! never mint an ID token, and a 2048-bit key takes a moment.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use axum::Json;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::der::EncodePem;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::Validity;

/// Google's ID-token issuer, as google-auth and GAM check it.
pub const ISSUER: &str = "https://accounts.google.com";
/// The scope whose grant makes the token endpoint return an `id_token`.
pub const OPENID: &str = "openid";
pub const EMAIL_SCOPE: &str = "https://www.googleapis.com/auth/userinfo.email";
pub const PROFILE_SCOPE: &str = "https://www.googleapis.com/auth/userinfo.profile";

struct SigningMaterial {
    kid: String,
    encoding: EncodingKey,
    cert_pem: String,
    jwk: Value,
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn material() -> &'static SigningMaterial {
    static KEY: OnceLock<SigningMaterial> = OnceLock::new();
    KEY.get_or_init(|| {
        let key =
            rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("RSA key generation");
        let public = key.to_public_key();
        let der = public.to_public_key_der().expect("public key DER");
        // Google's key ids are 40 hex digits; derive ours from the key so it is stable per key.
        let kid: String = Sha256::digest(der.as_bytes())[..20]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let pem = key.to_pkcs8_pem(LineEnding::LF).expect("PKCS#8 PEM");
        let encoding = EncodingKey::from_rsa_pem(pem.as_bytes()).expect("encoding key");
        let jwk = json!({
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": kid,
            "n": b64url(&public.n().to_bytes_be()),
            "e": b64url(&public.e().to_bytes_be()),
        });
        let cert_pem = certificate(&key, der.as_bytes());
        SigningMaterial {
            kid,
            encoding,
            cert_pem,
            jwk,
        }
    })
}

/// A self-signed certificate for the key, shaped like the ones Google publishes
/// (`CN=federated-signon.system.gserviceaccount.com`, valid for about two weeks).
fn certificate(key: &rsa::RsaPrivateKey, spki_der: &[u8]) -> String {
    let signer = SigningKey::<Sha256>::new(key.clone());
    let spki = SubjectPublicKeyInfoOwned::try_from(spki_der).expect("SPKI");
    let now = SystemTime::now();
    let validity = Validity {
        not_before: (now - Duration::from_secs(86_400))
            .try_into()
            .expect("not_before"),
        not_after: (now + Duration::from_secs(14 * 86_400))
            .try_into()
            .expect("not_after"),
    };
    let name: x509_cert::name::Name = "CN=federated-signon.system.gserviceaccount.com"
        .parse()
        .expect("subject name");
    let serial = SerialNumber::new(&Sha256::digest(spki_der)[..8]).expect("serial");
    let builder = CertificateBuilder::new(Profile::Root, serial, validity, name, spki, &signer)
        .expect("certificate builder");
    let cert = builder
        .build::<rsa::pkcs1v15::Signature>()
        .expect("sign certificate");
    cert.to_pem(LineEnding::LF).expect("certificate PEM")
}

/// Who the ID token is about.
pub struct Subject<'a> {
    /// Google's numeric user id, the token's `sub`.
    pub user_id: String,
    pub email: &'a str,
    pub hosted_domain: &'a str,
    pub given: &'a str,
    pub family: &'a str,
}

impl<'a> Subject<'a> {
    /// The tenant's user `u`; `hd` is the customer's primary domain, as Google sets it.
    pub fn of(t: &'a super::Tenant, u: u32) -> Self {
        let user = &t.users[u as usize];
        Subject {
            user_id: user.id_string(),
            email: &user.email,
            hosted_domain: t.domains.first().map(String::as_str).unwrap_or_default(),
            given: user.given,
            family: user.family,
        }
    }
}

/// Mints an ID token for `client_id` as Google's token endpoint does: `email` claims with the
/// email scope, name claims with the profile scope, `hd` for a Workspace account.
pub fn id_token(
    client_id: &str,
    who: &Subject<'_>,
    scopes: &[String],
    access_token: &str,
    now: i64,
) -> String {
    let m = material();
    let has = |s: &str| {
        scopes
            .iter()
            .any(|g| g == s || (s == EMAIL_SCOPE && g == "email"))
    };
    // `at_hash`: the left half of SHA-256 of the access token (OpenID Connect Core 3.1.3.6).
    let at_hash = b64url(&Sha256::digest(access_token.as_bytes())[..16]);
    let mut claims = json!({
        "iss": ISSUER,
        "azp": client_id,
        "aud": client_id,
        "sub": who.user_id,
        "hd": who.hosted_domain,
        "at_hash": at_hash,
        "iat": now,
        "exp": now + 3600,
    });
    if has(EMAIL_SCOPE) {
        claims["email"] = json!(who.email);
        claims["email_verified"] = json!(true);
    }
    if has(PROFILE_SCOPE) {
        claims["name"] = json!(format!("{} {}", who.given, who.family));
        claims["given_name"] = json!(who.given);
        claims["family_name"] = json!(who.family);
    }
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(m.kid.clone());
    jsonwebtoken::encode(&header, &claims, &m.encoding).expect("sign ID token")
}

/// `GET /oauth2/v1/certs`: `{kid: PEM certificate}`.
pub async fn certs_v1() -> Json<Value> {
    let m = material();
    Json(json!({ m.kid.clone(): m.cert_pem }))
}

/// `GET /oauth2/v3/certs`: a JWK set.
pub async fn certs_v3() -> Json<Value> {
    Json(json!({ "keys": [material().jwk] }))
}
