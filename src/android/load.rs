//! Reading the enterprise for `android status` / `android policy` / `android set`.
use chrono::{DateTime, Utc};
use futures::StreamExt;

use crate::google::amapi::{Amapi, Credential};
use crate::google::directory::Directory;
use crate::google::page;
use crate::google::Error;
use crate::migration::android::{self as logic, DirectoryFacts, Status};
use crate::model::android::{AndroidDevice, AndroidEnterprise, AndroidPolicy};
use crate::store::{Store, StoreError};

/// One read of the enterprise.
#[derive(Debug, Clone)]
pub struct AndroidView {
    pub enterprise: AndroidEnterprise,
    pub credential: Credential,
    pub policies: Vec<AndroidPolicy>,
    pub devices: Vec<AndroidDevice>,
    /// Why the device listing is incomplete (then `devices` holds the pages that came).
    pub devices_incomplete: Option<String>,
    /// The server's clock at the end of the read (never the machine's).
    pub now: DateTime<Utc>,
}

/// Reads the enterprise, every policy and every device. A failed policy listing is an error
/// (devices cannot be classified without their policies); a failed device listing keeps the
/// pages already fetched and says so in `devices_incomplete`.
pub async fn load(amapi: &Amapi) -> Result<AndroidView, Error> {
    let enterprise = amapi.get_enterprise().await?;
    let (policies, err) = page::collect(amapi.policies()).await;
    if let Some(e) = err {
        return Err(e);
    }
    let (devices, err) = page::collect(amapi.devices()).await;
    Ok(AndroidView {
        enterprise,
        credential: amapi.credential(),
        policies,
        devices,
        devices_incomplete: err.map(|e| e.to_string()),
        now: amapi.client().server_now(),
    })
}

/// Devices by upgrade state, with "at least N days" from the store's first sightings. Spells
/// of devices missing from the listing only end when the listing was complete.
pub fn status(view: &AndroidView, store: &Store, profile: &str) -> Result<Status, StoreError> {
    let names = logic::status::non_compliant_names(&view.devices);
    let first_seen =
        store
            .android()
            .observe(profile, &names, view.devices_incomplete.is_none(), view.now)?;
    Ok(logic::summarize(
        &view.devices,
        &view.policies,
        &first_seen,
        view.now,
    ))
}

/// What pre-validation needs: verified domains, whether `email` is an active user whose
/// primary address it is, the enterprise type and (with an email) how many devices use
/// `policy`.
pub async fn facts(
    directory: &Directory,
    amapi: &Amapi,
    policy: &str,
    email: Option<&str>,
) -> Result<DirectoryFacts, Error> {
    let domains = directory.domains().await?;
    let required_account_exists = match email {
        None => None,
        // users.get also finds aliases: only the primary address of an active user counts.
        Some(e) => Some(match directory.user(e).await {
            Ok(u) => !u.suspended && u.primary_email.eq_ignore_ascii_case(e),
            Err(err) if err.status() == Some(404) => false,
            Err(err) => return Err(err),
        }),
    };
    let enterprise = amapi.get_enterprise().await?;
    let name = amapi.policy_name(policy);
    // Only a requiredAccountEmail makes the count matter (one account for many devices).
    let mut devices_on_policy = 0;
    if email.is_some() {
        let mut s = amapi.devices();
        while let Some(page) = s.next().await {
            devices_on_policy += page?
                .iter()
                .filter(|d| d.policy_name.as_deref() == Some(name.as_str()))
                .count();
        }
    }
    Ok(DirectoryFacts {
        verified_domains: domains
            .iter()
            .filter(|d| d.verified)
            .map(|d| d.domain_name.clone())
            .collect(),
        required_account_exists,
        managed_google_domain: enterprise
            .enterprise_type
            .as_ref()
            .map(|_| enterprise.is_managed_google_domain()),
        devices_on_policy,
    })
}
