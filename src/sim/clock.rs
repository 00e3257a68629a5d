//! The sim clock: tenant time that starts at the real now (or a pinned instant) and moves with
//! real time (times a speed), so `lastSync` values stay meaningful while a demo runs and the demo
//! never ages, whatever the date.
//!
//! Tenant data is generated relative to the clock's start ([`super::Tenant::epoch`]) and stored as
//! unix seconds. Every response carries this clock in its `Date` header, as Google's carry
//! Google's: clients must take "now" from there, never from their own machine. JWT `iat`/`exp` are NOT checked
//! against it: clients sign with the machine's real clock, exactly as Google checks them.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};

/// How sim time starts and moves.
#[derive(Debug, Clone)]
pub struct ClockConfig {
    /// Fixed start; `None` starts at the real now (when the tenant is generated). Tests that
    /// compare instants pin it.
    pub start: Option<DateTime<Utc>>,
    /// Sim seconds per real second (1.0 = real time, 0.0 = frozen).
    pub speed: f64,
}

impl Default for ClockConfig {
    fn default() -> Self {
        ClockConfig {
            start: None,
            speed: 1.0,
        }
    }
}

/// The clock itself: cheap to read from any request handler.
#[derive(Debug)]
pub struct SimClock {
    start: i64,
    real_start: Instant,
    speed: f64,
    offset: AtomicI64,
}

impl SimClock {
    /// A clock at `start` (unix seconds: the tenant's epoch, so data and clock agree).
    pub fn new(start: i64, speed: f64) -> Self {
        SimClock {
            start,
            real_start: Instant::now(),
            speed,
            offset: AtomicI64::new(0),
        }
    }

    /// Current sim time in unix seconds.
    pub fn now(&self) -> i64 {
        let real = self.real_start.elapsed().as_secs_f64() * self.speed;
        self.start + real as i64 + self.offset.load(Ordering::Relaxed)
    }

    pub fn advance(&self, by: Duration) {
        self.offset
            .fetch_add(by.as_secs() as i64, Ordering::Relaxed);
    }
}

/// The sim start instant in unix seconds: the pinned one, or the real now.
pub fn start_of(cfg: &ClockConfig) -> i64 {
    match cfg.start {
        Some(t) => t.timestamp(),
        None => Utc::now().timestamp(),
    }
}

pub fn to_datetime(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap_or_default()
}

/// RFC 3339 with milliseconds and `Z`, the way the Admin SDK prints `lastSync`.
pub fn rfc3339(secs: i64) -> String {
    to_datetime(secs)
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}
