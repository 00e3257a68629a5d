//! Loading the whole inventory: org units, users and (partitioned) devices concurrently,
//! streaming events as pages arrive so the TUI can draw while 100k devices load, and
//! returning the joined [`Inventory`]. Also [`Clients`], every typed client built from one
//! profile over one shared request path (one token cache, one quota pacer).
use std::time::{Duration, Instant};

use futures::stream::{self, BoxStream, StreamExt};

use super::auth::Warning;
use super::client::{CallObserver, Client};
use super::directory::Directory;
use super::{partition, Error};
use crate::config::Profile;
use crate::model::{Device, Interner, Inventory, OrgUnit, Query, User};

/// Every typed client for one profile, sharing one [`Client`].
#[derive(Clone)]
pub struct Clients {
    pub client: Client,
    pub directory: Directory,
    pub policy: super::Policy,
    pub reports: super::Reports,
    pub gmail: super::Gmail,
    /// `None` when the profile names no Android Management enterprise.
    pub amapi: Option<super::Amapi>,
    pub profile: Profile,
}

impl Clients {
    /// Builds every client; the key file is read and checked now (no network yet).
    pub fn new(
        profile: &Profile,
        observer: Option<CallObserver>,
    ) -> Result<(Clients, Vec<Warning>), Error> {
        let (client, warnings) = Client::new(profile, observer.clone())?;
        let e = &profile.endpoints;
        let clients = Clients {
            directory: Directory::new(client.clone(), &e.directory, &profile.customer_id)?,
            policy: super::Policy::new(client.clone(), &e.cloudidentity, &profile.customer_id)?,
            reports: super::Reports::new(client.clone(), &e.reports)?,
            gmail: super::Gmail::new(client.clone(), &e.gmail)?,
            amapi: match &e.enterprise {
                Some(ent) => Some(super::Amapi::new(
                    amapi_client(profile, &client, observer.clone())?,
                    &e.androidmanagement,
                    ent,
                )?),
                None => None,
            },
            client,
            profile: profile.clone(),
        };
        Ok((clients, warnings))
    }
}

/// The Android Management client's request path: the shared one (domain-wide delegation key,
/// impersonating the admin), or its own over `android.key_file`, used as the service account
/// itself (no `sub`). Its own path also has its own AMAPI pacer; nothing else uses it.
fn amapi_client(
    profile: &Profile,
    shared: &Client,
    observer: Option<CallObserver>,
) -> Result<Client, Error> {
    let Some(key) = &profile.android_key_file else {
        return Ok(shared.clone());
    };
    let mut p = profile.clone();
    p.key_file = key.clone();
    p.subject = String::new();
    Ok(Client::new(&p, observer)?.0)
}

/// What `load_inventory` reports while it runs.
#[derive(Debug, Clone)]
pub enum LoadEvent {
    OrgUnits(Vec<OrgUnit>),
    Users(Vec<User>),
    /// One page of devices (already de-duplicated and filtered by the query).
    Devices(Vec<Device>),
    Progress(LoadProgress),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadProgress {
    pub pages: u64,
    pub devices: u64,
    pub users: u64,
    pub requests: u64,
    pub retries: u64,
    pub elapsed: Duration,
}

/// Lists OUs, all users and the devices matching `filter_query` concurrently and joins them.
///
/// The query goes to Google via `Query::to_google` with the profile's Google Sync token,
/// and is applied again locally (`Query::matches`): Google's search index lags, and a token
/// spelling Google ignores must never widen the result. On error, events already sent stay
/// valid: the TUI keeps what it has.
pub async fn load_inventory(
    clients: &Clients,
    filter_query: Option<&Query>,
    mut on_event: impl FnMut(LoadEvent) + Send,
) -> Result<Inventory, Error> {
    let started = Instant::now();
    let base = clients.client.stats();
    let server_query = filter_query.map(|q| q.to_google(&clients.profile.google_sync_query_token));
    let local = filter_query.cloned();
    let dir = &clients.directory;

    let ous: BoxStream<'static, Result<LoadEvent, Error>> = {
        let dir = dir.clone();
        stream::once(async move { dir.orgunits().await.map(LoadEvent::OrgUnits) }).boxed()
    };
    let partitioned = clients.profile.http.partitioned_listing;
    let users = partition::users(dir, None, partitioned)
        .map(|r| r.map(LoadEvent::Users))
        .boxed();
    // One interner per listing: devices share repeated values (model, OS, user agent, …),
    // and the copies below (the inventory's and the streamed page's) share them too.
    let mut interner = Interner::default();
    let devices = partition::mobiledevices(dir, server_query, partitioned)
        .map(move |r| {
            r.map(|page| {
                let mut page: Vec<Device> = match &local {
                    Some(q) => page.into_iter().filter(|d| q.matches(d)).collect(),
                    None => page,
                };
                interner.devices(&mut page);
                LoadEvent::Devices(page)
            })
        })
        .boxed();

    let mut all = stream::select_all([ous, users, devices]);
    let (mut org_units, mut user_list, mut device_list) = (Vec::new(), Vec::new(), Vec::new());
    let mut pages = 0u64;
    while let Some(ev) = all.next().await {
        let ev = ev?;
        match &ev {
            LoadEvent::OrgUnits(o) => org_units.extend(o.iter().cloned()),
            LoadEvent::Users(u) => {
                pages += 1;
                user_list.extend(u.iter().cloned())
            }
            LoadEvent::Devices(d) => {
                pages += 1;
                device_list.extend(d.iter().cloned())
            }
            LoadEvent::Progress(_) => {}
        }
        on_event(ev);
        let now = clients.client.stats();
        on_event(LoadEvent::Progress(LoadProgress {
            pages,
            devices: device_list.len() as u64,
            users: user_list.len() as u64,
            requests: now.requests - base.requests,
            retries: now.retries - base.retries,
            elapsed: started.elapsed(),
        }));
    }
    let mut inv = Inventory::new(device_list, user_list, org_units);
    let offset = clients.client.server_offset().unwrap_or_default();
    inv.server_offset = offset;
    inv.fetched_at = Some(chrono::Utc::now() + offset);
    Ok(inv)
}
