//! Admin audit events as the tenant holds them, and the history a generated tenant starts with.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::tenant::Tenant;

/// An Admin console setting change (`CHANGE_APPLICATION_SETTING`).
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub time: i64,
    pub actor: u32,
    pub setting: String,
    pub ou_path: String,
    pub old: String,
    pub new: String,
}

pub fn generate_audit(rng: &mut ChaCha8Rng, t: &Tenant) -> Vec<AuditEvent> {
    let mut out = vec![AuditEvent {
        time: t.epoch - rng.random_range(20..60) * 86_400,
        actor: t.super_admin,
        setting: "IMAP_ACCESS".into(),
        ou_path: "/".into(),
        old: "true".into(),
        new: "false".into(),
    }];
    if t.ou_by_path("/Staff").is_some() {
        out.push(AuditEvent {
            time: t.epoch - rng.random_range(5..19) * 86_400,
            actor: t.super_admin,
            setting: "IMAP_ACCESS".into(),
            ou_path: "/Staff".into(),
            old: "false".into(),
            new: "true".into(),
        });
    }
    out
}
