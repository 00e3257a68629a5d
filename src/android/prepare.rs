//! An edit of one policy, from the admin's wish to the change plan: read the policy as it is
//! now, look up what pre-validation needs in the Directory, validate and build the masked
//! patch (`migration::android::plan`), and wrap it as a change-engine [`Plan`] made as the
//! credential AMAPI calls are made with. `offsync android set` and the dashboard both call
//! [`prepare`]; what they do with the result (print, confirm, send) is theirs.
use crate::change::{Plan, Planner};
use crate::google::amapi::{Amapi, Credential};
use crate::google::directory::Directory;
use crate::google::Error;
use crate::migration::android::{plan, AccountEdit, EditError, PolicyPlan};
use crate::model::android::AndroidPolicy;

/// A validated edit, ready to show and to send.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The policy as it was read for planning (the `before` of the diff and the journal).
    pub before: AndroidPolicy,
    /// The masked patch, its dry-run diff, warnings and the typed confirmation it needs.
    pub plan: PolicyPlan,
    /// The change the engine journals and sends: exactly `plan.patch`.
    pub change: Plan,
}

#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error(transparent)]
    Google(#[from] Error),
    #[error("the change to {policy} was refused before sending:\n{}", list(.errors))]
    Refused {
        policy: String,
        errors: Vec<EditError>,
    },
}

fn list(errors: &[EditError]) -> String {
    let lines: Vec<String> = errors.iter().map(|e| format!("  - {e}")).collect();
    lines.join("\n")
}

/// Who a policy change is made as: the delegated admin, or the service account itself.
pub fn actor(c: &Credential) -> String {
    match c {
        Credential::Delegated { admin, .. } => admin.clone(),
        Credential::ServiceAccount { client_email } => client_email.clone(),
    }
}

/// Reads `policy`, validates `edit` against it and the Directory, and plans the patch.
pub async fn prepare(
    directory: &Directory,
    am: &Amapi,
    profile: &str,
    customer_id: &str,
    policy: &str,
    edit: &AccountEdit,
) -> Result<Prepared, PrepareError> {
    let before = am.policy(policy).await?;
    let email = edit.required_account_email.clone().flatten();
    let facts = super::facts(directory, am, policy, email.as_deref()).await?;
    let plan = plan(&before, edit, &facts).map_err(|errors| PrepareError::Refused {
        policy: before.name.clone(),
        errors,
    })?;
    let planner = Planner {
        profile: profile.to_string(),
        customer_id: customer_id.to_string(),
        actor: actor(&am.credential()),
    };
    let change = planner.android_policy(&plan, &before, am.client().server_now());
    Ok(Prepared {
        before,
        plan,
        change,
    })
}

/// What to tell an admin whose profile has no Android Management enterprise configured.
pub fn not_configured(profile: &str) -> String {
    format!(
        "Android Management is not configured for profile `{profile}`\n  hint: set \
         [profiles.{profile}.endpoints] enterprise = \"enterprises/ID\" (the customer's existing \
         enterprise; its ID is in the EMM console), grant the domain-wide delegation client \
         the scope https://www.googleapis.com/auth/androidmanagement, or set \
         [profiles.{profile}.android] key_file to the EMM project's service-account key"
    )
}
