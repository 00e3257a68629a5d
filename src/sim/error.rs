//! Google's JSON error envelope, built in one place so every route fails the same way Google
//! does: `{"error":{"code","message","errors":[{"message","domain","reason"}],"status"}}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An API error as Google would send it.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: u16,
    pub status: &'static str,
    pub reason: &'static str,
    pub domain: &'static str,
    pub message: String,
    /// The short per-error message Google puts in `errors[].message` when it differs.
    pub detail: Option<&'static str>,
    pub location: Option<&'static [&'static str; 2]>,
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(
        code: u16,
        status: &'static str,
        reason: &'static str,
        message: impl Into<String>,
    ) -> Self {
        ApiError {
            code,
            status,
            reason,
            domain: "global",
            message: message.into(),
            detail: None,
            location: None,
            retry_after: None,
        }
    }

    /// 400 `invalid`, with Google's "Invalid Input: " prefix.
    pub fn invalid_input(what: impl std::fmt::Display) -> Self {
        Self::new(
            400,
            "INVALID_ARGUMENT",
            "invalid",
            format!("Invalid Input: {what}"),
        )
    }

    /// 400 `invalid` with a message used verbatim (parameter range and enum errors).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(400, "INVALID_ARGUMENT", "invalid", message)
    }

    /// Parses a JSON request body the way Google's newer APIs (Cloud Identity, Gmail,
    /// Android Management) reject bad ones: 400 "Invalid JSON payload received. …".
    pub fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Self> {
        serde_json::from_slice(body)
            .map_err(|e| Self::invalid(format!("Invalid JSON payload received. {e}")))
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "INVALID_ARGUMENT", "badRequest", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "NOT_FOUND", "notFound", message)
    }

    pub fn failed_precondition(message: impl Into<String>) -> Self {
        Self::new(400, "FAILED_PRECONDITION", "failedPrecondition", message)
    }

    pub fn unauthenticated() -> Self {
        let mut e = Self::new(
            401,
            "UNAUTHENTICATED",
            "authError",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login \
             cookie or other valid authentication credential. See \
             https://developers.google.com/identity/sign-in/web/devconsole-project.",
        );
        e.detail = Some("Invalid Credentials");
        e.location = Some(&["Authorization", "header"]);
        e
    }

    pub fn insufficient_scopes() -> Self {
        let mut e = Self::new(
            403,
            "PERMISSION_DENIED",
            "insufficientPermissions",
            "Request had insufficient authentication scopes.",
        );
        e.detail = Some("Insufficient Permission");
        e
    }

    pub fn not_authorized() -> Self {
        Self::new(
            403,
            "PERMISSION_DENIED",
            "forbidden",
            "Not Authorized to access this resource/api",
        )
    }

    pub fn permission_denied(message: impl Into<String>) -> Self {
        Self::new(403, "PERMISSION_DENIED", "forbidden", message)
    }

    pub fn rate_limit() -> Self {
        let mut e = Self::new(
            403,
            "PERMISSION_DENIED",
            "rateLimitExceeded",
            "Rate Limit Exceeded",
        );
        e.domain = "usageLimits";
        e
    }

    pub fn too_many_requests(retry_after: Option<u32>) -> Self {
        let mut e = Self::new(
            429,
            "RESOURCE_EXHAUSTED",
            "rateLimitExceeded",
            "Resource has been exhausted (e.g. check quota).",
        );
        e.domain = "usageLimits";
        e.retry_after = retry_after;
        e
    }

    pub fn user_rate_limit(service: &str) -> Self {
        let mut e = Self::new(
            403,
            "PERMISSION_DENIED",
            "userRateLimitExceeded",
            format!(
                "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' \
                 of service '{service}' for consumer 'project_number:1054893625122'."
            ),
        );
        e.domain = "usageLimits";
        e
    }

    pub fn backend(code: u16) -> Self {
        let (status, message) = match code {
            503 => ("UNAVAILABLE", "The service is currently unavailable."),
            _ => ("INTERNAL", "Internal error encountered."),
        };
        Self::new(code, status, "backendError", message)
    }

    pub fn body(&self) -> serde_json::Value {
        let mut item = json!({
            "message": self.detail.map(String::from).unwrap_or_else(|| self.message.clone()),
            "domain": self.domain,
            "reason": self.reason,
        });
        if let Some([location, kind]) = self.location {
            item["location"] = json!(location);
            item["locationType"] = json!(kind);
        }
        json!({"error": {
            "code": self.code,
            "message": self.message,
            "errors": [item],
            "status": self.status,
        }})
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (status, axum::Json(self.body())).into_response();
        let headers = resp.headers_mut();
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.code == 401 {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(
                    "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"",
                ),
            );
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
