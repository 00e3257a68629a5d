//! Gmail `users/{userId}/settings/imap` get and update. Gmail needs domain-wide delegation *as
//! the user*: a token for another subject gets "Delegation denied", and the bare service account
//! gets Gmail's "Precondition check failed." — both are common first-run mistakes worth faking.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::Caller;
use super::data::gmail::{settings, Imap};
use super::error::{ApiError, ApiResult};
use super::state::Shared;
use super::tenant::Tenant;

fn render(i: &Imap) -> Value {
    json!({
        "enabled": i.enabled,
        "autoExpunge": i.auto_expunge,
        "expungeBehavior": i.expunge_behavior,
        "maxFolderSize": i.max_folder_size,
    })
}

fn target(t: &Tenant, caller: &Caller, user_id: &str) -> ApiResult<u32> {
    let Some(subject) = caller.subject else {
        return Err(ApiError::failed_precondition("Precondition check failed."));
    };
    let me = &t.users[subject as usize].email;
    if user_id == "me" || user_id.eq_ignore_ascii_case(me) {
        Ok(subject)
    } else {
        Err(ApiError::permission_denied(format!(
            "Delegation denied for {me}"
        )))
    }
}

pub async fn get(
    State(s): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    caller.require_scope("gmail.users.settings.getImap")?;
    let t = s.read();
    let u = target(&t, &caller, &user_id)?;
    Ok(Json(render(&settings(&t, u))))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ImapBody {
    enabled: Option<bool>,
    auto_expunge: Option<bool>,
    expunge_behavior: Option<String>,
    max_folder_size: Option<i32>,
}

pub async fn update(
    State(s): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    caller: Caller,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require_scope("gmail.users.settings.updateImap")?;
    let body: ImapBody = ApiError::parse_body(&body)?;
    let mut t = s.write();
    let u = target(&t, &caller, &user_id)?;
    let mut imap = settings(&t, u);
    if let Some(b) = body.expunge_behavior {
        if ![
            "expungeBehaviorUnspecified",
            "archive",
            "trash",
            "deleteForever",
        ]
        .contains(&b.as_str())
        {
            return Err(ApiError::invalid(format!(
                "Invalid value at 'imap_settings.expunge_behavior': \"{b}\""
            )));
        }
        imap.expunge_behavior = b;
    }
    if let Some(size) = body.max_folder_size {
        if ![0, 1000, 2000, 5000, 10000].contains(&size) {
            return Err(ApiError::invalid("Invalid maxFolderSize"));
        }
        imap.max_folder_size = size;
    }
    imap.enabled = body.enabled.unwrap_or(imap.enabled);
    imap.auto_expunge = body.auto_expunge.unwrap_or(imap.auto_expunge);
    t.imap.insert(u, imap.clone());
    Ok(Json(render(&imap)))
}
