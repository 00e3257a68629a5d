//! Which Google Workspace tenant a piece of data belongs to: the key of the inventory cache.
//!
//! Profile names are the admin's labels (every `sim serve --write-config` profile is called
//! "sim"), so they cannot tell two tenants apart. A tenant is its customer ID and the admin
//! subject offsync listed as. A Google account belongs to exactly one customer, so when the
//! customer ID is not known (`my_customer` before it was resolved), the subject decides.
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// The resolved customer ID (`C0…`); `None` for `my_customer` not (yet) resolved.
    pub customer_id: Option<String>,
    /// The admin that domain-wide delegation impersonates.
    pub subject: String,
}

impl Tenant {
    /// The tenant a profile names: `my_customer` is left unresolved.
    pub fn configured(customer_id: &str, subject: &str) -> Tenant {
        Tenant {
            customer_id: (customer_id != "my_customer" && !customer_id.is_empty())
                .then(|| customer_id.to_string()),
            subject: subject.to_string(),
        }
    }

    /// Whether data stored for `stored` may be shown for `self`: same subject, and the same
    /// customer whenever both sides know it.
    pub fn accepts(&self, stored: &Tenant) -> bool {
        self.subject.eq_ignore_ascii_case(&stored.subject)
            && match (&self.customer_id, &stored.customer_id) {
                (Some(a), Some(b)) => a == b,
                (Some(_), None) => false,
                (None, _) => true,
            }
    }
}

impl fmt::Display for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.customer_id {
            Some(c) => write!(f, "customer {c} as {}", self.subject),
            None => write!(f, "my_customer as {}", self.subject),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_and_known_customer_must_match() {
        let mine = Tenant::configured("my_customer", "admin@a.example");
        let stored = Tenant::configured("C01", "Admin@A.example");
        assert!(mine.accepts(&stored));
        assert!(!mine.accepts(&Tenant::configured("C01", "admin@b.example")));
        let explicit = Tenant::configured("C01", "admin@a.example");
        assert!(explicit.accepts(&stored));
        assert!(!explicit.accepts(&Tenant::configured("C02", "admin@a.example")));
        assert!(!explicit.accepts(&Tenant::configured("my_customer", "admin@a.example")));
    }
}
