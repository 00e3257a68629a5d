//! Which failures are worth another try, and how long to wait before it: exponential backoff
//! with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"), except that a
//! server's `Retry-After` wins, because Google computes it from the quota window it enforces.
//! Pure functions only: the request loop in `client.rs` does the waiting.
use std::time::{Duration, SystemTime};

use rand::Rng;

/// Reasons Google uses for quota errors, which it may send as 403 instead of 429.
const QUOTA_REASONS: [&str; 3] = [
    "rateLimitExceeded",
    "userRateLimitExceeded",
    "quotaExceeded",
];

/// True for 429, 500, 502, 503, 504, and a 403 whose reason is a quota reason.
pub fn is_retryable(status: u16, reason: Option<&str>) -> bool {
    match status {
        429 | 500 | 502 | 503 | 504 => true,
        403 => reason.is_some_and(|r| QUOTA_REASONS.contains(&r)),
        _ => false,
    }
}

/// The backoff bounds (from `HttpSettings`).
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Backoff {
    /// The ceiling before attempt `failures + 1`: `base * 2^(failures-1)`, capped at `max`.
    pub fn ceiling(&self, failures: u32) -> Duration {
        let shift = failures.saturating_sub(1).min(20);
        self.base.saturating_mul(1 << shift).min(self.max)
    }

    /// Full jitter: uniformly random in `0..=ceiling`, so many clients that failed together
    /// do not retry together.
    pub fn delay(&self, failures: u32) -> Duration {
        let ceil = self.ceiling(failures).as_millis() as u64;
        Duration::from_millis(rand::rng().random_range(0..=ceil))
    }

    /// The wait before the next try: `Retry-After` when the server sent one (capped at
    /// `max` so a bogus header cannot stall a listing for hours), else jittered backoff.
    pub fn wait(&self, failures: u32, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(ra) => ra.min(self.max.max(Duration::from_secs(1))),
            None => self.delay(failures),
        }
    }
}

/// Parses a `Retry-After` header: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_google_quota_and_transient_errors() {
        for s in [429, 500, 502, 503, 504] {
            assert!(is_retryable(s, None), "{s}");
        }
        assert!(is_retryable(403, Some("userRateLimitExceeded")));
        assert!(is_retryable(403, Some("quotaExceeded")));
        assert!(!is_retryable(403, Some("insufficientPermissions")));
        assert!(!is_retryable(403, None));
        assert!(!is_retryable(404, Some("notFound")));
        assert!(!is_retryable(400, None));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let b = Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        assert_eq!(b.ceiling(1), Duration::from_millis(100));
        assert_eq!(b.ceiling(3), Duration::from_millis(400));
        assert_eq!(b.ceiling(30), Duration::from_secs(1));
        for n in 1..10 {
            assert!(b.delay(n) <= b.ceiling(n));
        }
        assert_eq!(
            b.wait(1, Some(Duration::from_millis(700))),
            Duration::from_millis(700)
        );
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(5));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(5)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(5));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
