//! The simulated token endpoint and bearer checks behave like Google's.

use serde_json::json;

use super::sim_util::*;

#[tokio::test]
async fn token_grant_happy_path_and_errors() {
    let h = start(small()).await;
    let admin = h.credentials.admin_email.clone();
    let (status, body) = grant(&h, &sign(&h, &claims(&h, Some(&admin), DEVICE_MOBILE_RO))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);

    // Google's own libraries send the Google token URI as `aud` even for another token_uri.
    let mut c = claims(&h, Some(&admin), DEVICE_MOBILE_RO);
    c["aud"] = json!("https://oauth2.googleapis.com/token");
    assert_eq!(grant(&h, &sign(&h, &c)).await.0, 200);

    // A bad signature: the payload altered after signing.
    let jwt = sign(&h, &claims(&h, Some(&admin), DEVICE_MOBILE_RO));
    let mut parts: Vec<String> = jwt.split('.').map(String::from).collect();
    let mut c = claims(&h, Some(&admin), USER_RO);
    c["iat"] = json!(now() - 1);
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &c,
        &jsonwebtoken::EncodingKey::from_secret(b"x"),
    )
    .unwrap();
    parts[1] = forged.split('.').nth(1).unwrap().to_string();
    let (status, body) = grant(&h, &parts.join(".")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(body["error_description"], "Invalid JWT Signature.");

    let mut c = claims(&h, Some(&admin), DEVICE_MOBILE_RO);
    c["aud"] = json!("https://example.com/token");
    let (status, body) = grant(&h, &sign(&h, &c)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let mut c = claims(&h, Some(&admin), DEVICE_MOBILE_RO);
    c["exp"] = json!(now() + 3601);
    let (status, body) = grant(&h, &sign(&h, &c)).await;
    assert_eq!(status, 400);
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("short-lived token (60 minutes)"));

    let mut c = claims(&h, Some(&admin), DEVICE_MOBILE_RO);
    c["iat"] = json!(now() - 4000);
    c["exp"] = json!(now() - 400);
    let (status, body) = grant(&h, &sign(&h, &c)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let (status, body) = grant(
        &h,
        &sign(
            &h,
            &claims(&h, Some("nobody@nowhere.example"), DEVICE_MOBILE_RO),
        ),
    )
    .await;
    assert_eq!(
        (status, body["error_description"].as_str()),
        (400, Some("Invalid email or User ID"))
    );
    h.shutdown().await;
}

#[tokio::test]
async fn unauthorized_client_when_scope_not_delegated() {
    let mut cfg = small();
    cfg.dwd_scopes = Some(vec![DEVICE_MOBILE_RO.to_string()]);
    let h = start(cfg).await;
    let admin = h.credentials.admin_email.clone();
    let (status, body) = grant(&h, &sign(&h, &claims(&h, Some(&admin), USER_RO))).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("unauthorized_client"))
    );
    h.shutdown().await;
}

#[tokio::test]
async fn bearer_checks_and_roles() {
    let h = start(small()).await;
    let (status, body) = get(&h, "ya29.bogus", DEVICES).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["status"], "UNAUTHENTICATED");
    assert_eq!(body["error"]["errors"][0]["reason"], "authError");

    // Missing scope → 403 insufficientPermissions.
    let admin = h.credentials.admin_email.clone();
    let t = token_for(&h, Some(&admin), USER_RO).await;
    let (status, body) = get(&h, &t, DEVICES).await;
    assert_eq!(status, 403);
    assert_eq!(
        body["error"]["errors"][0]["reason"],
        "insufficientPermissions"
    );

    // A non-admin subject, and the bare service account, are not authorized for Directory.
    let snapshot = h.tenant_snapshot();
    let user = snapshot["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| {
            u["isAdmin"] == false && u["isDelegatedAdmin"] == false && u["suspended"] == false
        })
        .unwrap()["primaryEmail"]
        .as_str()
        .unwrap()
        .to_string();
    for sub in [Some(user.as_str()), None] {
        let t = token_for(&h, sub, DEVICE_MOBILE_RO).await;
        let (status, body) = get(&h, &t, DEVICES).await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(body["error"]["errors"][0]["reason"], "forbidden");
    }

    // Expired tokens are rejected; a self-signed JWT with the API root as `aud` works.
    let t = admin_token(&h).await;
    h.expire_all_tokens();
    assert_eq!(get(&h, &t, DEVICES).await.0, 401);
    let k = key(&h);
    let jwt = sign(
        &h,
        &json!({"iss": k["client_email"], "sub": k["client_email"], "aud": format!("{}/", h.base_url), "iat": now(), "exp": now() + 600}),
    );
    let (status, _) = get(&h, &jwt, "v1/enterprises/x/devices").await;
    assert_eq!(
        status, 403,
        "self-signed JWT authenticates; the enterprise is unknown"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn refresh_token_grant() {
    let h = start(small()).await;
    let au: serde_json::Value = serde_json::from_str(&h.credentials.authorized_user_json).unwrap();
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", au["client_id"].as_str().unwrap()),
        ("client_secret", au["client_secret"].as_str().unwrap()),
        ("refresh_token", au["refresh_token"].as_str().unwrap()),
    ];
    let resp = reqwest::Client::new()
        .post(format!("{}/token", h.base_url))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    let (status, _) = get(&h, body["access_token"].as_str().unwrap(), DEVICES).await;
    assert_eq!(status, 200);
    h.shutdown().await;
}
