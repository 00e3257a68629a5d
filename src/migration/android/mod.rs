//! The Android account upgrade (managed Google Play accounts → managed Google accounts), as
//! pure functions: [`edit`] turns an admin's edit of a policy into a validated, masked
//! [`crate::model::android::PolicyPatch`] with its dry-run diff; [`status`] groups devices by
//! upgrade state and compliance reason, each explained with its fix, and estimates when
//! `policyEnforcementRules` will block or wipe them.
pub mod edit;
pub mod status;

pub use edit::{plan, AccountEdit, DiffLine, DirectoryFacts, EditError, Enforcement, PolicyPlan};
pub use status::{
    classify, policy_line, summarize, DeviceRow, Estimate, Group, Status, UpgradeState,
};

#[cfg(test)]
mod tests;
