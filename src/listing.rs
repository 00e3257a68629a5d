//! Listing the inventory with its cache policy: the one headless path that `offsync devices`
//! and the dashboard's load task both call (STYLE.md §2), so they agree on what the cache
//! holds, whose it is, and how pages are joined to their owners' OUs while they stream.
//!
//! - The cache is keyed by tenant ([`Tenant`]): the customer ID resolved through the
//!   customer read when the data was listed, and the admin subject. A load never returns
//!   another tenant's data; [`cached_devices_or_explain`] says why there is nothing to show.
//! - Each save keeps the newest `keep` complete snapshots ([`Cache::keep`]).
//! - Pages stream out already joined (aliases included) to the owners listed so far, by the
//!   same owner index the finished inventory is joined with ([`google::load_inventory_with`]).
//!
//! It must not know about the terminal: callers draw progress from [`ListEvent`]s.
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use thiserror::Error;

use crate::config::Profile;
use crate::google::{self, Clients, LoadEvent, LoadProgress};
use crate::model::{Device, Inventory, Query, Tenant};
use crate::store::{Store, StoreError};

/// Where the cache lives and how much of it to keep.
#[derive(Debug, Clone)]
pub struct Cache {
    pub database: PathBuf,
    /// Complete snapshots kept after each save (`keep_snapshots` in the config).
    pub keep: usize,
}

#[derive(Debug, Error)]
pub enum ListingError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("listing devices for profile `{profile}` failed: {source}")]
    Google {
        profile: String,
        #[source]
        source: Box<google::Error>,
    },
    #[error("no cached inventory for {tenant} in {path}\n  hint: run `offsync devices` without --cached once to fetch it")]
    NoCache { tenant: Tenant, path: PathBuf },
    #[error("the cache in {path} holds only other tenants' inventories ({others}), not {tenant}'s; it is not shown for this profile\n  hint: run `offsync devices` without --cached to list this tenant, or set a separate data_dir per tenant")]
    OtherTenant {
        tenant: Tenant,
        others: String,
        path: PathBuf,
    },
}

/// What a listing reports while it runs.
#[derive(Debug, Clone)]
pub enum ListEvent {
    /// One page of devices, each joined to its owner's OU when the owner is known yet.
    Devices(Vec<Device>),
    /// Only from [`stream`]: a page of the fast index-only view, shown before the confirmed
    /// listing's `Devices` pages (which alone make up the answer) catch up.
    Preview(Vec<Device>),
    Progress(LoadProgress),
}

/// A finished listing and the tenant it belongs to.
#[derive(Debug)]
pub struct Listed {
    pub inventory: Inventory,
    pub tenant: Tenant,
    /// Worth telling the admin, not worth failing for (e.g. the customer read was refused,
    /// so the data is keyed by subject only).
    pub warnings: Vec<String>,
}

/// The tenant a profile names, before anything was resolved.
pub fn configured_tenant(profile: &Profile) -> Tenant {
    Tenant::configured(&profile.customer_id, &profile.subject)
}

/// Lists every device (or those `query` matches) with users and OUs, resolving the
/// customer ID at the same time. Pages stream to `on_event` already joined to owners.
/// The index-only view first, then confirmed (see [`google::Listing`]); the result is the
/// confirmed answer. The dashboard runs the same listing without a copy ([`stream`]).
pub async fn list(
    clients: &Clients,
    query: Option<&Query>,
    on_event: impl FnMut(ListEvent) + Send,
) -> Result<Listed, ListingError> {
    list_with(clients, query, google::Listing::FastThenConfirmed, on_event).await
}

/// [`list`] with the device listing chosen: `Confirmed` for anything that acts or checks,
/// `IndexOnly` only where the admin accepts the search index's lag.
pub async fn list_with(
    clients: &Clients,
    query: Option<&Query>,
    mode: google::Listing,
    mut on_event: impl FnMut(ListEvent) + Send,
) -> Result<Listed, ListingError> {
    let profile = &clients.profile;
    let loading =
        google::load_inventory_with(clients, query, mode, |ev| forward(ev, &mut on_event));
    let (customer, loaded) = futures::join!(clients.directory.customer(), loading);
    let inventory = loaded.map_err(|source| ListingError::Google {
        profile: profile.name.clone(),
        source: Box::new(source),
    })?;
    let (tenant, warnings) = tenant_of(profile, customer);
    Ok(Listed {
        inventory,
        tenant,
        warnings,
    })
}

/// A finished [`stream`]: everything but the devices, which went out as pages.
#[derive(Debug)]
pub struct StreamListed {
    pub streamed: google::Streamed,
    pub tenant: Tenant,
    pub warnings: Vec<String>,
}

/// The dashboard's listing ([`list`]) without keeping a copy of the devices: the caller
/// holds the only one. `Preview` pages show the index-only view early; the `Devices`
/// pages, each device once, are the answer (the confirmed listing).
pub async fn stream(
    clients: &Clients,
    query: Option<&Query>,
    mut on_event: impl FnMut(ListEvent) + Send,
) -> Result<StreamListed, ListingError> {
    let profile = &clients.profile;
    let mode = google::Listing::FastThenConfirmed;
    let loading =
        google::stream_inventory_with(clients, query, mode, |ev| forward(ev, &mut on_event));
    let (customer, loaded) = futures::join!(clients.directory.customer(), loading);
    let streamed = loaded.map_err(|source| ListingError::Google {
        profile: profile.name.clone(),
        source: Box::new(source),
    })?;
    let (tenant, warnings) = tenant_of(profile, customer);
    Ok(StreamListed {
        streamed,
        tenant,
        warnings,
    })
}

fn forward(ev: LoadEvent, on_event: &mut impl FnMut(ListEvent)) {
    match ev {
        LoadEvent::Devices(page) => on_event(ListEvent::Devices(page)),
        LoadEvent::Preview(page) => on_event(ListEvent::Preview(page)),
        LoadEvent::Progress(p) => on_event(ListEvent::Progress(p)),
        LoadEvent::Users(_) | LoadEvent::OrgUnits(_) => {}
    }
}

/// The tenant the listing belongs to: the configured one with the customer ID resolved.
fn tenant_of(
    profile: &Profile,
    customer: Result<crate::google::directory::Customer, google::Error>,
) -> (Tenant, Vec<String>) {
    let mut tenant = configured_tenant(profile);
    let mut warnings = Vec::new();
    match customer {
        Ok(c) if !c.id.is_empty() => tenant.customer_id = Some(c.id),
        Ok(_) => warnings.push(
            "the customer read returned no ID; the cache is keyed by the admin subject only".into(),
        ),
        Err(e) => warnings.push(format!(
            "cannot resolve the customer ID ({e}); the cache is keyed by the admin subject only"
        )),
    }
    (tenant, warnings)
}

impl Cache {
    pub fn open(&self) -> Result<Store, StoreError> {
        Store::open(&self.database)
    }

    /// Remembers the Google Sync token each tenant accepts in this database (see
    /// [`google::TokenMemory`]).
    pub fn token_memory(&self) -> Arc<dyn google::TokenMemory> {
        Arc::new(StoredTokens::new(self.database.clone()))
    }

    /// Saves a listing as the newest snapshot of its tenant and prunes old ones.
    pub fn save(
        &self,
        store: &mut Store,
        listed: &Listed,
        server_query: Option<&str>,
    ) -> Result<(), StoreError> {
        store
            .save_inventory_for(&listed.inventory, &listed.tenant, server_query, self.keep)
            .map(|_| ())
    }
}

/// The newest cached inventory of `tenant` that covers `server_query`, or `None`.
pub fn cached(
    store: &Store,
    tenant: &Tenant,
    server_query: Option<&str>,
) -> Result<Option<Inventory>, StoreError> {
    store.load_inventory_for(tenant, server_query)
}

/// Like [`cached`] without the users, for views of devices (the dashboard): each device
/// already carries its owner's OU, and 50k users are ~15 MB a view never reads.
pub fn cached_devices(
    store: &Store,
    tenant: &Tenant,
    server_query: Option<&str>,
) -> Result<Option<Inventory>, StoreError> {
    store.load_devices_for(tenant, server_query)
}

/// The cached devices and OUs of `tenant` (no users: devices carry their owner's OU
/// already), for callers that only show devices; an empty answer is an error that says
/// why: nothing cached yet, or only other tenants' data (which is never shown).
pub fn cached_devices_or_explain(
    store: &Store,
    tenant: &Tenant,
    server_query: Option<&str>,
) -> Result<Inventory, ListingError> {
    if let Some(inv) = store.load_devices_for(tenant, server_query)? {
        return Ok(inv);
    }
    let mut others: Vec<String> = store
        .snapshots()?
        .into_iter()
        .filter_map(|s| s.tenant)
        .filter(|t| !tenant.accepts(t))
        .map(|t| t.to_string())
        .collect();
    others.dedup();
    let path = store.path().to_path_buf();
    if others.is_empty() {
        Err(ListingError::NoCache {
            tenant: tenant.clone(),
            path,
        })
    } else {
        Err(ListingError::OtherTenant {
            tenant: tenant.clone(),
            others: others.join("; "),
            path,
        })
    }
}

/// The Google Sync token memory over a profile's database. Each use opens its own
/// connection (`Store` is not `Sync`; uses are rare: once a run, and after a probe). A
/// database that cannot be opened (a read-only directory, a newer schema, …) only costs the
/// memory: discovery still works, and the problem is reported once.
pub struct StoredTokens {
    database: PathBuf,
    warned: AtomicBool,
}

impl StoredTokens {
    pub fn new(database: PathBuf) -> StoredTokens {
        StoredTokens {
            database,
            warned: AtomicBool::new(false),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Store) -> Result<T, StoreError>) -> Option<T> {
        match Store::open(&self.database).and_then(|mut s| f(&mut s)) {
            Ok(v) => Some(v),
            Err(e) => {
                if !self.warned.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        "the Google Sync token this tenant accepts cannot be remembered \
                         ({e}); it is probed on every run"
                    );
                }
                None
            }
        }
    }
}

impl google::TokenMemory for StoredTokens {
    fn recall(&self, tenant: &Tenant) -> Option<String> {
        self.with(|s| s.remembered_sync_token(tenant)).flatten()
    }

    fn remember(&self, tenant: &Tenant, token: &str) {
        self.with(|s| s.remember_sync_token(tenant, token));
    }

    fn forget(&self, tenant: &Tenant) {
        self.with(|s| s.forget_sync_token(tenant));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_tenants_snapshot_is_never_returned() {
        let mut s = Store::open_in_memory().unwrap();
        let theirs = Tenant::configured("C0other", "admin@other.example");
        let inv = Inventory::new(vec![Device::default()], vec![], vec![]);
        s.save_inventory_for(&inv, &theirs, None, 3).unwrap();
        let mine = Tenant::configured("my_customer", "admin@mine.example");
        let e = cached_devices_or_explain(&s, &mine, None).unwrap_err();
        assert!(matches!(e, ListingError::OtherTenant { .. }), "{e}");
        assert!(e.to_string().contains("C0other"), "{e}");
        let same = Tenant::configured("my_customer", "ADMIN@other.example");
        assert_eq!(
            cached_devices_or_explain(&s, &same, None)
                .unwrap()
                .devices
                .len(),
            1
        );
        let empty = Store::open_in_memory().unwrap();
        let e = cached_devices_or_explain(&empty, &mine, None).unwrap_err();
        assert!(matches!(e, ListingError::NoCache { .. }), "{e}");
    }
}
