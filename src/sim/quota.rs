//! Quotas as Google documents them, per API: the Admin SDK (Directory and Reports) counts
//! queries per minute per user; the Android Management API 1,000 queries per 100 s per
//! project; Cloud Identity and Gmail are not limited here. How Google enforces a per-minute
//! quota is not documented, so the window is a reading ([`QuotaWindow`]): a fixed window per
//! clock minute, a window sliding over the last 60 s, or a strict per-second share
//! (`limit / 60` requests in any second), which punishes bursts that the others allow.

use std::collections::{HashMap, VecDeque};
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How a per-minute quota is enforced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum QuotaWindow {
    /// Counts reset at each full minute since the server started.
    #[default]
    FixedMinute,
    /// At most `limit` requests in any 60 s.
    SlidingMinute,
    /// At most `limit / 60` requests in any 1 s.
    StrictSecond,
}

impl FromStr for QuotaWindow {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "fixed" => Ok(QuotaWindow::FixedMinute),
            "sliding" => Ok(QuotaWindow::SlidingMinute),
            "second" | "strict" => Ok(QuotaWindow::StrictSecond),
            other => Err(format!(
                "unknown quota window `{other}`; use fixed, sliding or second"
            )),
        }
    }
}

/// Which quota a request path counts against, and for whom.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// Admin SDK: per user (the impersonated admin, or the service account).
    Admin(String),
    /// Android Management: one bucket for the project.
    Amapi,
}

/// Request times per bucket: enough to answer every window.
#[derive(Default)]
pub struct Quotas {
    seen: Mutex<HashMap<Bucket, VecDeque<Instant>>>,
}

impl Quotas {
    /// Records one request at `at` and says whether it is within `limit` per `window`
    /// under `how` (the AMAPI quota is always a window of its own length, fixed from
    /// `started`). A refused request still counts, as Google counts it.
    pub fn admit(
        &self,
        bucket: Bucket,
        limit: u32,
        window: Duration,
        how: QuotaWindow,
        started: Instant,
        at: Instant,
    ) -> bool {
        let mut seen = self.seen.lock().expect("quota lock");
        let q = seen.entry(bucket).or_default();
        let (span, allowed, from) = match how {
            QuotaWindow::FixedMinute => {
                let n = (at - started).as_secs_f64() / window.as_secs_f64();
                let start = started + window.mul_f64(n.floor());
                (window, limit, start)
            }
            QuotaWindow::SlidingMinute => {
                (window, limit, at.checked_sub(window).unwrap_or(started))
            }
            QuotaWindow::StrictSecond => {
                let per_sec = (limit as f64 / window.as_secs_f64()).floor().max(1.0) as u32;
                let s = Duration::from_secs(1);
                (s, per_sec, at.checked_sub(s).unwrap_or(started))
            }
        };
        // Keep at most one window of history (the longest any reading looks back).
        let keep = at.checked_sub(span.max(window)).unwrap_or(started);
        while q.front().is_some_and(|&t| t < keep) {
            q.pop_front();
        }
        let fixed = how == QuotaWindow::FixedMinute;
        let in_window = q
            .iter()
            .rev()
            .take_while(|&&t| if fixed { t >= from } else { t > from })
            .count() as u32;
        q.push_back(at);
        in_window < allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(how: QuotaWindow, times_ms: &[u64]) -> Vec<bool> {
        let q = Quotas::default();
        let t0 = Instant::now();
        times_ms
            .iter()
            .map(|&ms| {
                let at = t0 + Duration::from_millis(ms);
                q.admit(Bucket::Amapi, 120, Duration::from_secs(60), how, t0, at)
            })
            .collect()
    }

    #[test]
    fn the_three_readings_differ_on_bursts() {
        // 3 requests at once under 120/min: fine per minute, over 2/s strictly.
        let burst = [0, 1, 2];
        assert_eq!(run(QuotaWindow::FixedMinute, &burst), [true; 3]);
        assert_eq!(run(QuotaWindow::SlidingMinute, &burst), [true; 3]);
        assert_eq!(run(QuotaWindow::StrictSecond, &burst), [true, true, false]);
        // 120 at the end of minute 0, 120 at the start of minute 1: the fixed window
        // allows both, the sliding window refuses the second batch.
        let mut times: Vec<u64> = (0..120).map(|i| 59_000 + i).collect();
        times.extend((0..120).map(|i| 60_500 + i));
        let fixed = run(QuotaWindow::FixedMinute, &times);
        assert!(fixed.iter().all(|&ok| ok));
        let sliding = run(QuotaWindow::SlidingMinute, &times);
        assert_eq!(sliding.iter().filter(|&&ok| ok).count(), 120);
    }
}
