//! `customers/{customerKey}` get and `customer/{customer}/domains` list: the tenant's identity,
//! which offsync checks its configured domains against.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use super::super::auth::Caller;
use super::super::clock::rfc3339;
use super::super::error::ApiResult;
use super::super::state::Shared;
use super::super::tenant::Tenant;
use super::{check_customer, etag};

pub fn render_customer(t: &Tenant) -> Value {
    json!({
        "kind": "admin#directory#customer",
        "id": t.customer_id,
        "etag": etag(t.seed, "customer"),
        "customerDomain": t.primary_domain(),
        "alternateEmail": format!("it-support@{}", t.domains[1]),
        "customerCreationTime": rfc3339(t.created),
        "language": "en",
        "phoneNumber": "+46812345678",
        "postalAddress": {
            "organizationName": t.primary_domain(),
            "addressLine1": "1 Harbour Road",
            "locality": "Gothenburg",
            "postalCode": "41104",
            "countryCode": "SE",
            "contactName": t.admin().full_name(),
        },
    })
}

pub async fn get(
    State(s): State<Arc<Shared>>,
    Path(key): Path<String>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    let t = s.read();
    caller.admin_call("directory.customers.get", &t)?;
    check_customer(&t, &key)?;
    Ok(Json(render_customer(&t)))
}

pub async fn domains(
    State(s): State<Arc<Shared>>,
    Path(customer): Path<String>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    let t = s.read();
    caller.admin_call("directory.domains.list", &t)?;
    check_customer(&t, &customer)?;
    let domains: Vec<Value> = t
        .domains
        .iter()
        .enumerate()
        .map(|(i, d)| {
            json!({
                "kind": "admin#directory#domain",
                "etag": etag(t.seed, d),
                "domainName": d,
                "isPrimary": i == 0,
                "verified": true,
                "creationTime": ((t.created + i as i64 * 86_400 * 200) * 1000).to_string(),
            })
        })
        .collect();
    Ok(Json(
        json!({"kind": "admin#directory#domains", "etag": etag(t.seed, "domains"), "domains": domains}),
    ))
}
