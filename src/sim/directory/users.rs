//! `users` list and `users/{userKey}` get. The `query` language is the documented subset offsync
//! relies on: `orgUnitPath='/X'` (which, like Google, also matches users in sub-OUs),
//! `isSuspended=`, `isAdmin=`, `email:` (prefix with `*`, looked up in the tenant's search
//! index), `givenName:`, `familyName:`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use super::super::auth::Caller;
use super::super::clock::rfc3339;
use super::super::error::{ApiError, ApiResult};
use super::super::paging;
use super::super::params::Params;
use super::super::state::Shared;
use super::super::tenant::{AdminRole, Tenant, User};
use super::{check_customer, etag};

pub fn render(t: &Tenant, u: &User, full: bool) -> Value {
    let ou = &t.org_units[u.ou];
    let mut v = json!({
        "kind": "admin#directory#user",
        "id": u.id_string(),
        "etag": etag(u.id, &u.email),
        "primaryEmail": u.email,
        "name": {"givenName": u.given, "familyName": u.family, "fullName": u.full_name(), "displayName": u.full_name()},
        "isAdmin": u.role == AdminRole::Super,
        "isDelegatedAdmin": u.role == AdminRole::Delegated,
        "lastLoginTime": rfc3339(u.last_login.unwrap_or(0)),
        "creationTime": rfc3339(u.created),
        "agreedToTerms": u.last_login.is_some(),
        "suspended": u.suspended,
        "archived": false,
        "changePasswordAtNextLogin": false,
        "ipWhitelisted": false,
        "emails": [{"address": u.email, "primary": true}],
        "customerId": t.customer_id,
        "orgUnitPath": ou.path,
        "isMailboxSetup": true,
        "isEnrolledIn2Sv": u.id % 3 != 0,
        "isEnforcedIn2Sv": false,
        "includeInGlobalAddressList": true,
    });
    if u.suspended {
        v["suspensionReason"] = json!("ADMIN");
    }
    if full {
        v["nonEditableAliases"] = json!([format!(
            "{}.test-google-a.com",
            u.email.replace('@', "@sim-")
        )]);
    }
    v
}

/// One parsed `query` clause.
enum Clause {
    OrgUnit(usize),
    Suspended(bool),
    Admin(bool),
    Text {
        field: &'static str,
        value: String,
        prefix: bool,
    },
}

fn unquote(v: &str) -> &str {
    v.trim_matches(|c| c == '\'' || c == '"')
}

fn parse_query(t: &Tenant, q: &str) -> ApiResult<Vec<Clause>> {
    let mut out = Vec::new();
    let mut rest = q.trim();
    while !rest.is_empty() {
        // A clause runs to the next whitespace outside quotes.
        let mut quote = None;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                match (quote, c) {
                    (None, '\'' | '"') => quote = Some(c),
                    (Some(q), c) if q == c => quote = None,
                    _ => {}
                }
                quote.is_none() && c.is_whitespace()
            })
            .map_or(rest.len(), |(i, _)| i);
        let clause = &rest[..end];
        rest = rest[end..].trim_start();
        let split = clause
            .find([':', '='])
            .ok_or_else(|| ApiError::invalid_input(format!("query: {clause}")))?;
        let (field, value) = (&clause[..split], unquote(&clause[split + 1..]));
        let boolean = || match value.to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(ApiError::invalid_input(format!("query: {clause}"))),
        };
        let text = |field: &'static str| Clause::Text {
            field,
            prefix: value.ends_with('*'),
            value: value.trim_end_matches('*').to_lowercase(),
        };
        out.push(match field {
            "orgUnitPath" => Clause::OrgUnit(
                t.ou_by_path(value)
                    .ok_or_else(|| ApiError::invalid_input("Invalid OrgUnitPath"))?,
            ),
            "isSuspended" => Clause::Suspended(boolean()?),
            "isAdmin" => Clause::Admin(boolean()?),
            "email" => text("email"),
            "givenName" => text("givenName"),
            "familyName" => text("familyName"),
            _ => return Err(ApiError::invalid_input(format!("query: {clause}"))),
        });
    }
    Ok(out)
}

fn matches(t: &Tenant, u: &User, c: &Clause) -> bool {
    match c {
        Clause::OrgUnit(ou) => t.ou_within(u.ou, *ou),
        Clause::Suspended(b) => u.suspended == *b,
        Clause::Admin(b) => u.is_admin() == *b,
        Clause::Text {
            field,
            value,
            prefix,
        } => {
            let have = match *field {
                "email" => u.email.clone(),
                "givenName" => u.given.to_lowercase(),
                _ => u.family.to_lowercase(),
            };
            if *prefix {
                have.starts_with(value.as_str())
            } else {
                have == *value
            }
        }
    }
}

pub async fn list(
    State(s): State<Arc<Shared>>,
    caller: Caller,
    p: Params,
) -> ApiResult<Json<Value>> {
    let t = s.read();
    caller.admin_call("directory.users.list", &t)?;
    let domain = p.text("domain");
    match (p.text("customer"), domain) {
        (Some(c), _) => check_customer(&t, c)?,
        (None, Some(d)) if t.domains.iter().any(|x| x.eq_ignore_ascii_case(d)) => {}
        (None, Some(_)) => return Err(ApiError::not_authorized()),
        (None, None) => return Err(ApiError::bad_request("Bad Request")),
    }
    let max = p.int("maxResults", 100, 1, 500)? as usize;
    let order = p.one_of("orderBy", &["email", "familyName", "givenName"])?;
    let desc = p.one_of("sortOrder", &["ASCENDING", "DESCENDING"])? == Some("DESCENDING");
    let full = p.one_of("projection", &["basic", "custom", "full"])? == Some("full");
    p.one_of("viewType", &["admin_view", "domain_public"])?;
    let clauses = parse_query(&t, p.get("query").unwrap_or_default())?;
    let binding = format!(
        "users;{};{}",
        t.customer_id,
        p.binding(&["domain", "query", "orderBy", "sortOrder"])
    );
    let after = paging::cursor(p.get("pageToken"), &binding)?;
    let sort_key = |i: usize| {
        let u = &t.users[i];
        let name = match order {
            Some("familyName") => u.family.to_lowercase(),
            Some("givenName") => u.given.to_lowercase(),
            _ => String::new(),
        };
        format!("{name}\u{1}{i:09}")
    };
    // An `email:` clause narrows the scan to the index's candidates; every clause still
    // applies to them.
    let candidates: Vec<usize> = match clauses.iter().find_map(|c| match c {
        Clause::Text {
            field: "email",
            value,
            prefix,
        } => Some((value, *prefix)),
        _ => None,
    }) {
        Some((value, prefix)) => t.search.users(&t.users, value, prefix),
        None => (0..t.users.len()).collect(),
    };
    let mut hits: Vec<(String, usize)> = candidates
        .into_iter()
        .filter(|&i| {
            let u = &t.users[i];
            domain.is_none_or(|d| u.email.ends_with(&format!("@{}", d.to_ascii_lowercase())))
                && clauses.iter().all(|c| matches(&t, u, c))
        })
        .map(|i| (sort_key(i), i))
        .filter(|(k, _)| {
            after
                .as_ref()
                .is_none_or(|a| if desc { k < a } else { k > a })
        })
        .collect();
    hits.sort_unstable_by(|a, b| if desc { b.0.cmp(&a.0) } else { a.0.cmp(&b.0) });
    let more = hits.len() > max;
    hits.truncate(max);
    let mut body = json!({"kind": "admin#directory#users", "etag": etag(t.seed, &binding)});
    if !hits.is_empty() {
        body["users"] = hits
            .iter()
            .map(|(_, i)| render(&t, &t.users[*i], full))
            .collect();
    }
    if more {
        body["nextPageToken"] = json!(paging::encode(&binding, &hits.last().expect("page").0));
    }
    Ok(Json(body))
}

pub async fn get(
    State(s): State<Arc<Shared>>,
    Path(key): Path<String>,
    caller: Caller,
    p: Params,
) -> ApiResult<Json<Value>> {
    let t = s.read();
    caller.admin_call("directory.users.get", &t)?;
    let full = p.one_of("projection", &["basic", "custom", "full"])? == Some("full");
    let u = t
        .user_by_key(&key)
        .ok_or_else(|| ApiError::not_found("Resource Not Found: userKey"))?;
    Ok(Json(render(&t, &t.users[u as usize], full)))
}
