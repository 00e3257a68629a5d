//! The Android pane's background work: reading the enterprise and planning an edit, through
//! the headless `crate::android` layer that `offsync android` uses. Sending a confirmed plan is
//! the shared `Task::Execute` (the change engine and its journal); nothing here sends a change.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedSender;

use crate::android::{self, AndroidView, PrepareError, Prepared};
use crate::config::Profile;
use crate::google::Clients;
use crate::migration::android::{summarize, AccountEdit, Status, UpgradeState};
use crate::store::Store;
use crate::tui::msg::Msg;

#[derive(Debug, Clone)]
pub enum AndroidTask {
    /// Read the enterprise, its policies and devices, and the first sightings.
    Load,
    /// Validate an edit of `policy` and plan its patch (the dry run); `id` pairs the answer
    /// with the request, so a dry run abandoned with Esc cannot answer a later one.
    Prepare {
        id: u64,
        policy: String,
        edit: AccountEdit,
    },
}

/// One read of the enterprise, classified.
#[derive(Debug, Clone)]
pub struct AndroidData {
    pub view: AndroidView,
    pub status: Status,
    /// First sightings come from the profile's database; without one the ages are unknown.
    pub first_seen_kept: bool,
    /// Device counts per policy (full name), computed once per read rather than per frame.
    pub counts: HashMap<String, PolicyCounts>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PolicyCounts {
    pub devices: usize,
    /// Non-compliant in a way the admin or the user must act on.
    pub attention: usize,
    pub upgraded: usize,
}

impl AndroidData {
    fn new(view: AndroidView, status: Status, first_seen_kept: bool) -> AndroidData {
        let mut counts: HashMap<String, PolicyCounts> = HashMap::new();
        for g in &status.groups {
            for d in &g.devices {
                let c = counts
                    .entry(d.policy.clone().unwrap_or_default())
                    .or_default();
                c.devices += 1;
                c.attention += usize::from(super::needs_attention(g.state));
                c.upgraded += usize::from(g.state == UpgradeState::Upgraded);
            }
        }
        AndroidData {
            view,
            status,
            first_seen_kept,
            counts,
        }
    }
}

#[derive(Debug)]
pub enum AndroidMsg {
    Loaded(Result<Box<AndroidData>, LoadError>),
    Prepared {
        id: u64,
        result: Result<Box<Prepared>, Vec<String>>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// The profile names no enterprise: the text says how to configure one.
    NotConfigured(String),
    Failed(String),
}

pub async fn run(
    clients: Result<Clients, String>,
    store: Option<Arc<Mutex<Store>>>,
    profile: Profile,
    task: AndroidTask,
    tx: UnboundedSender<Msg>,
) {
    let msg = match task {
        AndroidTask::Load => AndroidMsg::Loaded(load(clients, store, &profile).await.map(Box::new)),
        AndroidTask::Prepare { id, policy, edit } => {
            let result = prepare(clients, &profile, &policy, &edit)
                .await
                .map(Box::new);
            AndroidMsg::Prepared { id, result }
        }
    };
    let _ = tx.send(Msg::Android(msg));
}

async fn load(
    clients: Result<Clients, String>,
    store: Option<Arc<Mutex<Store>>>,
    profile: &Profile,
) -> Result<AndroidData, LoadError> {
    let clients = clients.map_err(LoadError::Failed)?;
    let Some(am) = clients.amapi.as_ref() else {
        return Err(LoadError::NotConfigured(android::not_configured(
            &profile.name,
        )));
    };
    let view = android::load(am)
        .await
        .map_err(|e| LoadError::Failed(e.to_string()))?;
    let Some(store) = store else {
        let status = summarize(&view.devices, &view.policies, &HashMap::new(), view.now);
        return Ok(AndroidData::new(view, status, false));
    };
    let name = profile.name.clone();
    tokio::task::spawn_blocking(move || {
        let s = store.lock().map_err(|e| e.to_string())?;
        let status = android::status(&view, &s, &name).map_err(|e| e.to_string())?;
        Ok(AndroidData::new(view, status, true))
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()))
    .map_err(LoadError::Failed)
}

async fn prepare(
    clients: Result<Clients, String>,
    profile: &Profile,
    policy: &str,
    edit: &AccountEdit,
) -> Result<Prepared, Vec<String>> {
    let clients = clients.map_err(|e| vec![e])?;
    let am = clients
        .amapi
        .as_ref()
        .ok_or_else(|| vec![android::not_configured(&profile.name)])?;
    android::prepare(
        &clients.directory,
        am,
        &profile.name,
        &profile.customer_id,
        policy,
        edit,
    )
    .await
    .map_err(|e| match e {
        PrepareError::Refused { errors, .. } => errors.iter().map(|e| e.to_string()).collect(),
        PrepareError::Google(g) => vec![format!("could not plan: {g}")],
    })
}
