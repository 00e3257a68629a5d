//! Printing for `offsync android`: text tables for people, `--json` for scripts.
use std::io::Write;

use serde_json::json;

use crate::android::AndroidView;
use crate::migration::android::{policy_line, Estimate, PolicyPlan, Status};
use crate::model::android::AndroidPolicy;

fn days(e: Option<Estimate>) -> String {
    match e {
        None => "-".into(),
        Some(Estimate::Due) => "due".into(),
        Some(Estimate::InAtMost(d)) => format!("<={d}d"),
    }
}

pub fn status(
    view: &AndroidView,
    s: &Status,
    only_policy: Option<&str>,
    as_json: bool,
) -> color_eyre::Result<()> {
    let count = |name: &str| {
        view.devices
            .iter()
            .filter(|d| d.policy_name.as_deref() == Some(name))
            .count()
    };
    let policies: Vec<&AndroidPolicy> = view
        .policies
        .iter()
        .filter(|p| only_policy.is_none_or(|n| p.name == n))
        .collect();
    let groups: Vec<_> = s
        .groups
        .iter()
        .map(|g| {
            let mut g = g.clone();
            g.devices
                .retain(|d| only_policy.is_none_or(|n| d.policy.as_deref() == Some(n)));
            g
        })
        .filter(|g| !g.devices.is_empty())
        .collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if as_json {
        let v = json!({
            "enterprise": view.enterprise,
            "upgradePossible": view.enterprise.is_managed_google_domain(),
            "credential": view.credential.to_string(),
            "serverNow": view.now,
            "devicesIncomplete": view.devices_incomplete,
            "policies": policies.iter().map(|p| json!({"policy": p, "devices": count(&p.name)})).collect::<Vec<_>>(),
            "groups": groups,
        });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
        return Ok(out.flush()?);
    }
    writeln!(
        out,
        "Enterprise {} ({})",
        view.enterprise.name,
        view.enterprise
            .enterprise_type
            .as_deref()
            .unwrap_or("type not reported")
    )?;
    writeln!(out, "Credential: {}", view.credential)?;
    if !view.enterprise.is_managed_google_domain() {
        writeln!(
            out,
            "NOTE: accounts cannot be upgraded until the enterprise is a managed Google domain \
             enterprise. Run `offsync android upgrade-url` and follow the link first."
        )?;
    }
    if let Some(why) = &view.devices_incomplete {
        writeln!(
            out,
            "WARNING: the device listing is INCOMPLETE ({why}); the counts below cover only the {} devices fetched",
            view.devices.len()
        )?;
    }
    writeln!(
        out,
        "Server time {} · {} devices · {} policies\n",
        view.now.format("%Y-%m-%d %H:%M UTC"),
        view.devices.len(),
        view.policies.len()
    )?;
    writeln!(out, "Policies")?;
    for p in &policies {
        writeln!(out, "  {}", policy_line(p, count(&p.name)))?;
        let others: Vec<&str> = p
            .policy_enforcement_rules
            .iter()
            .filter_map(|r| r.setting_name.as_deref())
            .filter(|n| *n != crate::model::android::WORK_ACCOUNT_SETUP_CONFIG)
            .collect();
        if only_policy.is_some() && !others.is_empty() {
            writeln!(
                out,
                "    other enforcement rules (offsync sends them back unchanged): {}",
                others.join(", ")
            )?;
        }
    }
    for g in &groups {
        writeln!(out, "\n== {} ({})", g.label, g.devices.len())?;
        writeln!(out, "   {}", g.explanation)?;
        writeln!(out, "   fix: {}", g.fix)?;
        writeln!(
            out,
            "   {:<18} {:<26} {:<24} {:<40} {:>14} {:>6} {:>6}",
            "DEVICE", "USER", "POLICY", "REASON", "NON-COMPLIANT", "BLOCK", "WIPE"
        )?;
        for d in &g.devices {
            let reason = match (&d.reason, &d.specific_reason) {
                (Some(r), Some(s)) => format!("{r}/{s}"),
                (Some(r), None) => r.clone(),
                _ => "-".into(),
            };
            let tail = |s: &Option<String>| {
                s.as_deref()
                    .map(|s| s.rsplit('/').next().unwrap_or(s).to_string())
                    .unwrap_or_else(|| "-".into())
            };
            writeln!(
                out,
                "   {:<18} {:<26} {:<24} {:<40} {:>14} {:>6} {:>6}",
                d.name.rsplit('/').next().unwrap_or(&d.name),
                tail(&d.user_name),
                tail(&d.policy),
                reason,
                d.non_compliant_at_least_days
                    .map_or("-".into(), |n| format!("at least {n}d")),
                days(d.block),
                days(d.wipe)
            )?;
        }
    }
    if groups
        .iter()
        .any(|g| g.devices.iter().any(|d| d.block.is_some()))
    {
        writeln!(
            out,
            "\n\"at least\": offsync counts from when it first saw the device non-compliant \
             (the API gives no start time), so BLOCK and WIPE are the most days left."
        )?;
    }
    Ok(out.flush()?)
}

pub fn plan(p: &PolicyPlan, as_json: bool) -> color_eyre::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if as_json {
        let v = json!({
            "policy": p.policy,
            "updateMask": p.patch.update_mask(),
            "body": p.patch.body(),
            "diff": p.diff,
            "warnings": p.warnings,
            "typedConfirmation": p.typed_confirmation,
        });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
        return Ok(out.flush()?);
    }
    writeln!(
        out,
        "PATCH {}?updateMask={}",
        p.policy,
        p.patch.update_mask()
    )?;
    for d in &p.diff {
        writeln!(out, "  {}\n    - {}\n    + {}", d.field, d.before, d.after)?;
    }
    for w in &p.warnings {
        writeln!(out, "  warning: {w}")?;
    }
    if let Some(c) = &p.typed_confirmation {
        writeln!(
            out,
            "  this adds or changes a wipe: apply with --yes --confirm \"{c}\""
        )?;
    }
    Ok(out.flush()?)
}
