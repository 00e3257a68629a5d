//! Fault injection: the failures a real Google tenant produces under load (429, 403
//! `rateLimitExceeded`, 500/503 `backendError`, hung requests, dropped connections, tokens that
//! die early). Decisions come from a seeded RNG consumed once per API request, so a run is
//! reproducible given the seed and the order of requests.

use std::fmt;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Probabilities per fault kind, each in `0.0..=1.0`, summing to at most 1.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultSpec {
    pub too_many_requests: f64,
    pub unavailable: f64,
    pub internal: f64,
    pub rate_limit_403: f64,
    pub timeout: f64,
    pub reset: f64,
    pub expire: f64,
    /// Also inject faults into `POST /token` (off by default: auth failures are tested apart).
    pub include_token: bool,
}

const KEYS: &str = "429, 503, 500, 403rate, timeout, reset, expire, token";

impl FaultSpec {
    /// Parses `"429=0.05,503=0.03,500=0.02,403rate=0.02,timeout=0.01,reset=0.01,expire=0.01"`;
    /// `token=1` also applies them to `/token`. Empty = no faults.
    pub fn parse(spec: &str) -> Result<FaultSpec, String> {
        let mut out = FaultSpec::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').ok_or_else(|| {
                format!("fault `{part}`: expected KEY=PROBABILITY, e.g. 503=0.05 (keys: {KEYS})")
            })?;
            let (key, value) = (key.trim(), value.trim());
            let p: f64 = value.parse().map_err(|_| {
                format!("fault `{key}`: `{value}` is not a number (use a probability such as 0.05)")
            })?;
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("fault `{key}`: probability {p} is outside 0..=1"));
            }
            let slot = match key {
                "429" => &mut out.too_many_requests,
                "503" => &mut out.unavailable,
                "500" => &mut out.internal,
                "403rate" => &mut out.rate_limit_403,
                "timeout" => &mut out.timeout,
                "reset" => &mut out.reset,
                "expire" => &mut out.expire,
                "token" => {
                    out.include_token = p > 0.0;
                    continue;
                }
                other => return Err(format!("unknown fault `{other}` (keys: {KEYS})")),
            };
            *slot = p;
        }
        let total = out.total();
        if total > 1.0 + 1e-9 {
            return Err(format!(
                "fault probabilities add up to {total:.3}, more than 1"
            ));
        }
        Ok(out)
    }

    fn total(&self) -> f64 {
        self.too_many_requests
            + self.unavailable
            + self.internal
            + self.rate_limit_403
            + self.timeout
            + self.reset
            + self.expire
    }

    pub fn is_empty(&self) -> bool {
        self.total() == 0.0
    }
}

impl fmt::Display for FaultSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = [
            ("429", self.too_many_requests),
            ("503", self.unavailable),
            ("500", self.internal),
            ("403rate", self.rate_limit_403),
            ("timeout", self.timeout),
            ("reset", self.reset),
            ("expire", self.expire),
        ];
        let mut first = true;
        for (k, p) in parts.iter().filter(|(_, p)| *p > 0.0) {
            write!(f, "{}{k}={p}", if first { "" } else { "," })?;
            first = false;
        }
        if self.include_token {
            write!(f, "{}token=1", if first { "" } else { "," })?;
        }
        Ok(())
    }
}

/// One request's fate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    TooManyRequests { retry_after: Option<u32> },
    Unavailable,
    Internal,
    RateLimit403,
    Timeout,
    Reset,
    Expire,
}

/// The seeded decision stream.
pub struct FaultDice {
    rng: ChaCha8Rng,
}

impl FaultDice {
    pub fn new(seed: u64) -> Self {
        FaultDice {
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x6661_756c_7473),
        }
    }

    pub fn roll(&mut self, spec: &FaultSpec) -> Option<Fault> {
        if spec.is_empty() {
            return None;
        }
        let x: f64 = self.rng.random();
        let retry_after = self
            .rng
            .random_bool(0.5)
            .then(|| self.rng.random_range(1..=3));
        let table = [
            (
                spec.too_many_requests,
                Fault::TooManyRequests { retry_after },
            ),
            (spec.unavailable, Fault::Unavailable),
            (spec.internal, Fault::Internal),
            (spec.rate_limit_403, Fault::RateLimit403),
            (spec.timeout, Fault::Timeout),
            (spec.reset, Fault::Reset),
            (spec.expire, Fault::Expire),
        ];
        let mut acc = 0.0;
        for (p, fault) in table {
            acc += p;
            if x < acc {
                return Some(fault);
            }
        }
        None
    }
}
