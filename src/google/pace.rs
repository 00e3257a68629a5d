//! Client-side quota pacing, shared by every concurrent request of a
//! [`Client`](super::Client), so offsync runs *at* the quota instead of bouncing off it.
//!
//! Google documents the Admin SDK quota as 2,400 queries per minute per user but not how the
//! window is enforced: per clock minute, sliding over 60 s, or strictly per second all fit the
//! words. A fixed 40/s is safe under each but slow where bursts are allowed; bursting is fast
//! there but storms of 403/429 under a per-second reading. So the Admin pacer adapts
//! ([`Adaptive`]): it starts at the configured rate ÷ 60 per second (safe under every reading),
//! speeds up while no rate-limit error comes, backs off multiplicatively on one, and stays a
//! little under the rate that failed for a while before probing again. While it stays there,
//! any `ceiling ÷ 60` requests in a row span more than a second, counting those already sent
//! (a per-second window counts refused requests too), so the requests in flight when the
//! error came are the only ones refused. Requests wait in line and take their slot only when
//! it is due, so a back-off spaces all of them at once. It never lets more than the
//! configured ceiling through in any 60 s.
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
const JITTER_MARGIN: f64 = 0.015;

struct State {
    /// Requests per second now.
    rate: f64,
    /// The slot the last request took: the next one is `1 / rate` later.
    last: Option<Instant>,
    /// Send times within the last 60 s, oldest first.
    sent: VecDeque<Instant>,
    /// After an error: stay under this rate until `hold_until`.
    cap: f64,
    hold_until: Option<Instant>,
    last_cut: Option<Instant>,
    /// Set by a rate-limit error: the server counts per second (or allows less than
    /// configured), so until the hold ends no `per_second` requests in a row may be sent
    /// within `per_second / cap` seconds, counting every request already sent, refused or
    /// not, as such a server does.
    strict: bool,
}

/// The Admin SDK pacer: additive increase while answers come, multiplicative decrease on a
/// rate-limit error, within the per-minute ceiling.
pub struct Adaptive {
    per_minute: u32,
    /// What a per-second reading of the quota allows in any second.
    per_second: usize,
    base: f64,
    /// Waiters line up here in order; the first one sleeps until its slot and sends. Slots
    /// are only taken when due, so a back-off spaces every waiter at the new rate at once.
    queue: tokio::sync::Mutex<()>,
    state: Mutex<State>,
}

impl Adaptive {
    pub fn new(per_minute: u32) -> Adaptive {
        let per_minute = per_minute.max(1);
        // 99%: a per-second window counts arrivals, which jitter a little.
        let base = (per_minute as f64 / 60.0 * 0.99).max(1.0 / 60.0);
        Adaptive {
            per_minute,
            per_second: (per_minute / 60).max(1) as usize,
            base,
            queue: tokio::sync::Mutex::new(()),
            state: Mutex::new(State {
                rate: base,
                last: None,
                sent: VecDeque::new(),
                cap: base * MAX_BURST,
                hold_until: None,
                last_cut: None,
                strict: false,
            }),
        }
    }

    pub async fn wait(&self) {
        let _turn = self.queue.lock().await;
        let first = Instant::now();
        // A back-off while asleep moves the slot later: look again when it comes.
        while let Some(slot) = self.take(first, Instant::now()) {
            tokio::time::sleep_until(slot).await;
        }
    }

    /// Takes the slot of a request first in line since `first` when it is due at `now`
    /// (`None`), else says when it is.
    fn take(&self, first: Instant, now: Instant) -> Option<Instant> {
        let mut st = self.state.lock().expect("pacer lock");
        let slot = self.earliest(&mut st, now).max(first);
        if slot > now {
            return Some(slot);
        }
        // The next slot counts from this one, not from when the timer fired (on the next
        // millisecond, or later on a busy machine), so timer lateness does not add up.
        st.last = Some(slot);
        // The windows count when requests really left.
        st.sent.push_back(now);
        None
    }

    /// The earliest the next request may go (possibly before `now`).
    fn earliest(&self, st: &mut State, now: Instant) -> Instant {
        let minute = Duration::from_secs(60);
        while st.sent.front().is_some_and(|&t| t + minute <= now) {
            st.sent.pop_front();
        }
        let mut slot = match st.last {
            Some(last) => last + Duration::from_secs_f64(1.0 / st.rate),
            None => now,
        };
        // Never more than the ceiling in any 60 s.
        let n = st.sent.len();
        if n >= self.per_minute as usize {
            slot = slot.max(st.sent[n - self.per_minute as usize] + minute);
        }
        // Under a per-second reading, `per_second` requests in a row span `per_second ÷
        // cap` seconds. Right after a burst this drains the server's window exactly: the
        // requests in flight when the error came still count there.
        if st.strict && n >= self.per_second {
            let span = Duration::from_secs_f64(self.per_second as f64 / st.cap);
            slot = slot.max(st.sent[n - self.per_second] + span);
        }
        slot
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
            // lower than configured) lowers the cap by the margin again. No dip below the
            // cap is needed to drain the server's window: the per-second spacing of
            // `strict` waits exactly as long as the requests already sent make it.
            let above = st.rate > self.base * 1.001;
            let failed = if above { self.base } else { st.rate };
            st.cap = (failed * (1.0 - JITTER_MARGIN)).max(self.base * 0.05);
            st.rate = st.cap;
            st.strict = true;
            st.hold_until = Some(now + HOLD);
            st.last_cut = Some(now);
            return;
        }
        if st.hold_until.is_some_and(|t| now >= t) {
            st.hold_until = None;
            st.strict = false;
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
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    use super::*;
    use crate::sim::{QuotaBucket, QuotaWindow, Quotas};

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
        let held = base * (1.0 - JITTER_MARGIN);
        // Held a margin under the base rate...
        assert!((rate(&a) - held).abs() < 1e-9);
        for _ in 0..1000 {
            a.answered(false, t0 + Duration::from_secs(1));
        }
        assert!((rate(&a) - held).abs() < 1e-9);
        // ...and the margin lower again when errors come even there (jitter, or a lower
        // real quota).
        a.answered(true, t0 + Duration::from_secs(2));
        assert!((rate(&a) - held * (1.0 - JITTER_MARGIN)).abs() < 1e-9);
        // ...until the hold ends, then up to the burst ceiling.
        for _ in 0..2000 {
            a.answered(false, t0 + Duration::from_secs(3) + HOLD);
        }
        assert!((rate(&a) - base * MAX_BURST).abs() < 1e-9);
    }

    /// Takes the next slot as soon as it is due; returns when that was.
    fn send(a: &Adaptive, first: Instant) -> Instant {
        let mut now = first;
        while let Some(slot) = a.take(first, now) {
            now = slot;
        }
        now
    }

    #[test]
    fn a_back_off_waits_until_what_was_sent_leaves_the_second() {
        let a = Adaptive::new(2400); // 40 per second under a per-second reading
        let t0 = Instant::now();
        for _ in 0..400 {
            a.answered(false, t0);
        }
        // 60 requests in about 0.75 s at twice the base rate.
        let sent: Vec<Instant> = (0..60).map(|_| send(&a, t0)).collect();
        let end = sent[59];
        a.answered(true, end);
        // The 40 requests before the next one (the last 40 sent) span 40 ÷ the held rate.
        let held = a.state.lock().unwrap().cap;
        let next = send(&a, end);
        let span = Duration::from_secs_f64(40.0 / held);
        assert!(next >= sent[20] + span, "{:?}", next - end);
        assert!(next < sent[20] + span + Duration::from_millis(1));
        // Then evenly spaced at the held rate.
        let after = send(&a, next);
        let gap = (after - next).as_secs_f64();
        assert!((gap - 1.0 / held).abs() < 1e-3, "{gap}");
    }

    #[test]
    fn never_more_than_the_ceiling_in_a_minute() {
        let a = Adaptive::new(60); // 1/s base, bursts to 4/s
        let t0 = Instant::now();
        for _ in 0..2000 {
            a.answered(false, t0);
        }
        let slots: Vec<Instant> = (0..61).map(|_| send(&a, t0)).collect();
        // 60 fit in well under a minute at 4/s; the 61st waits for the window.
        assert!(slots[59] - t0 < Duration::from_secs(20));
        assert!(slots[60] - slots[0] >= Duration::from_secs(60));
    }

    /// A simulated clock: `workers` request loops share the pacer (2,400/min); a request
    /// reaches the simulator's quota check 150 ms after it leaves (the simulator sleeps its
    /// latency first) and the loop sends again when the answer is back, at once, refused
    /// or not. Timers fire on whole milliseconds, as tokio's do. Returns each request's
    /// arrival and whether the quota, enforced the way `how` reads it, admitted it.
    fn simulate(how: QuotaWindow, workers: usize, secs: u64) -> Vec<(Duration, bool)> {
        let a = Adaptive::new(2400);
        let quotas = Quotas::default();
        let (t0, s0) = (Instant::now(), std::time::Instant::now());
        let latency = Duration::from_millis(150);
        let end = t0 + Duration::from_secs(secs);
        let mut flying: BinaryHeap<Reverse<Instant>> = BinaryHeap::new();
        let (mut now, mut queued, mut log) = (t0, workers, Vec::new());
        // Since when the first request in line has been first.
        let mut head = None;
        loop {
            while flying.peek().is_some_and(|&Reverse(at)| at <= now) {
                let Reverse(at) = flying.pop().expect("peeked");
                let (who, window) = (QuotaBucket::Admin("admin".into()), Duration::from_secs(60));
                let ok = quotas.admit(who, 2400, window, how, s0, s0 + (at - t0));
                a.answered(!ok, at);
                log.push((at - t0, ok));
                queued += 1;
            }
            let mut timer = None;
            while queued > 0 {
                let first = *head.get_or_insert(now);
                match a.take(first, now) {
                    None => {
                        (queued, head) = (queued - 1, None);
                        flying.push(Reverse(now + latency));
                    }
                    Some(slot) => {
                        let ms = (slot - t0).as_nanos().div_ceil(1_000_000) as u64;
                        timer = Some(t0 + Duration::from_millis(ms));
                        break;
                    }
                }
            }
            let arrival = flying.peek().map(|&Reverse(at)| at);
            now = match (timer, arrival) {
                (Some(t), Some(at)) => t.min(at),
                (t, at) => t.or(at).expect("a request is always waiting or in flight"),
            };
            if now >= end {
                return log;
            }
        }
    }

    #[test]
    fn under_a_per_second_quota_only_the_first_probe_is_refused() {
        let log = simulate(QuotaWindow::StrictSecond, 16, 30);
        let refused: Vec<Duration> = log.iter().filter(|r| !r.1).map(|r| r.0).collect();
        // Climbing past the base rate is how the pacer learns the reading: the requests
        // in flight then are refused, and nothing after them.
        assert!(!refused.is_empty());
        assert!(refused.len() <= 10, "{refused:?}");
        assert!(
            refused.iter().all(|&t| t < Duration::from_secs(3)),
            "{refused:?}"
        );
        // Evenly spaced at the held rate (39/s, 1.5% under the base rate) for the rest.
        let admitted = log.iter().filter(|r| r.1).count();
        assert!(admitted >= 38 * 29, "{admitted}");
    }

    #[test]
    fn under_a_minute_quota_nothing_is_refused_and_the_rate_climbs() {
        for how in [QuotaWindow::FixedMinute, QuotaWindow::SlidingMinute] {
            let log = simulate(how, 16, 30);
            assert!(log.iter().all(|r| r.1), "{how:?}");
            // Well above 40/s: 16 loops at 150 ms allow up to 106/s.
            assert!(log.len() > 60 * 30, "{how:?}: {}", log.len());
        }
    }
}
