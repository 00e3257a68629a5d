//! Gmail IMAP settings per user as the tenant holds them.

use super::tenant::{mix, Tenant};

#[derive(Debug, Clone, PartialEq)]
pub struct Imap {
    pub enabled: bool,
    pub auto_expunge: bool,
    pub expunge_behavior: String,
    pub max_folder_size: i32,
}

/// A user's settings: changed through the API, or a default derived from their id.
pub fn settings(t: &Tenant, u: u32) -> Imap {
    t.imap.get(&u).cloned().unwrap_or_else(|| Imap {
        enabled: mix(t.users[u as usize].id) % 4 != 0,
        auto_expunge: true,
        expunge_behavior: "archive".into(),
        max_folder_size: 0,
    })
}
