//! The minimal OAuth scope each Google method needs (PRODUCT.md "Minimal scopes"), in one
//! table, so a token is always asked for exactly the scope of the call being made and every
//! "missing scope" message can name it. Nothing here performs I/O.

const P: &str = "https://www.googleapis.com/auth/";

pub const DEVICE_READ: &str =
    "https://www.googleapis.com/auth/admin.directory.device.mobile.readonly";
pub const DEVICE_ACTION: &str =
    "https://www.googleapis.com/auth/admin.directory.device.mobile.action";
pub const DEVICE_DELETE: &str = "https://www.googleapis.com/auth/admin.directory.device.mobile";
pub const USER_READ: &str = "https://www.googleapis.com/auth/admin.directory.user.readonly";
pub const ORGUNIT_READ: &str = "https://www.googleapis.com/auth/admin.directory.orgunit.readonly";
pub const DOMAIN_READ: &str = "https://www.googleapis.com/auth/admin.directory.domain.readonly";
pub const CUSTOMER_READ: &str = "https://www.googleapis.com/auth/admin.directory.customer.readonly";
pub const POLICY_READ: &str = "https://www.googleapis.com/auth/cloud-identity.policies.readonly";
pub const POLICY_WRITE: &str = "https://www.googleapis.com/auth/cloud-identity.policies";
pub const REPORTS_USAGE: &str = "https://www.googleapis.com/auth/admin.reports.usage.readonly";
pub const REPORTS_AUDIT: &str = "https://www.googleapis.com/auth/admin.reports.audit.readonly";
pub const GMAIL_SETTINGS: &str = "https://www.googleapis.com/auth/gmail.settings.basic";
pub const AMAPI: &str = "https://www.googleapis.com/auth/androidmanagement";

/// Every scope offsync may ask for, with what it is used for (for `offsync check` and docs).
pub const ALL: [(&str, &str); 13] = [
    (DEVICE_READ, "list and read mobile devices"),
    (DEVICE_ACTION, "block/approve/wipe mobile devices"),
    (DEVICE_DELETE, "delete mobile devices"),
    (USER_READ, "list users (device owner -> OU)"),
    (ORGUNIT_READ, "list organisational units"),
    (DOMAIN_READ, "list the tenant's domains"),
    (CUSTOMER_READ, "read the customer account"),
    (POLICY_READ, "read Cloud Identity policies (IMAP, settings)"),
    (POLICY_WRITE, "change Cloud Identity policies"),
    (REPORTS_USAGE, "Gmail usage (last IMAP/webmail use)"),
    (REPORTS_AUDIT, "admin audit events (console changes)"),
    (GMAIL_SETTINGS, "per-user IMAP settings"),
    (AMAPI, "Android Management devices and policies"),
];

/// `https://www.googleapis.com/auth/x.y` -> `x.y`, for compact tables.
pub fn short(scope: &str) -> &str {
    scope.strip_prefix(P).unwrap_or(scope)
}

/// Where an admin grants scopes to the service account, with the client ID to look for.
pub fn grant_hint(scopes: &[&str], client_id: Option<&str>) -> String {
    let list = scopes.join(",");
    let id = client_id
        .map(|c| format!(" (client ID {c})"))
        .unwrap_or_default();
    format!(
        "grant {list} to the service account{id} in Admin console > Security > Access and data control > \
         API controls > Domain-wide delegation"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn short_names() {
        assert_eq!(super::short(super::AMAPI), "androidmanagement");
        assert!(super::ALL.iter().all(|(s, _)| s.starts_with(super::P)));
    }
}
