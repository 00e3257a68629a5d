//! The state every handler shares. Plain std locks: no handler awaits while holding one, and
//! requests are short, so contention stays low even when a client fans out over many pages.

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};
use std::time::Instant;

use super::clock::SimClock;
use super::faults::FaultDice;
use super::oauth;
use super::quota::Quotas;
use super::stats::Stats;
use super::{SimConfig, SimCredentials, Tenant};

/// An issued access token.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    /// The impersonated user; `None` = the service account itself (no admin rights).
    pub subject: Option<u32>,
    pub scopes: Vec<String>,
    pub expires: Instant,
}

pub struct Shared {
    pub cfg: SimConfig,
    pub base_url: String,
    pub clock: SimClock,
    pub tenant: RwLock<Tenant>,
    pub tokens: Mutex<HashMap<String, TokenInfo>>,
    pub stats: Mutex<Stats>,
    pub dice: Mutex<FaultDice>,
    /// Request times per quota bucket (see `quota`).
    pub quota: Quotas,
    pub started: Instant,
    pub dwd_scopes: Vec<String>,
    pub next_token: Mutex<u64>,
}

impl Shared {
    pub fn new(tenant: Tenant, cfg: SimConfig, base_url: String) -> Self {
        // Generate (or reuse) the process-wide RSA key now, not on the first token request.
        oauth::key_material();
        let dwd_scopes = cfg
            .dwd_scopes
            .clone()
            .unwrap_or_else(super::discovery::all_scopes);
        Shared {
            clock: SimClock::new(tenant.epoch, cfg.clock.speed),
            dice: Mutex::new(FaultDice::new(cfg.seed)),
            tenant: RwLock::new(tenant),
            tokens: Mutex::new(HashMap::new()),
            stats: Mutex::new(Stats::default()),
            quota: Quotas::default(),
            started: Instant::now(),
            dwd_scopes,
            next_token: Mutex::new(0),
            cfg,
            base_url,
        }
    }

    pub fn credentials(&self) -> SimCredentials {
        oauth::credentials(
            &self.tenant.read().expect("tenant lock"),
            &self.cfg,
            &self.base_url,
        )
    }

    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, Tenant> {
        self.tenant.read().expect("tenant lock")
    }

    pub fn write(&self) -> std::sync::RwLockWriteGuard<'_, Tenant> {
        self.tenant.write().expect("tenant lock")
    }
}
