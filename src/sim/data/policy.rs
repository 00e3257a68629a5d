//! Cloud Identity policies as the tenant holds them: the stored value, the value before the
//! last write (for propagation), and the policies a generated tenant starts with.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use super::tenant::Tenant;
use super::tenant_data::{API_CONTROL_SETTINGS, IMAP_SETTING, IOS_CLIENT_ID};

#[derive(Debug, Clone)]
pub struct CiPolicy {
    pub id: String,
    pub ou: usize,
    pub setting_type: String,
    pub value: Value,
    /// Sim time of the last write through the API (`None`: in place before the sim started).
    pub written_at: Option<i64>,
    /// The value before that write (`None`: the policy did not exist), for propagation.
    pub prior: Option<Value>,
}

impl CiPolicy {
    fn settled(&self, now: i64, propagation: i64) -> bool {
        self.written_at.is_none_or(|at| now >= at + propagation)
    }

    /// The value users get at `now`: a write reaches them only after the propagation delay.
    pub fn effect(&self, now: i64, propagation: i64) -> Option<&Value> {
        if self.settled(now, propagation) {
            Some(&self.value)
        } else {
            self.prior.as_ref()
        }
    }
}

/// Whether `get`/`list` show a written value at once or only once it has propagated. Google
/// does not say; offsync must verify correctly under both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PolicyReadback {
    #[default]
    Immediate,
    AfterPropagation,
}

/// How `settings/gmail.imap_access` carries "restrict which mail clients users can use".
/// Undocumented: each reading is an option, and values in any other shape are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImapRestrictionShape {
    /// Only `enableImapAccess` exists in the API.
    #[default]
    None,
    /// `restrictToAllowedClients` + `allowedClientIds: [string]`.
    Flat,
    /// `imapAccessRestriction: {allowedClients: [{clientId}]}`.
    Nested,
}

pub fn generate(rng: &mut ChaCha8Rng, t: &Tenant) -> Vec<CiPolicy> {
    let mut out = Vec::new();
    let mut add = |rng: &mut ChaCha8Rng, ou: usize, setting_type: &str, value: Value| {
        out.push(CiPolicy {
            id: format!("ahv4hg7q{:016x}", rng.random::<u64>()),
            ou,
            setting_type: setting_type.into(),
            value,
            written_at: None,
            prior: None,
        });
    };
    add(rng, 0, IMAP_SETTING, json!({"enableImapAccess": false}));
    if let Some(staff) = t.ou_by_path("/Staff") {
        add(rng, staff, IMAP_SETTING, json!({"enableImapAccess": true}));
    }
    add(
        rng,
        0,
        API_CONTROL_SETTINGS[0],
        json!({"apiAccess": "BLOCK_ALL_SCOPES"}),
    );
    add(
        rng,
        0,
        API_CONTROL_SETTINGS[1],
        json!({"trustedApps": [{"clientId": IOS_CLIENT_ID, "access": "TRUSTED"}]}),
    );
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}
