//! Query-string parameters, validated the way Google validates them: a value outside a method's
//! documented range or enum is a 400 `invalid`, never silently clamped.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Default)]
pub struct Params(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or_default();
        Ok(Params(
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect(),
        ))
    }
}

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A non-empty value, or `None`.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    /// An integer parameter with Google's range error.
    pub fn int(&self, name: &str, default: u32, min: u32, max: u32) -> ApiResult<u32> {
        let Some(raw) = self.get(name) else {
            return Ok(default);
        };
        match raw.parse::<i64>() {
            Ok(v) if v >= min as i64 && v <= max as i64 => Ok(v as u32),
            _ => Err(ApiError::invalid(format!(
                "Invalid value '{raw}'. Values must be within the range: [{min}, {max}]"
            ))),
        }
    }

    /// An enum parameter, matched case-insensitively as Google does; returns the canonical value.
    pub fn one_of(&self, name: &str, allowed: &[&'static str]) -> ApiResult<Option<&'static str>> {
        let Some(raw) = self.text(name) else {
            return Ok(None);
        };
        allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(raw))
            .map(|a| Some(*a))
            .ok_or_else(|| {
                ApiError::invalid(format!("Invalid value for: {name} is not a valid value"))
            })
    }

    /// The canonical string of the parameters that define a listing: a page token is bound to it.
    pub fn binding(&self, names: &[&str]) -> String {
        names
            .iter()
            .map(|n| format!("{n}={};", self.get(n).unwrap_or_default()))
            .collect()
    }
}
