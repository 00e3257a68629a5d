//! `offsync check`: verifies the configuration, the key file, a token, and every scope by
//! one harmless read each, then prints what works and exactly what to fix. Exits non-zero
//! when anything fails. Thin: all the checking is the `google` layer's own error messages.
use std::io::Write;

use color_eyre::eyre::eyre;
use futures::StreamExt;

use super::GlobalArgs;
use crate::google::directory::DeviceListing;
use crate::google::{scopes, Clients, Error};

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Also check Gmail settings access (`gmail.settings.basic`) by reading this user's IMAP settings.
    #[arg(long)]
    pub gmail_user: Option<String>,
}

struct Row {
    what: String,
    scope: &'static str,
    ok: Result<(), String>,
}

fn row(what: impl Into<String>, scope: &'static str, r: Result<(), Error>) -> Row {
    Row {
        what: what.into(),
        scope,
        ok: r.map_err(|e| e.root().to_string()),
    }
}

pub async fn run(g: &GlobalArgs, args: CheckArgs) -> color_eyre::Result<()> {
    let mut rows = Vec::new();
    let settings = match g.settings() {
        Ok(s) => s,
        Err(e) => {
            return finish(vec![Row {
                what: "config file".into(),
                scope: "",
                ok: Err(e.to_string()),
            }])
        }
    };
    let profile = match settings.require_profile() {
        Ok(p) => p.clone(),
        Err(e) => {
            return finish(vec![Row {
                what: "config file".into(),
                scope: "",
                ok: Err(e.to_string()),
            }])
        }
    };
    rows.push(Row {
        what: format!(
            "config {} (profile {})",
            settings.paths.config_file.display(),
            profile.name
        ),
        scope: "",
        ok: Ok(()),
    });
    let clients = match Clients::new(&profile, None) {
        Ok((c, warnings)) => {
            let c = c.with_token_memory(settings.cache(&profile).token_memory());
            rows.push(Row {
                what: format!("key file {}", profile.key_file.display()),
                scope: "",
                ok: Ok(()),
            });
            for w in warnings {
                rows.push(Row {
                    what: "key file permissions".into(),
                    scope: "",
                    ok: Err(format!("warning: {w}")),
                });
            }
            c
        }
        Err(e) => {
            rows.push(row(
                format!("key file {}", profile.key_file.display()),
                "",
                Err(e),
            ));
            return finish(rows);
        }
    };
    let token = clients.client.token_for(&[scopes::DEVICE_READ]).await;
    let token_ok = token.is_ok() || matches!(token, Err(Error::ScopeNotGranted { .. }));
    rows.push(row(
        format!("access token as {}", profile.subject),
        "",
        token.or_else(|e| match e {
            Error::ScopeNotGranted { .. } => Ok(()),
            other => Err(other),
        }),
    ));
    if !token_ok {
        return finish(rows);
    }
    let d = &clients.directory;
    let one = DeviceListing {
        max_results: 1,
        ..Default::default()
    };
    rows.push(row(
        "list mobile devices",
        scopes::DEVICE_READ,
        d.mobiledevices_page(&one, None).await.map(|_| ()),
    ));
    rows.push(sync_token_row(&clients).await);
    rows.push(row(
        "list users",
        scopes::USER_READ,
        d.users_page(None, 1, None).await.map(|_| ()),
    ));
    rows.push(row(
        "list org units",
        scopes::ORGUNIT_READ,
        d.orgunits().await.map(|_| ()),
    ));
    rows.push(row(
        format!("read customer {}", profile.customer_id),
        scopes::CUSTOMER_READ,
        d.customer().await.map(|_| ()),
    ));
    rows.push(row(
        "list domains",
        scopes::DOMAIN_READ,
        d.domains().await.map(|_| ()),
    ));
    // The Cloud Identity Policy API (the IMAP steps) answers only a super admin.
    match d.user(&profile.subject).await {
        Ok(u) if u.is_admin => rows.push(Row {
            what: format!("{} is a super admin", profile.subject),
            scope: scopes::USER_READ,
            ok: Ok(()),
        }),
        Ok(_) => rows.push(Row {
            what: format!("{} is a super admin", profile.subject),
            scope: scopes::USER_READ,
            ok: Err(format!(
                "warning: {} is not a super admin: the Cloud Identity Policy API refuses it, so offsync cannot read or write IMAP policies (steps imap and alt-imap-off become console steps and policies show inherited_or_unknown); set `subject` to a super admin",
                profile.subject
            )),
        }),
        Err(e) => rows.push(row(format!("read {}", profile.subject), scopes::USER_READ, Err(e))),
    }
    rows.push(row(
        "list Cloud Identity policies",
        scopes::POLICY_READ,
        clients.policy.list_page(None, None).await.map(|_| ()),
    ));
    // Usage data lags by days; start two days before the server's today (never this
    // machine's) and let Google name the newest day it has.
    let want = (clients.client.server_now() - chrono::Duration::days(2)).date_naive();
    let usage = clients.reports.gmail_usage_latest(want).await;
    rows.push(row(
        match &usage {
            Ok((day, _)) => format!("Gmail usage report (read {day})"),
            Err(_) => "Gmail usage report".to_string(),
        },
        scopes::REPORTS_USAGE,
        usage.map(|_| ()),
    ));
    let audit = clients
        .reports
        .admin_activities(None, None)
        .next()
        .await
        .unwrap_or(Ok(Vec::new()));
    rows.push(row(
        "admin audit events",
        scopes::REPORTS_AUDIT,
        audit.map(|_| ()),
    ));
    match &clients.amapi {
        Some(a) => rows.push(row(
            format!("list Android devices of {} ({})", a.enterprise(), a.credential()),
            scopes::AMAPI,
            a.devices_page(1, None).await.map(|_| ()),
        )),
        None => rows.push(Row {
            what: "Android Management: not configured (set endpoints.enterprise = \"enterprises/ID\" to use `offsync android`)".into(),
            scope: scopes::AMAPI,
            ok: Ok(()),
        }),
    }
    if let Some(user) = &args.gmail_user {
        rows.push(row(
            format!("IMAP settings of {user}"),
            scopes::GMAIL_SETTINGS,
            clients.gmail.get_imap(user).await.map(|_| ()),
        ));
    }
    finish(rows)
}

/// Which `type:` spelling of Google Sync the tenant's search accepts (see
/// `google::partition::token`), and whether it was remembered from an earlier run or probed
/// now. A remembered spelling is probed again here (one request): `check` reports the tenant
/// as it is. Never a failure: without one, listings filter client-side.
async fn sync_token_row(clients: &Clients) -> Row {
    use crate::google::partition::token::{self, Verdict};
    use crate::google::TokenSource;
    let what = "Google Sync search token";
    let fail = |e| row(what, scopes::DEVICE_READ, Err(e));
    let shown = |verdicts: &[(&str, Verdict)]| {
        verdicts
            .iter()
            .map(|(c, v)| format!("type:{c} {v:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(cfg) = clients.profile.google_sync_query_token.explicit() {
        let verdicts = match token::probe(&clients.directory).await {
            Ok(v) => v,
            Err(e) => return fail(e),
        };
        let works = verdicts
            .iter()
            .any(|(c, v)| *c == cfg && *v == Verdict::Accepted);
        let accepted = token::first_accepted(&verdicts);
        return Row {
            what: match accepted {
                Some(c) => format!("{what}: type:{c} (probed; configured: type:{cfg})"),
                None => format!("{what} (probed; configured: type:{cfg})"),
            },
            scope: scopes::DEVICE_READ,
            ok: if works {
                Ok(())
            } else {
                Err(format!(
                    "warning: google_sync_query_token = \"{cfg}\" is configured, but the \
                     tenant answered: {}; remove it (default auto) so offsync uses what works",
                    shown(&verdicts)
                ))
            },
        };
    }
    let mut t = match clients.query_token().await {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    if let (TokenSource::Remembered, Some(used)) = (t.source, t.token.clone()) {
        t = match clients.recheck_sync_token(&used).await {
            Ok(t) => t,
            Err(e) => return fail(e),
        };
    }
    let how = match (t.source, &t.forgotten) {
        (TokenSource::Rechecked, _) => "remembered for this tenant, accepted again".to_string(),
        (_, Some(old)) => {
            format!("probed; the remembered type:{old} no longer works and was forgotten")
        }
        _ => "probed".to_string(),
    };
    Row {
        what: match &t.token {
            Some(c) => format!("{what}: type:{c} ({how})"),
            None => format!("{what} ({how})"),
        },
        scope: scopes::DEVICE_READ,
        ok: match &t.token {
            Some(_) => Ok(()),
            None => Err(format!(
                "warning: no spelling is proven ({}); offsync lists every device and filters \
                 Google Sync client-side (exact, slower)",
                shown(&t.verdicts)
            )),
        },
    }
}

/// Prints the table; an error (non-zero exit) when any row failed. Warnings do not fail.
fn finish(rows: Vec<Row>) -> color_eyre::Result<()> {
    let width = rows.iter().map(|r| r.what.len()).max().unwrap_or(0).min(60);
    let swidth = rows
        .iter()
        .map(|r| scopes::short(r.scope).len())
        .max()
        .unwrap_or(0);
    // `writeln!`, not `println!`: a closed pipe (`offsync check | true`) is an error that
    // main treats as a quiet exit, where `println!` would panic.
    let mut out = std::io::stdout().lock();
    writeln!(out, "{:width$}  {:swidth$}  RESULT", "CHECK", "SCOPE")?;
    let mut failed = 0;
    for r in &rows {
        let (status, fix) = match &r.ok {
            Ok(()) => ("OK", None),
            Err(m) if m.starts_with("warning: ") => {
                ("WARN", Some(m.trim_start_matches("warning: ").to_string()))
            }
            Err(m) => {
                failed += 1;
                ("FAIL", Some(m.clone()))
            }
        };
        writeln!(
            out,
            "{:width$}  {:swidth$}  {status}",
            r.what,
            scopes::short(r.scope)
        )?;
        if let Some(fix) = fix {
            for line in fix.lines() {
                writeln!(out, "    {}", line.trim())?;
            }
        }
    }
    if failed > 0 {
        return Err(eyre!(
            "{failed} check(s) failed; fix them as shown above and run `offsync check` again"
        ));
    }
    writeln!(out, "all checks passed")?;
    out.flush()?;
    Ok(())
}
