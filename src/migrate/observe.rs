//! Everything offsync can see about the migration at one moment: the inventory (devices
//! joined to OUs), the IMAP and third-party-app policies joined to OUs, the stored plan and
//! step states, and the user funnel. "Now" is the server's clock, never this machine's.
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use futures::TryStreamExt;

use super::{Migrator, Result};
use crate::google;
use crate::migration::audit::{self, AuditSeen};
use crate::migration::funnel::{self, FunnelInput};
use crate::migration::inherit::Unjoined;
use crate::migration::plan::{IMAP_SETTING, TRUST_SETTING};
use crate::migration::{
    Effective, OuDeclaration, OuTree, OuView, Plan, Settings, StepId, StepRecord, UserRow,
};
use crate::model::{Inventory, OuPath};
use crate::store::Claim;

pub struct Observed {
    pub now: DateTime<Utc>,
    pub inventory: Inventory,
    pub tree: OuTree,
    pub imap: Settings,
    pub trust: Settings,
    /// What could not be seen, said loudly (never an empty answer in silence).
    pub warnings: Vec<String>,
    pub declarations: Vec<OuDeclaration>,
    pub records: BTreeMap<(String, StepId), StepRecord>,
    pub plan: Plan,
    pub funnel: Vec<UserRow>,
    pub claims: Vec<Claim>,
    /// Documented admin audit events, read only while a step they can support is in flight.
    pub audit: Vec<AuditSeen>,
}

impl Observed {
    /// The declaration in force for `ou` (its own or the nearest declared ancestor's).
    pub fn decl(&self, ou: &str) -> OuDeclaration {
        funnel::declaration_for(&self.declarations, ou)
            .map(|d| OuDeclaration {
                ou: ou.to_string(),
                ..d.clone()
            })
            .unwrap_or_else(|| OuDeclaration::new(ou))
    }

    pub fn has_ou(&self, ou: &str) -> bool {
        self.tree.paths().iter().any(|p| p == ou)
    }

    /// Every OU the migration touches: pilot, waves, declared OUs and OUs with step states.
    pub fn migration_ous(&self) -> Vec<String> {
        let mut s: BTreeSet<String> = BTreeSet::new();
        s.extend(self.plan.pilot.clone());
        for w in &self.plan.waves {
            s.extend(w.ous.iter().cloned());
        }
        s.extend(self.declarations.iter().map(|d| d.ou.clone()));
        s.extend(self.records.keys().map(|(ou, _)| ou.clone()));
        s.into_iter().collect()
    }

    pub fn record(&self, ou: &str, step: StepId) -> StepRecord {
        self.records
            .get(&(ou.to_string(), step))
            .cloned()
            .unwrap_or_else(|| StepRecord::new(ou, step))
    }

    /// The OU's view for verification; `imap` and `trust` are its effective settings.
    pub fn view<'a>(
        &'a self,
        ou: &'a str,
        imap: &'a Effective,
        trust: &'a Effective,
    ) -> OuView<'a> {
        let within = |p: Option<&str>| p.is_some_and(|p| OuPath::is_within(p, ou));
        OuView {
            ou,
            imap,
            trust,
            devices: self
                .inventory
                .devices
                .iter()
                .filter(|d| within(d.org_unit_path.as_deref()))
                .collect(),
            users: self.funnel.iter().filter(|u| within(Some(&u.ou))).collect(),
            imap_users_after: None,
            cutoff: crate::migration::guard::cutoff(&self.records, ou),
        }
    }
}

async fn policies(
    m: &Migrator,
    setting: &str,
    warnings: &mut Vec<String>,
) -> Vec<(String, String, serde_json::Value)> {
    let filter = format!(
        "setting.type.matches('{}')",
        setting.trim_start_matches("settings/")
    );
    match m.clients.policy.list(Some(filter)).try_concat().await {
        Ok(ps) => ps
            .into_iter()
            .filter(|p| p.setting.setting_type == setting)
            .filter_map(|p| match p.policy_query.org_unit {
                Some(ou) => Some((p.name, ou, p.setting.value)),
                None => {
                    warnings.push(format!("{} is set for a group ({}): group policies are not considered; check that group in the Admin console", p.name, p.policy_query.group.unwrap_or_default()));
                    None
                }
            })
            .collect(),
        Err(e) => {
            warnings.push(format!(
                "cannot read {setting} from the Cloud Identity Policy API ({e}); every OU shows inherited_or_unknown. The Policy API needs a super admin subject and the cloud-identity.policies(.readonly) scope"
            ));
            Vec::new()
        }
    }
}

fn join(
    tree: &OuTree,
    rows: &[(String, String, serde_json::Value)],
    warnings: &mut Vec<String>,
) -> Settings {
    let (s, unjoined) = tree.join(rows.iter().map(|(n, o, v)| (n.as_str(), o.as_str(), v)));
    for Unjoined { policy, org_unit } in unjoined {
        warnings.push(format!("{policy} names {org_unit}, which matches no Directory OU: it is ignored (was the OU deleted?)"));
    }
    s
}

pub async fn observe(m: &Migrator) -> Result<Observed> {
    // Confirmed: a check must not miss a device the search index has not caught up with.
    let inventory =
        google::load_inventory_with(&m.clients, None, google::Listing::Confirmed, |_| {}).await?;
    let now = inventory.server_now(Utc::now());
    let mut tree = OuTree::new(&inventory.org_units);
    if let Some(root) = inventory
        .org_units
        .iter()
        .find(|o| o.parent_org_unit_path.as_deref() == Some("/"))
        .and_then(|o| o.parent_org_unit_id.clone())
    {
        tree = tree.with_root_id(&root);
    }
    let mut warnings = Vec::new();
    let imap_rows = policies(m, IMAP_SETTING, &mut warnings).await;
    let trust_rows = policies(m, TRUST_SETTING, &mut warnings).await;
    let imap = join(&tree, &imap_rows, &mut warnings);
    let trust = join(&tree, &trust_rows, &mut warnings);
    let mut store = m.store()?;
    let db = store.migration();
    let declarations = db.declarations()?;
    let records = db.records()?;
    let plan = db.plan()?;
    let claims = db.claims()?;
    let acknowledged = db.user_marks("acknowledged")?;
    let reminded = db.user_marks("reminded")?;
    let input = FunnelInput {
        declarations: &declarations,
        acknowledged: acknowledged.keys().cloned().collect(),
        reminded,
        active_days: m.settings.active_days,
    };
    let funnel = funnel::rows(&inventory.users, &inventory.devices, &input, now);
    let audit = audit_events(m, &records, &mut warnings).await;
    Ok(Observed {
        now,
        inventory,
        tree,
        imap,
        trust,
        warnings,
        declarations,
        records,
        plan,
        funnel,
        claims,
        audit,
    })
}

/// Admin audit events since the earliest attestation of a step they can support that is not
/// settled yet; none (and no request) when no such step exists.
async fn audit_events(
    m: &Migrator,
    records: &BTreeMap<(String, StepId), StepRecord>,
    warnings: &mut Vec<String>,
) -> Vec<AuditSeen> {
    use crate::migration::StepState as S;
    let since = records
        .values()
        .filter(|r| audit::documented_for(r.step))
        .filter(|r| matches!(r.state, S::Attested | S::Flagged))
        .filter_map(|r| r.changed_at)
        .min();
    let Some(since) = since else {
        return Vec::new();
    };
    let start = (since - m.settings.propagation_window).to_rfc3339();
    match m
        .clients
        .reports
        .admin_activities(None, Some(start))
        .try_concat()
        .await
    {
        Ok(acts) => acts
            .iter()
            .filter_map(|a| serde_json::to_value(a).ok())
            .flat_map(|a| audit::from_activity(&a))
            .collect(),
        Err(e) => {
            warnings.push(format!("cannot read admin audit events ({e}): console changes are not shown as supporting evidence (scope admin.reports.audit.readonly)"));
            Vec::new()
        }
    }
}
