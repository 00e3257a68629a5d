//! What GAM7's two auth modes need from the simulator, checked with plain HTTP and jsonwebtoken:
//! the refresh grant's ID token and the published certs (oauth2.txt mode), Google's API root as
//! a self-signed JWT's audience and an admin service account (DASA mode), and `fields=` refusals.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use offsync::sim::SimConfig;
use serde_json::{json, Value};
use x509_cert::der::{DecodePem, Encode};

use super::sim_util::*;

async fn refresh(h: &offsync::sim::SimHandle, scope: Option<&str>) -> (u16, Value) {
    let au: Value = serde_json::from_str(&h.credentials.authorized_user_json).unwrap();
    let mut form = vec![
        ("grant_type", "refresh_token".to_string()),
        ("client_id", au["client_id"].as_str().unwrap().to_string()),
        (
            "client_secret",
            au["client_secret"].as_str().unwrap().to_string(),
        ),
        (
            "refresh_token",
            au["refresh_token"].as_str().unwrap().to_string(),
        ),
    ];
    if let Some(s) = scope {
        form.push(("scope", s.to_string()));
    }
    let resp = reqwest::Client::new()
        .post(format!("{}/token", h.base_url))
        .form(&form)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

async fn fetch(h: &offsync::sim::SimHandle, path: &str) -> Value {
    reqwest::get(format!("{}{path}", h.base_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn refresh_grant_returns_an_id_token_verifiable_with_both_cert_endpoints() {
    let h = start(small()).await;
    let (status, body) = refresh(&h, None).await;
    assert_eq!(status, 200, "{body}");
    let scope = body["scope"].as_str().unwrap();
    assert!(scope.split(' ').any(|s| s == "openid"), "{scope}");
    let id_token = body["id_token"].as_str().expect("id_token with openid");
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let kid = header.kid.expect("kid");

    // v3: a JWK set holding the key, which verifies the token.
    let jwks = fetch(&h, "/oauth2/v3/certs").await;
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .expect("the token's kid in /oauth2/v3/certs");
    assert_eq!(
        (jwk["kty"].as_str(), jwk["use"].as_str()),
        (Some("RSA"), Some("sig"))
    );
    let key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap();
    let au: Value = serde_json::from_str(&h.credentials.authorized_user_json).unwrap();
    let client_id = au["client_id"].as_str().unwrap();
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&[client_id]);
    v.set_issuer(&["https://accounts.google.com"]);
    let claims = jsonwebtoken::decode::<Value>(id_token, &key, &v)
        .expect("ID token verifies")
        .claims;
    assert_eq!(claims["email"], h.credentials.admin_email.as_str());
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["hd"], h.credentials.domains[0].as_str());
    assert_eq!(claims["azp"], client_id);
    assert!(claims["sub"].as_str().unwrap().len() == 21);

    // v1: key id → an X.509 certificate whose public key is the same key.
    let pem_map = fetch(&h, "/oauth2/v1/certs").await;
    let pem = pem_map[kid.as_str()]
        .as_str()
        .expect("the kid in /oauth2/v1/certs");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    let cert = x509_cert::Certificate::from_pem(pem).expect("a certificate");
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .unwrap();
    let from_cert = DecodingKey::from_rsa_der(
        rsa::pkcs8::DecodePublicKey::from_public_key_der(&spki)
            .map(|k: rsa::RsaPublicKey| rsa::pkcs1::EncodeRsaPublicKey::to_pkcs1_der(&k))
            .unwrap()
            .unwrap()
            .as_bytes(),
    );
    jsonwebtoken::decode::<Value>(id_token, &from_cert, &v).expect("verifies with the certificate");

    // A narrower `scope` without openid: no ID token. Beyond the grant: refused.
    let (status, body) = refresh(&h, Some(DEVICE_MOBILE_RO)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("id_token").is_none(), "{body}");
    let (status, body) = refresh(&h, Some("https://www.googleapis.com/auth/drive")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    h.shutdown().await;
}

/// GAM's DASA bearer: iss = sub = the service account, aud = Google's API root, no scope.
fn dasa_jwt(h: &offsync::sim::SimHandle, aud: &str) -> String {
    let k = key(h);
    sign(
        h,
        &json!({"iss": k["client_email"], "sub": k["client_email"], "aud": aud,
                "iat": now(), "exp": now() + 3600}),
    )
}

#[tokio::test]
async fn dasa_jwt_needs_the_api_root_as_audience_and_an_admin_service_account() {
    let users = "admin/directory/v1/users?customer=my_customer&maxResults=5";
    let plain = start(small()).await;
    let (status, body) = get(
        &plain,
        &dasa_jwt(&plain, "https://admin.googleapis.com/"),
        users,
    )
    .await;
    assert_eq!(status, 403, "no admin role: {body}");
    assert_eq!(
        body["error"]["message"],
        "Not Authorized to access this resource/api"
    );
    plain.shutdown().await;

    let h = start(SimConfig {
        service_account_admin: true,
        ..small()
    })
    .await;
    let (status, body) = get(&h, &dasa_jwt(&h, "https://admin.googleapis.com/"), users).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["users"].as_array().unwrap().len(), 5);
    let own_root = format!("{}/", h.base_url);
    assert_eq!(get(&h, &dasa_jwt(&h, &own_root), users).await.0, 200);
    // Another API's root is not this API's audience.
    let (status, _) = get(&h, &dasa_jwt(&h, "https://gmail.googleapis.com/"), users).await;
    assert_eq!(status, 401);
    // An admin service account is still no super admin: Cloud Identity policies stay closed.
    let (status, _) = get(
        &h,
        &dasa_jwt(&h, "https://cloudidentity.googleapis.com/"),
        "v1/policies",
    )
    .await;
    assert_eq!(status, 403);
    h.shutdown().await;
}

#[tokio::test]
async fn unknown_fields_answer_400_as_google_does() {
    let h = start(small()).await;
    let t = admin_token(&h).await;
    let ok = format!("{DEVICES}?maxResults=3&fields=nextPageToken,mobiledevices(resourceId,type)");
    let (status, body) = get(&h, &t, &ok).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["mobiledevices"][0].as_object().unwrap().len(), 2);
    // A field the schema has but this response lacks is fine.
    let (status, _) = get(
        &h,
        &t,
        &format!("{DEVICES}?fields=kind,etag,mobiledevices/applications"),
    )
    .await;
    assert_eq!(status, 200);

    for (fields, bad) in [
        ("bogus", "bogus"),
        // The first unknown name as written, not in any sorted order.
        ("zzz,kind,aaa", "zzz"),
        ("nextPageToken,mobiledevices(resourceId,serial)", "serial"),
        ("mobiledevices/applications/nope", "nope"),
    ] {
        let (status, body) = get(&h, &t, &format!("{DEVICES}?fields={fields}")).await;
        assert_eq!(status, 400, "{fields}: {body}");
        let msg = format!("Invalid field selection {bad}");
        assert_eq!(body["error"]["message"], msg.as_str());
        let e = &body["error"]["errors"][0];
        assert_eq!(e["reason"], "invalidParameter");
        assert_eq!(
            (e["location"].as_str(), e["locationType"].as_str()),
            (Some("fields"), Some("parameter"))
        );
    }
    // The same check on the newer APIs, against their own schemas.
    let (status, body) = get(&h, &t, "v1/policies?fields=policies(name,colour)").await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (400, Some("Invalid field selection colour"))
    );
    h.shutdown().await;
}

#[tokio::test]
async fn write_config_writes_a_gam_config_directory() {
    let cfg = small();
    let h = start(cfg.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let gam = dir.path().join("gam");
    let tenant = offsync::sim::Tenant::generate(&cfg);
    offsync::cli::sim::write_gam_config(&gam, &h.base_url, &tenant, &cfg).unwrap();
    let read = |name: &str| std::fs::read_to_string(gam.join(name)).unwrap();

    let ini = read("gam.cfg");
    let lines: Vec<&str> = ini.lines().collect();
    for want in [
        format!("customer_id = {}", tenant.customer_id),
        format!("domain = {}", tenant.domains[0]),
        format!("admin_email = {}", h.credentials.admin_email),
        "no_update_check = true".into(),
        "[oauth2]".into(),
        "[dasa]".into(),
        "enable_dasa = true".into(),
    ] {
        assert!(
            lines.contains(&want.as_str()),
            "gam.cfg lacks {want:?}:\n{ini}"
        );
    }
    assert!(gam.join("gamcache").is_dir());
    assert_eq!(read("sim-url").trim(), h.base_url);

    // Google's URLs, not the simulator's: GAM is redirected, never reconfigured.
    let sa: Value = serde_json::from_str(&read("oauth2service.json")).unwrap();
    assert_eq!(sa["token_uri"], "https://oauth2.googleapis.com/token");
    assert_eq!(sa["client_email"], key(&h)["client_email"]);
    let secrets: Value = serde_json::from_str(&read("client_secrets.json")).unwrap();
    let au: Value = serde_json::from_str(&h.credentials.authorized_user_json).unwrap();
    assert_eq!(secrets["installed"]["client_id"], au["client_id"]);

    // oauth2.txt: GAM's own shape; its ID token is signed by the key the server publishes.
    let txt: Value = serde_json::from_str(&read("oauth2.txt")).unwrap();
    assert_eq!(txt["refresh_token"], au["refresh_token"]);
    let scopes: Vec<&str> = txt["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        scopes.contains(&"openid") && scopes.contains(&DEVICE_MOBILE_RO),
        "{scopes:?}"
    );
    let expiry =
        chrono::DateTime::parse_from_rfc3339(txt["token_expiry"].as_str().unwrap()).unwrap();
    assert!(
        expiry.timestamp() < now(),
        "the access token must be refreshed on first use"
    );
    let id_token = txt["id_token"].as_str().unwrap();
    let kid = jsonwebtoken::decode_header(id_token).unwrap().kid.unwrap();
    let jwks = fetch(&h, "/oauth2/v3/certs").await;
    let jwk = &jwks["keys"][0];
    assert_eq!(jwk["kid"], kid.as_str());
    let key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap();
    let mut v = Validation::new(Algorithm::RS256);
    v.validate_exp = false; // issued with the expired access token
    v.set_audience(&[au["client_id"].as_str().unwrap()]);
    let claims = jsonwebtoken::decode::<Value>(id_token, &key, &v)
        .unwrap()
        .claims;
    assert_eq!(claims, txt["decoded_id_token"]);
    assert_eq!(claims["email"], h.credentials.admin_email.as_str());
    #[cfg(unix)]
    for secret in ["oauth2service.json", "client_secrets.json", "oauth2.txt"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(gam.join(secret))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{secret}");
    }
    h.shutdown().await;
}
