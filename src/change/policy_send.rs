//! The I/O of Cloud Identity policy writes for the engine: sending a target's exact request,
//! the migration facts journaled with it, and reading the policy back after a crash. The pure
//! half (targets, read-back verdicts) is [`super::policy`].
use super::error::ChangeError;
use super::plan::{Plan, Target};
use super::policy::{self, call, Applied, Call};
use crate::google::policy::{CiPolicy, Setting};
use crate::google::Clients;
use crate::store::ChangeRow;

/// The policy a target is about, as Google shows it now: for a create, the policy for the
/// setting at the OU (listed: there is no name yet); otherwise the named policy (`None`
/// when it is gone).
pub async fn current(
    clients: &Clients,
    t: &Target,
) -> Result<Option<CiPolicy>, crate::google::Error> {
    match call(t) {
        Some(Call::Create {
            org_unit_id,
            setting_type,
            ..
        }) => find_at(clients, &org_unit_id, &setting_type).await,
        Some(Call::Patch { policy, .. } | Call::Delete { policy }) => {
            match clients.policy.get(&policy).await {
                Ok(p) => Ok(Some(p)),
                Err(e) if e.status() == Some(404) => Ok(None),
                Err(e) => Err(e),
            }
        }
        None => Err(crate::google::Error::Invalid(format!(
            "the request for {} is not a policy write",
            t.resource_id
        ))),
    }
}

/// The policy for `setting_type` set explicitly at `orgUnits/{org_unit_id}`, if any.
pub async fn find_at(
    clients: &Clients,
    org_unit_id: &str,
    setting_type: &str,
) -> Result<Option<CiPolicy>, crate::google::Error> {
    use futures::TryStreamExt;
    let id = org_unit_id.strip_prefix("id:").unwrap_or(org_unit_id);
    let want = format!("orgUnits/{id}");
    let filter = format!(
        "setting.type.matches('{}')",
        setting_type.trim_start_matches("settings/")
    );
    let all = clients.policy.list(Some(filter)).try_concat().await?;
    Ok(all.into_iter().find(|p| {
        p.setting.setting_type == setting_type && p.policy_query.org_unit.as_deref() == Some(&want)
    }))
}

/// Sends one Cloud Identity policy write, exactly as the target's request says.
pub(super) async fn send(clients: &Clients, t: &Target) -> Result<Applied, ChangeError> {
    let call = policy::call(t).ok_or_else(|| {
        ChangeError::Refused(format!(
            "the plan's request for {} is not a policy write",
            t.resource_id
        ))
    })?;
    let created = matches!(call, policy::Call::Create { .. });
    let op = match call {
        policy::Call::Create {
            org_unit_id,
            setting_type,
            value,
        } => {
            clients
                .policy
                .create(&org_unit_id, &setting_type, &value)
                .await
        }
        policy::Call::Patch {
            policy,
            setting_type,
            value,
        } => {
            let p = CiPolicy {
                name: policy,
                setting: Setting {
                    setting_type,
                    value,
                },
                ..CiPolicy::default()
            };
            clients.policy.patch(&p).await
        }
        policy::Call::Delete { policy } => clients.policy.delete(&policy).await,
    }?;
    if let Some(error) = op.error {
        return Err(ChangeError::Operation {
            name: op.name,
            error: error.to_string(),
        });
    }
    Ok(Applied {
        created: op
            .response
            .as_ref()
            .and_then(|r| r["name"].as_str())
            .filter(|_| created)
            .map(String::from),
        operation: op.name,
    })
}

/// The migration facts of a policy write (the journal id is filled in on append).
pub(super) fn migration_facts(plan: &Plan, t: &Target) -> Option<ChangeRow> {
    let ctx = plan.step.as_ref()?;
    let before = serde_json::from_str::<serde_json::Value>(&t.before)
        .ok()
        .filter(|v| !v.is_null())
        .map(|v| v.to_string());
    Some(ChangeRow {
        journal_id: 0,
        ou: t.org_unit.clone().unwrap_or_default(),
        step: ctx.step.clone(),
        before,
        after: policy::after(t).map(|v| v.to_string()),
        reason: ctx.reason.clone(),
        operation: None,
    })
}
