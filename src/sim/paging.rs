//! Opaque page tokens. A token carries a hash of the query it belongs to and a cursor (the last
//! key returned, never an offset), so reusing it with another query is a 400, and devices that
//! change during a listing are neither skipped nor returned twice.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::error::{ApiError, ApiResult};

/// FNV-1a: stable across runs and platforms (std's hasher is randomly keyed).
pub fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

pub fn encode(binding: &str, cursor: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{:016x}|{cursor}", fnv(binding)))
}

/// The cursor inside `token`, if it belongs to `binding`.
pub fn decode(token: &str, binding: &str) -> ApiResult<String> {
    let bad = || ApiError::invalid_input(format!("Invalid page token: {token}"));
    let raw = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    let (hash, cursor) = raw.split_once('|').ok_or_else(bad)?;
    if hash != format!("{:016x}", fnv(binding)) {
        return Err(bad());
    }
    Ok(cursor.to_string())
}

/// The cursor of the request (empty on the first page).
pub fn cursor(token: Option<&str>, binding: &str) -> ApiResult<Option<String>> {
    token
        .filter(|t| !t.is_empty())
        .map(|t| decode(t, binding))
        .transpose()
}
