//! Who is calling: the bearer token becomes a [`Caller`] (impersonated user + scopes), or a
//! Google-shaped 401. Authorisation then follows Google's order: scopes (403
//! `insufficientPermissions`, using the method's scopes from discovery), then the caller's role.
//! The per-user quota is counted here too, because Google counts it per authenticated caller.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::error::{ApiError, ApiResult};
use super::oauth;
use super::quota::{Bucket, QuotaWindow};
use super::state::Shared;
use super::tenant::{AdminRole, Tenant};

/// Set by the fault layer: this request's token is to be treated as expired.
#[derive(Clone, Copy)]
pub struct ForceExpired;

#[derive(Debug, Clone)]
pub struct Caller {
    pub subject: Option<u32>,
    /// Empty for a self-signed JWT without `scope`: such a token is good for its whole API.
    pub scopes: Vec<String>,
    pub any_scope: bool,
    /// The service account itself (no subject) in a tenant that assigned it an admin role,
    /// as GAM's "delegated admin service account" setup does.
    pub admin_service_account: bool,
}

impl Caller {
    /// Any one of the method's discovery scopes suffices.
    pub fn require_scope(&self, method_id: &str) -> ApiResult<()> {
        if self.any_scope {
            return Ok(());
        }
        let accepted = super::discovery::method_scopes(method_id);
        if self.scopes.iter().any(|s| accepted.contains(s)) {
            Ok(())
        } else {
            Err(ApiError::insufficient_scopes())
        }
    }

    /// Directory and Reports: the impersonated user must be an administrator.
    pub fn require_admin(&self, t: &Tenant) -> ApiResult<()> {
        match self.subject {
            Some(u) if t.users[u as usize].is_admin() => Ok(()),
            None if self.admin_service_account => Ok(()),
            _ => Err(ApiError::not_authorized()),
        }
    }

    /// Cloud Identity Policy: super admins only.
    pub fn require_super_admin(&self, t: &Tenant) -> ApiResult<()> {
        match self.subject {
            Some(u) if t.users[u as usize].role == AdminRole::Super => Ok(()),
            _ => Err(ApiError::permission_denied(
                "The caller does not have permission",
            )),
        }
    }

    /// Scope check then admin check, the common Directory/Reports preamble.
    pub fn admin_call(&self, method_id: &str, t: &Tenant) -> ApiResult<()> {
        self.require_scope(method_id)?;
        self.require_admin(t)
    }
}

impl FromRequestParts<Arc<Shared>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        s: &Arc<Shared>,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(ApiError::unauthenticated)?;
        let caller = if parts.extensions.get::<ForceExpired>().is_some() {
            s.tokens.lock().expect("token lock").remove(&token);
            return Err(ApiError::unauthenticated());
        } else if token.starts_with("ya29.") {
            let mut tokens = s.tokens.lock().expect("token lock");
            match tokens.get(&token) {
                Some(info) if info.expires > Instant::now() => Caller {
                    subject: info.subject,
                    scopes: info.scopes.clone(),
                    any_scope: false,
                    admin_service_account: info.subject.is_none() && s.cfg.service_account_admin,
                },
                Some(_) => {
                    tokens.remove(&token);
                    return Err(ApiError::unauthenticated());
                }
                None => return Err(ApiError::unauthenticated()),
            }
        } else {
            self_signed(s, &token, parts.uri.path()).ok_or_else(ApiError::unauthenticated)?
        };
        quota(s, parts, &caller)?;
        Ok(caller)
    }
}

fn bearer(parts: &Parts) -> Option<String> {
    if let Some(h) = parts.headers.get(axum::http::header::AUTHORIZATION) {
        let h = h.to_str().ok()?;
        let (scheme, token) = h.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_string());
    }
    // Google also accepts the token as the `access_token` query parameter.
    url::form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.into_owned())
}

/// A service account's self-signed JWT used directly as the bearer (no token exchange): `aud` is
/// the API's root URL, or a `scope` claim is given. It acts as the service account itself.
/// The root URL is Google's (`https://admin.googleapis.com/` for a Directory call, what GAM's
/// DASA mode signs) or the simulator's own, for clients pointed at it by root URL.
fn self_signed(s: &Shared, jwt: &str, path: &str) -> Option<Caller> {
    let claims = oauth::peek_claims(jwt)?;
    let id = oauth::identity(s.cfg.seed);
    if claims["iss"].as_str()? != id.client_email || !oauth::signature_ok(jwt) {
        return None;
    }
    if !oauth::lifetime_ok(&claims, oauth::unix_now()) {
        return None;
    }
    if let Some(sub) = claims["sub"].as_str() {
        if sub != id.client_email {
            return None;
        }
    }
    let scopes: Vec<String> = claims["scope"]
        .as_str()
        .unwrap_or_default()
        .split_whitespace()
        .map(String::from)
        .collect();
    let aud = claims["aud"]
        .as_str()
        .unwrap_or_default()
        .trim_end_matches('/');
    let aud_ok = aud == s.base_url.trim_end_matches('/')
        || aud.strip_prefix("https://") == Some(service_of(path));
    if !aud_ok && scopes.is_empty() {
        return None;
    }
    Some(Caller {
        subject: None,
        any_scope: scopes.is_empty(),
        scopes,
        admin_service_account: s.cfg.service_account_admin,
    })
}

fn quota(s: &Shared, parts: &Parts, caller: &Caller) -> ApiResult<()> {
    let path = parts.uri.path();
    let now = Instant::now();
    let admitted = if path.starts_with("/admin/") {
        let Some(limit) = s.cfg.quota_per_minute else {
            return Ok(());
        };
        let who = caller
            .subject
            .map(|u| u.to_string())
            .unwrap_or_else(|| "service-account".into());
        let window = std::time::Duration::from_secs(60);
        s.quota.admit(
            Bucket::Admin(who),
            limit,
            window,
            s.cfg.quota_window,
            s.started,
            now,
        )
    } else if path.starts_with("/v1/enterprises") {
        let Some(limit) = s.cfg.amapi_quota_per_100s else {
            return Ok(());
        };
        let window = std::time::Duration::from_secs(100);
        // A newer API: quota errors are 429 RESOURCE_EXHAUSTED, not the Admin SDK's 403.
        let ok = s.quota.admit(
            Bucket::Amapi,
            limit,
            window,
            QuotaWindow::FixedMinute,
            s.started,
            now,
        );
        return if ok {
            Ok(())
        } else {
            Err(ApiError::too_many_requests(None))
        };
    } else {
        return Ok(());
    };
    if admitted {
        Ok(())
    } else {
        Err(ApiError::user_rate_limit(service_of(path)))
    }
}

/// The Google host a path belongs to, for quota messages.
pub fn service_of(path: &str) -> &'static str {
    if path.starts_with("/admin/") {
        "admin.googleapis.com"
    } else if path.starts_with("/gmail/") {
        "gmail.googleapis.com"
    } else if path.starts_with("/v1/enterprises") {
        "androidmanagement.googleapis.com"
    } else {
        "cloudidentity.googleapis.com"
    }
}
