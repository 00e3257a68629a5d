//! Client-side quota pacing, shared by every concurrent request of a
//! [`Client`](super::Client), so offsync runs *at* the quota instead of bouncing off it.
//!
//! Google documents the Admin SDK quota as 2,400 queries per minute per user but not how the
//! window is enforced: per clock minute, sliding over 60 s, or strictly per second all fit the
//! words. A fixed 40/s is safe under each but slow where bursts are allowed; bursting is fast
//! there but storms of 403/429 under a per-second reading. So the Admin pacer adapts
//! ([`Adaptive`]): it starts at the configured rate ÷ 60 per second (safe under every reading),
//! speeds up while no rate-limit error comes, backs off multiplicatively on one, and stays a
//! little under the rate that failed for a while before probing again. It never lets more than
//! the configured ceiling through in any 60 s.
//!
//! The Android Management quota (1,000 per 100 s per project) is paced by a GCRA limiter
//! (governor) at 99% with a tiny burst; Cloud Identity and Gmail are not paced.
use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::time::Instant;

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
    admin: Arc<Adaptive>,
    amapi: Arc<DefaultDirectRateLimiter>,
}

impl Pacer {
    pub fn new(admin_per_minute: u32, amapi_per_100s: u32) -> Pacer {
        Pacer {
            admin: Arc::new(Adaptive::new(admin_per_minute)),
            amapi: Arc::new(limiter(amapi_per_100s, Duration::from_secs(100))),
        }
    }

    /// Waits until `api`'s quota allows one more request.
    pub async fn wait(&self, api: Api) {
        match api {
            Api::Admin => self.admin.wait().await,
            Api::Amapi => self.amapi.until_ready().await,
            Api::CloudIdentity | Api::Gmail => {}
        }
    }

    /// A request of `api` was answered; `rate_limited` when the answer was a quota error.
    pub fn answered(&self, api: Api, rate_limited: bool) {
        if api == Api::Admin {
            self.admin.answered(rate_limited, Instant::now());
        }
    }

    /// The Admin SDK rate the pacer currently allows, per second.
    pub fn admin_rate(&self) -> f64 {
        self.admin.state.lock().expect("pacer lock").rate
    }
}

/// How long after a rate-limit error the pacer stays at or under the base rate.
const HOLD: Duration = Duration::from_secs(60);
/// The fastest the per-second rate may grow to, as a multiple of the ceiling ÷ 60.
const MAX_BURST: f64 = 4.0;
/// After a rate-limit error, the held cap stays this share under the rate that failed.
const JITTER_MARGIN: f64 = 0.03;

struct State {
    /// Requests per second now.
    rate: f64,
    /// The next free slot.
    next: Instant,
    /// Send times within the last 60 s (only kept while bursting above the base rate).
    sent: VecDeque<Instant>,
    /// After an error: stay under this rate until `hold_until`.
    cap: f64,
    hold_until: Option<Instant>,
    last_cut: Option<Instant>,
    /// Back-offs so far: waiters whose slot predates one reserve again.
    cuts: u64,
}

/// The Admin SDK pacer: additive increase while answers come, multiplicative decrease on a
/// rate-limit error, within the per-minute ceiling.
pub struct Adaptive {
    per_minute: u32,
    base: f64,
    state: Mutex<State>,
}

impl Adaptive {
    pub fn new(per_minute: u32) -> Adaptive {
        let per_minute = per_minute.max(1);
        // 99%: a per-second window counts arrivals, which jitter a little.
        let base = (per_minute as f64 / 60.0 * 0.99).max(1.0 / 60.0);
        Adaptive {
            per_minute,
            base,
            state: Mutex::new(State {
                rate: base,
                next: Instant::now(),
                sent: VecDeque::new(),
                cap: base * MAX_BURST,
                hold_until: None,
                last_cut: None,
                cuts: 0,
            }),
        }
    }

    pub async fn wait(&self) {
        loop {
            let cuts = self.state.lock().expect("pacer lock").cuts;
            let slot = self.reserve(Instant::now());
            tokio::time::sleep_until(slot).await;
            // A slot reserved before a back-off was spaced for the old rate: take a new one.
            if self.state.lock().expect("pacer lock").cuts == cuts {
                return;
            }
        }
    }

    /// Takes the next slot at or after `now`.
    fn reserve(&self, now: Instant) -> Instant {
        {
            let mut st = self.state.lock().expect("pacer lock");
            let mut slot = st.next.max(now);
            // Never more than the ceiling in any 60 s.
            let minute = Duration::from_secs(60);
            while st.sent.front().is_some_and(|&t| t + minute <= slot) {
                st.sent.pop_front();
            }
            if st.sent.len() as u32 >= self.per_minute {
                slot = slot.max(st.sent[0] + minute);
            }
            st.sent.push_back(slot);
            st.next = slot + Duration::from_secs_f64(1.0 / st.rate);
            slot
        }
    }

    fn answered(&self, rate_limited: bool, now: Instant) {
        let mut st = self.state.lock().expect("pacer lock");
        if rate_limited {
            // Requests in flight when the limit hit fail together: cut once per round.
            if st
                .last_cut
                .is_some_and(|t| now - t < Duration::from_millis(500))
            {
                return;
            }
            // The ceiling ÷ 60 per second is safe under every reading the quota allows; a
            // rate-limit error above it means the server counts per second: back under it
            // and stay there for a while. Such a server counts arrivals, which the network
            // and its own scheduling jitter, so the held cap keeps `JITTER_MARGIN` under the
            // rate that failed; each error at or below it (more jitter than that, or a quota
            // lower than configured) lowers the cap by the margin again. The rate itself
            // drops 10% so the window drains, then climbs back to the cap: holding the 10%
            // cut would give away a tenth of the quota per error for the whole hold.
            let above = st.rate > self.base * 1.001;
            let failed = if above { self.base } else { st.rate };
            st.cap = failed * (1.0 - JITTER_MARGIN);
            st.rate = (failed * 0.9).max(self.base * 0.05);
            st.hold_until = Some(now + HOLD);
            st.last_cut = Some(now);
            st.cuts += 1;
            // Pause the next slot a little so the window can drain.
            st.next = st.next.max(now + Duration::from_secs_f64(1.0 / st.rate));
            return;
        }
        if st.hold_until.is_some_and(|t| now >= t) {
            st.hold_until = None;
            st.cap = self.base * MAX_BURST;
        }
        // About +0.25% of the base rate per answer: doubling takes ~400 answers.
        st.rate = (st.rate + self.base * 0.0025).min(st.cap);
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
    async fn starts_at_the_base_rate_without_a_burst() {
        // 6,000/min = 99/s: 20 requests take about 19 periods.
        let p = Pacer::new(6000, 1000);
        let t = std::time::Instant::now();
        for _ in 0..20 {
            p.wait(Api::Admin).await;
        }
        let e = t.elapsed();
        assert!(e >= Duration::from_millis(170), "{e:?}");
        assert!(e < Duration::from_secs(2), "{e:?}");
    }

    #[test]
    fn speeds_up_while_answers_come_and_backs_off_on_rate_limits() {
        let a = Adaptive::new(2400);
        let t0 = Instant::now();
        let rate = |a: &Adaptive| a.state.lock().unwrap().rate;
        let base = rate(&a);
        for _ in 0..400 {
            a.answered(false, t0);
        }
        assert!(rate(&a) > base * 1.9, "{}", rate(&a));
        a.answered(true, t0);
        a.answered(true, t0 + Duration::from_millis(10)); // same round: one cut
        assert!((rate(&a) - base * 0.9).abs() < 1e-9);
        // Held a margin under the base rate...
        for _ in 0..1000 {
            a.answered(false, t0 + Duration::from_secs(1));
        }
        let held = base * (1.0 - JITTER_MARGIN);
        assert!((rate(&a) - held).abs() < 1e-9);
        // ...and 10% less when errors come even there (jitter, or a lower real quota).
        a.answered(true, t0 + Duration::from_secs(2));
        assert!((rate(&a) - held * 0.9).abs() < 1e-9);
        // ...until the hold ends, then up to the burst ceiling.
        for _ in 0..2000 {
            a.answered(false, t0 + Duration::from_secs(3) + HOLD);
        }
        assert!((rate(&a) - base * MAX_BURST).abs() < 1e-9);
    }

    #[test]
    fn an_error_at_the_held_rate_costs_the_margin_not_a_tenth() {
        let a = Adaptive::new(2400);
        let t0 = Instant::now();
        let state = |a: &Adaptive| {
            let st = a.state.lock().unwrap();
            (st.rate, st.cap)
        };
        let base = state(&a).0;
        // Above the base rate: the server counts per second.
        for _ in 0..100 {
            a.answered(false, t0);
        }
        a.answered(true, t0);
        assert_eq!(state(&a), (base * 0.9, base * (1.0 - JITTER_MARGIN)));
        // Back at the held cap within ~50 answers (about a second at 40/s).
        let t1 = t0 + Duration::from_secs(1);
        for _ in 0..50 {
            a.answered(false, t1);
        }
        let held = base * (1.0 - JITTER_MARGIN);
        assert!((state(&a).0 - held).abs() < 1e-9);
        // A jitter error there drops the rate 10% for a moment but the cap only by the
        // margin, and the rate climbs back to it while the hold lasts.
        a.answered(true, t1);
        let (rate, cap) = state(&a);
        assert!((rate - held * 0.9).abs() < 1e-9);
        assert!((cap - held * (1.0 - JITTER_MARGIN)).abs() < 1e-9);
        let t2 = t1 + Duration::from_secs(1);
        for _ in 0..50 {
            a.answered(false, t2);
        }
        assert!((state(&a).0 - cap).abs() < 1e-9);
        // Errors of one round (in flight together) cut once.
        a.answered(true, t2);
        a.answered(true, t2 + Duration::from_millis(100));
        assert!((state(&a).1 - cap * (1.0 - JITTER_MARGIN)).abs() < 1e-9);
    }

    #[test]
    fn never_more_than_the_ceiling_in_a_minute() {
        let a = Adaptive::new(60); // 1/s base, bursts to 4/s
        let t0 = Instant::now();
        for _ in 0..2000 {
            a.answered(false, t0);
        }
        let slots: Vec<Instant> = (0..61).map(|_| a.reserve(t0)).collect();
        // 60 fit in well under a minute at 4/s; the 61st waits for the window.
        assert!(slots[59] - t0 < Duration::from_secs(20));
        assert!(slots[60] - slots[0] >= Duration::from_secs(60));
    }
}
