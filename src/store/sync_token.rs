//! The Google Sync `type:` spelling each tenant was proven to accept, remembered so later
//! runs skip the probe. Keyed and matched like the inventory cache ([`Tenant::accepts`]):
//! a remembered spelling is never used for another tenant.
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::{Store, StoreError};
use crate::model::Tenant;

/// One remembered spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RememberedToken {
    pub tenant: Tenant,
    pub token: String,
    pub proven_at: Option<DateTime<Utc>>,
}

/// The rule of [`Tenant::accepts`] in SQL, over `?1` (subject) and `?2` (customer or NULL).
const ACCEPTS: &str = "subject = ?1 COLLATE NOCASE AND (?2 IS NULL OR customer_id = ?2)";

impl Store {
    /// The spelling remembered for a tenant `tenant` accepts, newest first; `None` if none.
    pub fn remembered_sync_token(&self, tenant: &Tenant) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                &format!(
                    "SELECT token FROM sync_token WHERE {ACCEPTS} ORDER BY proven_at DESC LIMIT 1"
                ),
                params![tenant.subject, tenant.customer_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Remembers `token` as proven now for `tenant` (the resolved one), replacing what was
    /// remembered for it.
    pub fn remember_sync_token(&mut self, tenant: &Tenant, token: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO sync_token (subject, customer_id, token, proven_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (subject, customer_id)
                 DO UPDATE SET token = excluded.token, proven_at = excluded.proven_at",
                params![
                    tenant.subject,
                    tenant.customer_id.as_deref().unwrap_or(""),
                    token,
                    super::feed::ts(Utc::now()),
                ],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Forgets every spelling `tenant` would be given; returns how many rows went.
    pub fn forget_sync_token(&mut self, tenant: &Tenant) -> Result<usize, StoreError> {
        self.conn
            .execute(
                &format!("DELETE FROM sync_token WHERE {ACCEPTS}"),
                params![tenant.subject, tenant.customer_id],
            )
            .map_err(|e| self.err(e))
    }

    /// Every remembered spelling (`offsync info`), newest first.
    pub fn sync_tokens(&self) -> Result<Vec<RememberedToken>, StoreError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT subject, customer_id, token, proven_at FROM sync_token
                 ORDER BY proven_at DESC",
            )
            .map_err(|e| self.err(e))?;
        st.query_map([], |r| {
            let customer: String = r.get(1)?;
            let at: String = r.get(3)?;
            Ok(RememberedToken {
                tenant: Tenant {
                    customer_id: (!customer.is_empty()).then_some(customer),
                    subject: r.get(0)?,
                },
                token: r.get(2)?,
                proven_at: DateTime::parse_from_rfc3339(&at)
                    .ok()
                    .map(|t| t.with_timezone(&Utc)),
            })
        })
        .and_then(Iterator::collect)
        .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_given_only_to_the_tenant_it_was_proven_for() {
        let mut s = Store::open_in_memory().unwrap();
        let a = Tenant::configured("C01", "admin@a.example");
        s.remember_sync_token(&a, "google_sync").unwrap();
        let asks = |t: Tenant| s.remembered_sync_token(&t).unwrap();
        assert_eq!(asks(a.clone()).as_deref(), Some("google_sync"));
        // my_customer: the subject decides (an account belongs to one customer).
        assert_eq!(
            asks(Tenant::configured("my_customer", "Admin@A.example")).as_deref(),
            Some("google_sync")
        );
        assert_eq!(asks(Tenant::configured("C02", "admin@a.example")), None);
        assert_eq!(asks(Tenant::configured("C01", "admin@b.example")), None);

        s.remember_sync_token(&a, "googlesync").unwrap();
        assert_eq!(s.sync_tokens().unwrap().len(), 1, "replaced, not added");
        assert_eq!(
            s.remembered_sync_token(&a).unwrap().as_deref(),
            Some("googlesync")
        );
        assert_eq!(
            s.forget_sync_token(&Tenant::configured("my_customer", "admin@a.example"))
                .unwrap(),
            1
        );
        assert_eq!(s.remembered_sync_token(&a).unwrap(), None);
    }

    #[test]
    fn a_token_proven_without_a_customer_id_is_not_given_to_a_named_customer() {
        let mut s = Store::open_in_memory().unwrap();
        let unresolved = Tenant::configured("my_customer", "admin@a.example");
        s.remember_sync_token(&unresolved, "googlesync").unwrap();
        let named = Tenant::configured("C01", "admin@a.example");
        assert_eq!(s.remembered_sync_token(&named).unwrap(), None);
        assert_eq!(
            s.remembered_sync_token(&unresolved).unwrap().as_deref(),
            Some("googlesync")
        );
        assert_eq!(s.sync_tokens().unwrap()[0].tenant, unresolved);
    }
}
