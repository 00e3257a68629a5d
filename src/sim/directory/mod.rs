//! Admin SDK Directory API (`admin/directory/v1/…`): mobile devices, users, org units, domains
//! and the customer. Also the device fields derived from a device's key (serial, IMEI…), which
//! the search and the dump must agree on, and the ground-truth dump.

pub mod customers;
pub mod mobiledevices;
pub mod orgunits;
pub mod users;

use serde_json::{json, Value};

use super::error::{ApiError, ApiResult};
use super::tenant::{mix, Device, DeviceKind, Tenant};

/// Every Directory call with a `customer` path segment checks it first.
pub fn check_customer(t: &Tenant, key: &str) -> ApiResult<()> {
    if t.is_customer(key) {
        Ok(())
    } else {
        Err(ApiError::not_found("Resource Not Found: customer"))
    }
}

/// A quoted etag, as the Admin SDK sends them.
pub fn etag(seed: u64, salt: &str) -> String {
    format!(
        "\"sim{:016x}/{:08x}\"",
        mix(seed ^ super::paging::fnv(salt)),
        seed as u32
    )
}

const SERIAL_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// Serial numbers are known only for devices managed beyond Google Sync.
pub fn serial(d: &Device) -> String {
    let mut h = mix(d.id ^ 0x5e);
    let len = if d.kind == DeviceKind::Android {
        11
    } else {
        12
    };
    (0..len)
        .map(|_| {
            let c = SERIAL_CHARS[(h % SERIAL_CHARS.len() as u64) as usize] as char;
            h /= SERIAL_CHARS.len() as u64;
            if h == 0 {
                h = mix(d.id);
            }
            c
        })
        .collect()
}

pub fn imei(d: &Device) -> Option<String> {
    (d.kind == DeviceKind::Android).then(|| format!("35{:013}", mix(d.id ^ 0x1e1) % 10u64.pow(13)))
}

impl Tenant {
    /// The ground truth as JSON (wire-shaped devices plus what Google does not expose).
    pub fn dump(&self, now: i64) -> Value {
        dump(self, now)
    }
}

/// The whole tenant, for `/_sim/dump` and `SimHandle::tenant_snapshot`.
pub fn dump(t: &Tenant, now: i64) -> Value {
    let ous: Vec<Value> = t.org_units.iter().map(|o| orgunits::render(t, o)).collect();
    let users: Vec<Value> = t.users.iter().map(|u| users::render(t, u, true)).collect();
    let devices: Vec<Value> = t
        .devices
        .iter()
        .map(|d| {
            let mut v = mobiledevices::render(t, d, now, true);
            v["_deleted"] = json!(!d.visible(now));
            v["_syncing"] = json!(d.active && d.sync_every > 0);
            v["_ownerOrgUnitPath"] = json!(d
                .owners
                .first()
                .map(|&u| &t.org_units[t.users[u as usize].ou].path));
            v
        })
        .collect();
    json!({
        "simTime": super::clock::rfc3339(now),
        "seed": t.seed.to_string(),
        "customer": customers::render_customer(t),
        "domains": t.domains,
        "adminEmail": t.admin().email,
        "orgUnits": ous,
        "users": users,
        "mobiledevices": devices,
        "cloudIdentityPolicies": t.policies.iter().map(|p| super::policy::render(t, p)).collect::<Vec<_>>(),
        "androidManagement": super::amapi::dump(t),
        "adminAuditEvents": t.audit.len(),
    })
}
