//! Fetching each source and reducing Google's answers to the compact state the diff engine
//! compares. Every listing is read to its end or fails: a partial listing is never diffed
//! (missing devices would read as removals).
use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use futures::{Stream, TryStreamExt};

use crate::google::reports::Activity;
use crate::google::{self, Clients};
use crate::listing::{ListEvent, Listed};
use crate::model::feed_state::{AndroidSeen, AuditRecord, DeviceSeen, Seen, SettingSeen, UsageDay};
use crate::model::Interner;

/// What the Directory listing teaches the other sources: who users are and where OUs are.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    /// User ID → (primary email, OU path).
    pub users: HashMap<String, (String, String)>,
    /// `orgUnitId` (without `id:`) → OU path.
    pub ou_paths: HashMap<String, String>,
    pub ous: Vec<String>,
}

async fn collect<T>(
    s: impl Stream<Item = Result<Vec<T>, google::Error>>,
) -> Result<Vec<T>, google::Error> {
    s.try_fold(Vec::new(), |mut acc, page| async move {
        acc.extend(page);
        Ok(acc)
    })
    .await
}

/// The full listing (devices, users, OUs) through the headless listing layer the dashboard
/// and `offsync devices` use, so all three join owners to OUs the same way. Pages and
/// progress go to `on_event` as they arrive; the listing itself is returned too, so a
/// dashboard shows the very listing the feed diffed instead of listing again. `mode` is
/// `Confirmed` or `FastThenConfirmed`: the diff is always of the confirmed answer.
pub async fn directory(
    clients: &Clients,
    mode: google::Listing,
    on_event: impl FnMut(ListEvent) + Send,
) -> Result<(Seen<DeviceSeen>, Directory, Listed), google::Error> {
    let listed = crate::listing::list_with(clients, None, mode, on_event)
        .await
        .map_err(|e| match e {
            crate::listing::ListingError::Google { source, .. } => *source,
            other => google::Error::Invalid(other.to_string()),
        })?;
    let inv = &listed.inventory;
    let mut shared = Interner::default();
    let devices = inv
        .devices
        .iter()
        .map(|d| (d.resource_id.clone(), DeviceSeen::of(d, &mut shared)))
        .collect();
    let dir = Directory {
        users: inv
            .users
            .iter()
            .map(|u| {
                let v = (
                    u.primary_email.to_ascii_lowercase(),
                    u.org_unit_path.clone(),
                );
                (u.id.clone(), v)
            })
            .collect(),
        ou_paths: inv
            .org_units
            .iter()
            .map(|o| (&o.org_unit_id, o.org_unit_path.as_str()))
            // The listing omits the root OU: top-level OUs name its ID as their parent.
            .chain(inv.org_units.iter().filter_map(|o| {
                let top = o.parent_org_unit_path.as_deref() == Some("/");
                Some((o.parent_org_unit_id.as_ref().filter(|_| top)?, "/"))
            }))
            .map(|(id, path)| {
                let id = id.strip_prefix("id:").unwrap_or(id);
                (id.to_string(), path.to_string())
            })
            .collect(),
        ous: inv
            .org_units
            .iter()
            .map(|o| o.org_unit_path.clone())
            .collect(),
    };
    Ok((devices, dir, listed))
}

/// Cloud Identity policies, keyed by setting type and the OU or group they bind to.
pub async fn policies(
    clients: &Clients,
    dir: &Directory,
) -> Result<Seen<SettingSeen>, google::Error> {
    let all = collect(clients.policy.list(None)).await?;
    Ok(all
        .into_iter()
        .map(|p| {
            let q = &p.policy_query;
            let target = q
                .org_unit
                .clone()
                .or_else(|| q.group.clone())
                .unwrap_or_default();
            let ou = q.org_unit.as_deref().map(|o| {
                let id = o.strip_prefix("orgUnits/").unwrap_or(o);
                dir.ou_paths
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| o.to_string())
            });
            let key = format!("{}@{target}", p.setting.setting_type);
            let seen = SettingSeen {
                label: p.setting.setting_type,
                ou,
                value: p.setting.value.to_string(),
            };
            (key, seen)
        })
        .collect())
}

/// Android devices (compliance, applied policy) and the content of the policies they use.
pub async fn android(
    amapi: &google::Amapi,
    dir: &Directory,
) -> Result<(Seen<AndroidSeen>, Seen<SettingSeen>), google::Error> {
    let devices = collect(amapi.devices()).await?;
    let used: std::collections::HashSet<&str> = devices
        .iter()
        .filter_map(|d| {
            d.policy_name
                .as_deref()
                .or(d.applied_policy_name.as_deref())
        })
        .collect();
    // One `policies.list` page holds up to 100 policies: a tenant with a policy per user
    // would otherwise spend a `policies.get` on each one every poll.
    let mut policies = Seen::new();
    for p in collect(amapi.policies()).await? {
        if !used.contains(p.name.as_str()) {
            continue;
        }
        let name = p.name.clone();
        let mut p = serde_json::to_value(p).unwrap_or_default();
        // The version moves with every change: the content is what drift is about.
        if let Some(o) = p.as_object_mut() {
            o.remove("version");
            o.remove("name");
        }
        let seen = SettingSeen {
            label: name.clone(),
            ou: None,
            value: p.to_string(),
        };
        policies.insert(name, seen);
    }
    let seen = devices
        .into_iter()
        .map(|d| {
            let user_id = d.user_name.as_deref().and_then(|u| u.rsplit('/').next());
            let known = user_id.and_then(|id| dir.users.get(id));
            let mut reasons: Vec<String> = d
                .non_compliance_details
                .iter()
                .map(|n| {
                    format!(
                        "{}/{}",
                        n.non_compliance_reason.as_deref().unwrap_or("UNSPECIFIED"),
                        n.specific_non_compliance_reason
                            .as_deref()
                            .unwrap_or("UNSPECIFIED")
                    )
                })
                .collect();
            reasons.sort();
            reasons.dedup();
            let version = d.applied_policy_version.clone();
            let seen = AndroidSeen {
                user: known.map(|(e, _)| e.clone()).or(d.user_name.clone()),
                ou: known.map(|(_, ou)| ou.clone()),
                policy: d.applied_policy_name.clone().or(d.policy_name.clone()),
                policy_version: version,
                compliant: d.policy_compliant.unwrap_or(reasons.is_empty()),
                reasons,
            };
            (d.name, seen)
        })
        .collect();
    Ok((seen, policies))
}

/// Admin console audit events since `start` (Google's time), one record per event.
pub async fn audit(
    clients: &Clients,
    start: DateTime<Utc>,
) -> Result<Vec<AuditRecord>, google::Error> {
    let start = start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let activities = collect(clients.reports.admin_activities(None, Some(start))).await?;
    Ok(activities.iter().flat_map(records).collect())
}

fn records(a: &Activity) -> Vec<AuditRecord> {
    let time = a.id["time"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    let Some(time) = time else {
        return Vec::new();
    };
    let qualifier = a.id["uniqueQualifier"].to_string();
    a.events
        .iter()
        .enumerate()
        .map(|(i, e)| AuditRecord {
            id: format!(
                "{}/{qualifier}/{i}",
                a.id["time"].as_str().unwrap_or_default()
            ),
            time,
            actor: a.actor["email"].as_str().map(str::to_string),
            name: e.name.clone(),
            parameters: e
                .parameters
                .iter()
                .filter_map(|p| {
                    let name = p["name"].as_str()?.to_string();
                    let v = &p["value"];
                    let value = v.as_str().map(str::to_string).or_else(|| {
                        ["boolValue", "intValue"].iter().find_map(|k| {
                            p.get(*k)
                                .map(|x| x.to_string().trim_matches('"').to_string())
                        })
                    })?;
                    Some((name, value))
                })
                .collect(),
        })
        .collect()
}

/// The newest day of Gmail usage Google has (at or before `today`), unless it is `known`.
/// Costs one request when nothing new is available.
pub async fn usage(
    clients: &Clients,
    today: NaiveDate,
    known: Option<NaiveDate>,
) -> Result<Option<UsageDay>, google::Error> {
    let (day, _) = clients.reports.gmail_usage_latest(today).await?;
    if known.is_some_and(|k| k >= day) {
        return Ok(None);
    }
    let date = day.format("%Y-%m-%d").to_string();
    let rows = collect(clients.reports.gmail_usage(&date)).await?;
    let window_start = day.and_hms_opt(0, 0, 0).expect("midnight").and_utc() - Duration::days(30);
    let imap_users = rows
        .iter()
        .filter(|r| {
            r.datetime("gmail:timestamp_last_imap")
                .is_some_and(|t| t >= window_start)
        })
        .count();
    Ok(Some(UsageDay {
        day,
        users: rows.len(),
        imap_users,
    }))
}
