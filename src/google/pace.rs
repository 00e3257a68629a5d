//! Client-side quota pacing: one GCRA rate limiter (governor) per Google quota, shared by
//! every concurrent request of a [`Client`](super::Client), so offsync runs *at* the quota
//! instead of bouncing off it with 403 `userRateLimitExceeded`.
//!
//! Why 99% of the configured rate and a tiny burst: Google counts per minute (per 100 s
//! for AMAPI). GCRA with burst `b` lets through at most `rate * window + b` requests in any
//! window, so a full-rate limiter with a large burst would overshoot a fixed or sliding
//! window at start-up and collect quota errors. At 99% with a burst of a few requests, any
//! window stays under the quota; the rare error that still happens is retried.
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// Which quota a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// Admin SDK: Directory and Reports share the per-user queries-per-minute quota.
    Admin,
    CloudIdentity,
    Gmail,
    Amapi,
}

#[derive(Clone)]
pub struct Pacer {
    admin: Arc<DefaultDirectRateLimiter>,
    amapi: Arc<DefaultDirectRateLimiter>,
}

impl Pacer {
    pub fn new(admin_per_minute: u32, amapi_per_100s: u32) -> Pacer {
        Pacer {
            admin: Arc::new(limiter(admin_per_minute, Duration::from_secs(60))),
            amapi: Arc::new(limiter(amapi_per_100s, Duration::from_secs(100))),
        }
    }

    /// Waits until `api`'s quota allows one more request. Cloud Identity and Gmail have
    /// generous per-project quotas that offsync's call volume never approaches: not paced.
    pub async fn wait(&self, api: Api) {
        match api {
            Api::Admin => self.admin.until_ready().await,
            Api::Amapi => self.amapi.until_ready().await,
            Api::CloudIdentity | Api::Gmail => {}
        }
    }
}

fn limiter(per_window: u32, window: Duration) -> DefaultDirectRateLimiter {
    let rate = (per_window.max(1) as f64 * 0.99).max(1.0);
    let period = Duration::from_secs_f64(window.as_secs_f64() / rate);
    let burst = NonZeroU32::new((per_window / 600).clamp(1, 8)).expect("non-zero");
    let quota = Quota::with_period(period)
        .expect("non-zero period")
        .allow_burst(burst);
    RateLimiter::direct(quota)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn paces_near_the_configured_rate_without_a_big_burst() {
        // 6,000/min = 99/s paced with a burst of 8: 20 requests take at least 12 periods.
        let p = Pacer::new(6000, 1000);
        let t = std::time::Instant::now();
        for _ in 0..20 {
            p.wait(Api::Admin).await;
        }
        let e = t.elapsed();
        assert!(e >= Duration::from_millis(110), "{e:?}");
        assert!(e < Duration::from_secs(2), "{e:?}");
    }
}
