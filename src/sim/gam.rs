//! A GAM7 configuration directory for the simulated tenant, as GAM itself would leave it after
//! `gam create project` and `gam oauth create`: gam.cfg, oauth2service.json (the service-account
//! key), client_secrets.json (the installed-app client) and oauth2.txt (an admin's refresh token
//! with its ID token). Every URL in it is Google's real one: GAM has no endpoint setting, so it
//! reaches the simulator only through a launcher that redirects Google's hosts
//! (`scripts/gam_sim.py`), and the files stay exactly what GAM expects against Google.
//!
//! gam.cfg has two sections: `oauth2` (GAM's classic mode: oauth2.txt for admin APIs, the
//! service account with domain-wide delegation for per-user APIs) and `dasa` (`enable_dasa`:
//! the service account is itself a delegated admin and signs its own JWTs).

use serde_json::{json, Value};

use super::oauth::{self, identity, GOOGLE_TOKEN_URI};
use super::{oidc, SimConfig, Tenant};

/// One file of the GAM config directory.
pub struct GamFile {
    pub name: &'static str,
    pub text: String,
    /// Holds a secret (private key, client secret, refresh token): write it mode 0600.
    pub private: bool,
}

/// The files of a GAM config directory `dir` (an absolute path, used for GAM's own paths).
pub fn config_files(t: &Tenant, cfg: &SimConfig, dir: &str) -> Vec<GamFile> {
    let id = identity(cfg.seed);
    let mut key: Value =
        serde_json::from_str(&oauth::credentials(t, cfg, "").key_json).expect("key JSON");
    key["token_uri"] = json!(GOOGLE_TOKEN_URI);
    let client_secrets = json!({"installed": {
        "client_id": id.app_client_id,
        "project_id": id.project_id,
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": GOOGLE_TOKEN_URI,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_secret": id.app_client_secret,
        "redirect_uris": ["http://localhost"],
    }});
    vec![
        GamFile {
            name: "gam.cfg",
            text: gam_cfg(t, dir),
            private: false,
        },
        GamFile {
            name: "oauth2service.json",
            text: pretty(&key),
            private: true,
        },
        GamFile {
            name: "client_secrets.json",
            text: pretty(&client_secrets),
            private: true,
        },
        GamFile {
            name: "oauth2.txt",
            text: pretty(&oauth2_txt(t, cfg)),
            private: true,
        },
    ]
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).expect("json") + "\n"
}

fn gam_cfg(t: &Tenant, dir: &str) -> String {
    format!(
        "[DEFAULT]\n\
         customer_id = {customer}\n\
         domain = {domain}\n\
         admin_email = {admin}\n\
         no_update_check = true\n\
         no_browser = true\n\
         config_dir = {dir}\n\
         cache_dir = {dir}/gamcache\n\
         drive_dir = {dir}\n\
         \n\
         [oauth2]\n\
         enable_dasa = false\n\
         \n\
         [dasa]\n\
         enable_dasa = true\n",
        customer = t.customer_id,
        domain = t.domains.first().map(String::as_str).unwrap_or_default(),
        admin = t.admin().email,
    )
}

/// What `gam oauth create` writes: the grant's scopes, an access token already expired (GAM
/// refreshes it, and checks the new ID token, on first use) and the ID token it was issued with.
fn oauth2_txt(t: &Tenant, cfg: &SimConfig) -> Value {
    let id = identity(cfg.seed);
    let scopes = oauth::refresh_token_scopes(cfg);
    let issued = oauth::unix_now() - 7200;
    let who = oidc::Subject::of(t, t.super_admin);
    let id_token = oidc::id_token(&id.app_client_id, &who, &scopes, "expired", issued);
    let decoded = oauth::peek_claims(&id_token).unwrap_or_default();
    let expiry = chrono::DateTime::from_timestamp(issued + 3599, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    json!({
        "client_id": id.app_client_id,
        "client_secret": id.app_client_secret,
        "decoded_id_token": decoded,
        "id_token": id_token,
        "refresh_token": id.refresh_token,
        "scopes": scopes,
        "token": "ya29.expired",
        "token_expiry": expiry,
        "token_uri": GOOGLE_TOKEN_URI,
    })
}
