//! The customer's Android Management enterprise as the tenant holds it, and the account-upgrade
//! lifecycle its devices go through over sim time ([`lifecycle`]).

mod enterprise;
mod lifecycle;

pub use enterprise::{
    AmDevice, AmapiSimConfig, AwaitingReading, Behaviour, Enterprise, EnterpriseType, Phase,
};

use super::tenant::Tenant;

impl Tenant {
    /// Brings the enterprise's devices up to `now` (see [`lifecycle`]).
    pub fn advance_amapi(&mut self, now: i64) {
        // Moved out for the call, so the lifecycle can look users up in the rest of the tenant.
        let mut e = std::mem::take(&mut self.amapi);
        lifecycle::advance(&mut e, &self.domains, &|m| self.user_index(m), now);
        self.amapi = e;
    }
}
