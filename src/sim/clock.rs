//! The sim clock: tenant time that starts at a fixed instant derived from the seed and moves with
//! real time (times a speed), so `lastSync` values stay meaningful while a demo runs.
//!
//! Tenant data is stored as unix seconds relative to this clock. JWT `iat`/`exp` are NOT checked
//! against it: clients sign with the machine's real clock, exactly as Google checks them.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};

/// How sim time starts and moves.
#[derive(Debug, Clone)]
pub struct ClockConfig {
    /// Fixed start; `None` derives it from the seed (2026-11-20T09:00Z plus a few days).
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
    pub fn new(cfg: &ClockConfig, seed: u64) -> Self {
        SimClock {
            start: start_of(cfg, seed),
            real_start: Instant::now(),
            speed: cfg.speed,
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

/// The sim start instant in unix seconds.
pub fn start_of(cfg: &ClockConfig, seed: u64) -> i64 {
    match cfg.start {
        Some(t) => t.timestamp(),
        None => {
            let base = Utc
                .with_ymd_and_hms(2026, 11, 20, 9, 0, 0)
                .unwrap()
                .timestamp();
            base + (seed % 5) as i64 * 86_400
        }
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
