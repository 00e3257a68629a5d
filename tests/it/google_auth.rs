//! Authentication against the simulator's token endpoint: every failure names its cause
//! and what to do, tokens are refreshed after a 401 within the retry budget, secrets never
//! show up in errors.
use futures::StreamExt;
use offsync::google::{scopes, Clients, Error};
use offsync::sim::SimConfig;

use crate::google_util::{env, no_warnings, profile_for, small, write_key};

#[tokio::test]
async fn bad_key_files_name_what_is_wrong() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_input/keys");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let expected = std::fs::read_to_string(path.with_extension("expected")).unwrap();
        let err = offsync::google::auth::load_key(&path)
            .err()
            .unwrap_or_else(|| panic!("{path:?} loaded"));
        let msg = err.to_string();
        assert!(
            msg.contains(expected.trim()),
            "{path:?}: `{msg}` lacks `{expected}`"
        );
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(!msg.contains("TUlJQkFB"), "key material leaked: {msg}");
        checked += 1;
    }
    assert!(checked >= 6);
}

#[tokio::test]
async fn group_readable_key_is_a_warning() {
    let e = env(small()).await;
    let (_, w) = Clients::new(&e.profile, None).unwrap();
    no_warnings(&w);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&e.profile.key_file, std::fs::Permissions::from_mode(0o644))
            .unwrap();
        let (_, w) = Clients::new(&e.profile, None).unwrap();
        assert_eq!(w.len(), 1);
        assert!(w[0].0.contains("chmod 600"), "{}", w[0]);
    }
}

#[tokio::test]
async fn tampered_key_is_an_invalid_grant_without_secrets() {
    let e = env(small()).await;
    let mut key: serde_json::Value = serde_json::from_str(&e.sim.credentials.key_json).unwrap();
    let other = {
        use rsa::pkcs8::EncodePrivateKey;
        let k = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
        k.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
            .unwrap()
            .to_string()
    };
    key["private_key"] = other.clone().into();
    let path = write_key(e.dir.path(), "tampered.json", &key.to_string());
    let c = Clients::new(&profile_for(&e.sim, path), None).unwrap().0;
    let err = c.directory.orgunits().await.unwrap_err();
    assert!(matches!(err, Error::InvalidGrant { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("Invalid JWT Signature") && msg.contains("clock"),
        "{msg}"
    );
    let body = other.lines().nth(1).unwrap();
    assert!(!msg.contains(body) && !format!("{err:?}").contains(body));
}

#[tokio::test]
async fn scope_not_granted_names_the_scope_and_where_to_grant_it() {
    let cfg = SimConfig {
        dwd_scopes: Some(vec![scopes::DEVICE_READ.to_string()]),
        ..small()
    };
    let e = env(cfg).await;
    let c = e.clients();
    assert!(c
        .directory
        .mobiledevices(Default::default())
        .next()
        .await
        .unwrap()
        .is_ok());
    let err = c.directory.orgunits().await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::ScopeNotGranted { .. }), "{err:?}");
    assert!(msg.contains(scopes::ORGUNIT_READ), "{msg}");
    assert!(
        msg.contains("Domain-wide delegation") && msg.contains(&c.client.key_info().client_id),
        "{msg}"
    );
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once() {
    let e = env(small()).await;
    let c = e.clients();
    c.directory.orgunits().await.unwrap();
    e.sim.expire_all_tokens();
    c.directory.orgunits().await.unwrap();
    let s = e.sim.stats();
    assert_eq!(s.count_status("orgunits", 401), 1, "{s:?}");
    assert_eq!(s.count_status("orgunits", 200), 2, "{s:?}");
}

#[tokio::test]
async fn a_non_admin_subject_gets_a_403_that_says_so() {
    let mut e = env(small()).await;
    let snap = e.sim.tenant_snapshot();
    let users = snap["users"].as_array().expect("users in snapshot");
    let plain = users
        .iter()
        .find(|u| u["isAdmin"] == false && u["suspended"] == false)
        .and_then(|u| u["primaryEmail"].as_str())
        .expect("a plain user");
    e.profile.subject = plain.to_string();
    let c = e.clients();
    let err = c.directory.orgunits().await.unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
    assert!(err.to_string().contains("super admin"), "{err}");
}

#[tokio::test]
async fn missing_scope_on_a_call_names_the_scope() {
    let e = env(small()).await;
    let c = e.clients();
    let mut url = url::Url::parse(&e.sim.base_url).unwrap();
    url.set_path("/admin/directory/v1/customer/my_customer/devices/mobile");
    let call = offsync::google::Call::get(
        offsync::google::pace::Api::Admin,
        url,
        &[scopes::ORGUNIT_READ],
    );
    let err = c.client.json::<serde_json::Value>(call).await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::MissingScopes { .. }), "{err:?}");
    assert!(
        msg.contains(scopes::ORGUNIT_READ) && msg.contains("Domain-wide delegation"),
        "{msg}"
    );
}

#[tokio::test]
async fn unknown_customer_is_named_in_the_404() {
    let mut e = env(small()).await;
    e.profile.customer_id = "C0bogus99".into();
    let err = e.clients().directory.customer().await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert!(err.to_string().contains("customer C0bogus99"), "{err}");
}

/// Tokens that die early while 503s force retries: each refusal mints a newer token within
/// the request's retry budget, so no listing fails (it used to give up on the second 401).
#[tokio::test]
async fn tokens_revoked_during_retries_are_refreshed_as_often_as_needed() {
    let mut e = env(SimConfig {
        users: 200,
        devices: 1500,
        faults: offsync::sim::FaultSpec::parse("expire=0.05,503=0.2").unwrap(),
        ..SimConfig::default()
    })
    .await;
    // A quarter of requests fail here and five partitioned listings send thousands: with
    // eight tries an unlucky run of 503s gave up about once in a few hundred suites. Twelve
    // tries keep this a test of refreshing, not of luck (as in google_retry.rs).
    e.profile.http.max_tries = 12;
    for run in 0..5 {
        let c = e.clients();
        let inv = offsync::google::load_inventory(&c, None, |_| {})
            .await
            .unwrap_or_else(|err| panic!("run {run}: {err}"));
        assert_eq!(inv.devices.len(), 1500, "run {run}");
    }
    let s = e.sim.stats();
    let refusals: u64 = s.count_status("", 401);
    assert!(refusals >= 10, "the faults were exercised: {s:?}");
}

/// A token refused even when newly minted is the one case that points at the credentials:
/// only then does the hint say so, after the retry budget is spent.
#[tokio::test]
async fn a_fresh_token_that_is_refused_names_the_service_account() {
    let mut e = env(SimConfig {
        faults: offsync::sim::FaultSpec::parse("expire=1").unwrap(),
        ..small()
    })
    .await;
    e.profile.http.max_tries = 4;
    let err = e.clients().directory.orgunits().await.unwrap_err();
    let msg = err.to_string();
    assert_eq!(err.status(), Some(401), "{msg}");
    assert!(
        msg.contains("newly minted access token was refused") && msg.contains("service account"),
        "{msg}"
    );
    assert_eq!(e.sim.stats().count_status("orgunits", 401), 4);
}
