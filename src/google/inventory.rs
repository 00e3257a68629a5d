//! Loading the whole inventory: org units, users and (partitioned) devices concurrently,
//! streaming events as pages arrive so the TUI can draw while 100k devices load, and
//! returning the joined [`Inventory`]. Also [`Clients`], every typed client built from one
//! profile over one shared request path (one token cache, one quota pacer).
//!
//! Devices come from one of two listings ([`Listing`]): the index-only one is built from
//! queries and fast, but no query sees a device the search index has not caught up with
//! (Google: up to 36 hours); the confirmed one sends no query and sees every device.
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::{self, BoxStream, StreamExt};

use super::auth::Warning;
use super::client::{CallObserver, Client};
use super::directory::Directory;
use super::{partition, Error};
use crate::config::Profile;
use crate::model::{
    Clause, Device, DeviceType, Field, Interner, Inventory, OrgUnit, OwnerIndex, Query, Shared,
    User,
};

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
    /// The Google Sync token this tenant was found to accept (`auto`), probed or
    /// recalled once, replaced when a recheck finds it stale (see [`super::sync_token`]).
    pub(super) sync_token: Arc<tokio::sync::Mutex<Option<super::QueryToken>>>,
    /// Where proven tokens are remembered between runs; `None`: nowhere.
    pub(super) token_memory: Option<Arc<dyn super::TokenMemory>>,
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
            sync_token: Arc::default(),
            token_memory: None,
        };
        Ok((clients, warnings))
    }
}

/// Which device listing [`load_inventory_with`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// Built from queries, partitioned: fast, but blind to devices the search index has not
    /// caught up with.
    IndexOnly,
    /// No query: every device, from two chains meeting in the middle. What `act` and every
    /// migration check use.
    Confirmed,
    /// Both at once (the dashboard): the index-only view arrives first, the plain listing
    /// adds whatever the index missed; [`LoadProgress::confirming`] says it is still running.
    FastThenConfirmed,
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
    /// One page of devices: de-duplicated, filtered by the query, and joined to the OUs of
    /// the owners listed so far (the finished inventory joins every device again).
    Devices(Vec<Device>),
    /// Only from [`stream_inventory_with`] with `FastThenConfirmed`: a page of the
    /// index-only view, shown early. Not part of the answer (the confirmed listing's
    /// `Devices` pages are) and not de-duplicated against it.
    Preview(Vec<Device>),
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
    /// The index-only view is complete and the plain listing that confirms it still runs.
    pub confirming: bool,
}

fn is_sync_type(c: &Clause) -> bool {
    matches!(c, Clause::Match { field: Field::Type, value, prefix: false }
        if DeviceType::parse(value) == DeviceType::GoogleSync)
}

/// The query for Google: `q` with the tenant's Google Sync token, or without the Google
/// Sync type when no token is proven (the local filter applies it). The second value is the
/// token when it was recalled from an earlier run and not yet checked in this one.
async fn server_query(
    clients: &Clients,
    q: &Query,
) -> Result<(Option<String>, Option<String>), Error> {
    if !q.clauses.iter().any(is_sync_type) {
        return Ok((query_text(q, None), None));
    }
    let t = clients.query_token().await?;
    let remembered = match t.source {
        super::TokenSource::Remembered => t.token.clone(),
        _ => None,
    };
    Ok((query_text(q, t.token.as_deref()), remembered))
}

/// `q` for Google with `token` for the Google Sync type, or without that type at all.
fn query_text(q: &Query, token: Option<&str>) -> Option<String> {
    let text = match token {
        Some(token) => q.to_google(token),
        None => Query {
            clauses: q
                .clauses
                .iter()
                .filter(|c| !is_sync_type(c))
                .cloned()
                .collect(),
        }
        .to_google(""),
    };
    (!text.is_empty()).then_some(text)
}

type Pages = BoxStream<'static, Result<Vec<Device>, Error>>;

/// An index-only listing built on a remembered token, checked where a stale token would
/// hide devices. The cheapest safe check is the answer itself: a page with devices shows
/// the token still filters (a server that ignored it would widen the answer, and the local
/// filter narrows it again), so the usual run sends no extra request. Only a 400, or an
/// answer with no device at all, is ambiguous; then the token alone is probed again (one
/// request). Still accepted: the answer stands (or the 400 is reported: it was about
/// something else). Not: the token is forgotten, the tenant probed afresh and the listing
/// repeated with what is proven now. Nothing was streamed yet in either case.
fn checked(clients: Clients, q: Query, token: String, pages: Pages) -> Pages {
    use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
    use std::sync::Mutex;
    let any = Arc::new(AtomicBool::new(false));
    let refused: Arc<Mutex<Option<Error>>> = Arc::default();
    let first = {
        let (any, refused) = (any.clone(), refused.clone());
        pages.scan((), move |_, r| {
            let out = match r {
                Ok(page) => {
                    if !page.is_empty() {
                        any.store(true, Relaxed);
                    }
                    Some(Ok(page))
                }
                Err(e) if e.status() == Some(400) && !any.load(Relaxed) => {
                    *refused.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    None
                }
                Err(e) => Some(Err(e)),
            };
            std::future::ready(out)
        })
    };
    let then = stream::once(async move {
        if any.load(Relaxed) {
            return stream::empty().boxed();
        }
        let refused = refused.lock().unwrap_or_else(|p| p.into_inner()).take();
        match clients.recheck_sync_token(&token).await {
            Err(e) => stream::once(std::future::ready(Err(e))).boxed(),
            Ok(t) if t.token.as_deref() == Some(token.as_str()) => match refused {
                Some(e) => stream::once(std::future::ready(Err(e))).boxed(),
                None => stream::empty().boxed(),
            },
            Ok(t) => partition::mobiledevices(
                &clients.directory,
                query_text(&q, t.token.as_deref()),
                clients.profile.http.partitioned_listing,
            ),
        }
    })
    .flatten();
    first.chain(then).boxed()
}

/// [`load_inventory_with`] as the dashboard runs it: the fast view first, then confirmed.
pub async fn load_inventory(
    clients: &Clients,
    filter_query: Option<&Query>,
    on_event: impl FnMut(LoadEvent) + Send,
) -> Result<Inventory, Error> {
    load_inventory_with(clients, filter_query, Listing::FastThenConfirmed, on_event).await
}

/// Lists OUs, all users and the devices matching `filter_query` concurrently and joins them.
///
/// The query goes to Google (index-only listings) via `Query::to_google` with the tenant's
/// Google Sync token, and is applied again locally (`Query::matches`) to every listing:
/// a confirmed listing sends no query at all, and a token spelling Google ignores must never
/// widen the result. On error, events already sent stay valid: the TUI keeps what it has.
pub async fn load_inventory_with(
    clients: &Clients,
    filter_query: Option<&Query>,
    listing: Listing,
    on_event: impl FnMut(LoadEvent) + Send,
) -> Result<Inventory, Error> {
    run(clients, filter_query, listing, true, on_event)
        .await
        .map(|s| s.inventory)
}

/// A listing whose devices went out as pages and were not kept.
#[derive(Debug, Default)]
pub struct Streamed {
    /// Users, OUs and the clocks; no devices.
    pub inventory: Inventory,
    /// Devices sent before their owner was listed: resource ID → the owner's OU, now known.
    pub late_joins: Vec<(String, Shared)>,
}

/// [`load_inventory_with`] without keeping the devices: the caller owns the only copy of
/// each page (at 100k devices a second copy is ~55 MB). With `FastThenConfirmed` the
/// index-only pages go out as [`LoadEvent::Preview`] and only the confirmed listing's
/// pages as [`LoadEvent::Devices`], each device once: their union is the answer.
pub async fn stream_inventory_with(
    clients: &Clients,
    filter_query: Option<&Query>,
    listing: Listing,
    on_event: impl FnMut(LoadEvent) + Send,
) -> Result<Streamed, Error> {
    run(clients, filter_query, listing, false, on_event).await
}

async fn run(
    clients: &Clients,
    filter_query: Option<&Query>,
    listing: Listing,
    keep: bool,
    mut on_event: impl FnMut(LoadEvent) + Send,
) -> Result<Streamed, Error> {
    let started = Instant::now();
    let base = clients.client.stats();
    let local = filter_query.cloned();
    let dir = &clients.directory;
    let partitioned = clients.profile.http.partitioned_listing;
    let index_only = || async {
        let (q, remembered) = match filter_query {
            Some(q) => server_query(clients, q).await?,
            None => (None, None),
        };
        let mut pages = partition::mobiledevices(dir, q, partitioned);
        if let (Some(token), Some(q)) = (remembered, filter_query) {
            pages = checked(clients.clone(), q.clone(), token, pages);
        }
        // An empty page after the last marks the end of the index-only listing.
        let done = stream::once(async { (true, Ok(Vec::new())) });
        Ok::<_, Error>(pages.map(|r| (false, r)).chain(done))
    };
    let confirmed = || partition::mobiledevices_confirmed(dir).map(|r| (false, r));
    // (end of the index-only listing, page)
    type Pages = BoxStream<'static, (bool, Result<Vec<Device>, Error>)>;
    let as_event = |raw: Pages, preview: bool| {
        raw.map(move |(end, r)| {
            r.map(|page| match preview {
                true => (end, LoadEvent::Preview(page)),
                false => (end, LoadEvent::Devices(page)),
            })
        })
        .boxed()
    };
    let devices = match listing {
        Listing::IndexOnly => as_event(index_only().await?.boxed(), false),
        Listing::Confirmed => as_event(confirmed().boxed(), false),
        Listing::FastThenConfirmed if keep => as_event(
            stream::select(index_only().await?, confirmed()).boxed(),
            false,
        ),
        // Streamed: the index-only pages are a preview, told apart from the answer.
        Listing::FastThenConfirmed => stream::select(
            as_event(index_only().await?.boxed(), true),
            as_event(confirmed().boxed(), false),
        )
        .boxed(),
    };

    let ous: BoxStream<'static, Result<(bool, LoadEvent), Error>> = {
        let dir = dir.clone();
        stream::once(async move {
            dir.orgunits()
                .await
                .map(|o| (false, LoadEvent::OrgUnits(o)))
        })
        .boxed()
    };
    let users = partition::users(dir, None, partitioned)
        .map(|r| r.map(|u| (false, LoadEvent::Users(u))))
        .boxed();

    let mut all = stream::select_all([ous, users, devices]);
    let (mut org_units, mut user_list, mut device_list) = (Vec::new(), Vec::new(), Vec::new());
    // Built once, as users arrive: pages go out joined to the owners known so far, and the
    // finished inventory is joined with the same index once every user is known.
    let mut owners = OwnerIndex::default();
    // One interner per listing: devices share repeated values (model, OS, user agent, …),
    // and both copies of a page (the inventory's and the one streamed out) share them too.
    let mut interner = Interner::default();
    // Both listings of `FastThenConfirmed` deliver many of the same devices: once each.
    // (Each listing alone is de-duplicated already.) Streamed, the preview is not merged.
    let mut kept = (keep && listing == Listing::FastThenConfirmed).then(KeptIds::default);
    let mut pages = 0u64;
    let mut confirming = false;
    // Streamed: devices sent before their owner was known (resource ID, owner), and how
    // many devices each kind of page delivered.
    let mut unjoined: Vec<(String, String)> = Vec::new();
    let (mut answered, mut previewed) = (0u64, 0u64);
    while let Some(ev) = all.next().await {
        let (end, ev) = ev?;
        if end {
            confirming = listing == Listing::FastThenConfirmed;
        }
        let ev = match ev {
            LoadEvent::OrgUnits(o) => {
                org_units.extend(o.iter().cloned());
                LoadEvent::OrgUnits(o)
            }
            LoadEvent::Users(u) => {
                pages += 1;
                u.iter().for_each(|u| owners.add(u));
                user_list.extend(u.iter().cloned());
                LoadEvent::Users(u)
            }
            LoadEvent::Devices(page) if !end => {
                pages += 1;
                let mut fresh = Vec::with_capacity(page.len());
                for mut d in page {
                    if local.as_ref().is_some_and(|q| !q.matches(&d)) {
                        continue;
                    }
                    if let Some(kept) = &mut kept {
                        if !kept.insert(&d.resource_id, &device_list) {
                            continue;
                        }
                    }
                    interner.device(&mut d);
                    owners.join(&mut d);
                    if keep {
                        device_list.push(d.clone());
                    } else if let (None, Some(owner)) = (&d.org_unit_path, d.owner()) {
                        unjoined.push((d.resource_id.clone(), owner.to_string()));
                    }
                    fresh.push(d);
                }
                answered += fresh.len() as u64;
                LoadEvent::Devices(fresh)
            }
            LoadEvent::Preview(page) if !end => {
                pages += 1;
                let mut shown = Vec::with_capacity(page.len());
                for mut d in page {
                    if local.as_ref().is_some_and(|q| !q.matches(&d)) {
                        continue;
                    }
                    interner.device(&mut d);
                    owners.join(&mut d);
                    shown.push(d);
                }
                previewed += shown.len() as u64;
                LoadEvent::Preview(shown)
            }
            other => other,
        };
        if !end {
            on_event(ev);
        }
        let now = clients.client.stats();
        on_event(LoadEvent::Progress(LoadProgress {
            pages,
            devices: match keep {
                true => device_list.len() as u64,
                // At least this many distinct devices: the larger of the two listings.
                false => answered.max(previewed),
            },
            users: user_list.len() as u64,
            requests: now.requests - base.requests,
            retries: now.retries - base.retries,
            elapsed: started.elapsed(),
            confirming,
        }));
    }
    drop(kept);
    let late_joins = unjoined
        .into_iter()
        .filter_map(|(id, owner)| Some((id, owners.ou_of_owner(&owner)?)))
        .collect();
    let mut inv = Inventory::joined(device_list, user_list, org_units, &owners);
    let offset = clients.client.server_offset().unwrap_or_default();
    inv.server_offset = offset;
    inv.fetched_at = Some(chrono::Utc::now() + offset);
    Ok(Streamed {
        inventory: inv,
        late_joins,
    })
}

/// The resource IDs of the devices kept so far, for merging two listings without a second
/// copy of every ID: a hash of each ID points at its device in the kept list (12 bytes a
/// device, where a set of IDs takes about 60). Equal hashes are told apart by comparing the
/// IDs themselves, so the merge stays exact.
#[derive(Default)]
struct KeptIds {
    hasher: RandomState,
    by_hash: HashMap<u64, u32>,
    /// IDs whose hash a different kept ID already has (practically never).
    collided: HashSet<String>,
}

impl KeptIds {
    /// Whether `id` is new; if so it is recorded at `kept.len()`, where the caller pushes it.
    fn insert(&mut self, id: &str, kept: &[Device]) -> bool {
        let at = kept.len() as u32;
        match self.by_hash.entry(self.hasher.hash_one(id)) {
            Entry::Vacant(e) => {
                e.insert(at);
                true
            }
            Entry::Occupied(e) if kept[*e.get() as usize].resource_id == id => false,
            Entry::Occupied(_) => self.collided.insert(id.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(id: &str) -> Device {
        Device {
            resource_id: id.into(),
            ..Default::default()
        }
    }

    #[test]
    fn kept_ids_are_exact_even_when_hashes_collide() {
        let mut k = KeptIds::default();
        let mut kept = Vec::new();
        for id in ["a", "b", "a", "c", "b"] {
            if k.insert(id, &kept) {
                kept.push(dev(id));
            }
        }
        let ids: Vec<&str> = kept.iter().map(|d| d.resource_id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        // Force a collision: another ID recorded under "a"'s hash is still told apart.
        let h = k.hasher.hash_one("a");
        let mut k2 = KeptIds {
            hasher: k.hasher.clone(),
            ..Default::default()
        };
        k2.by_hash.insert(h, 0);
        let kept = vec![dev("zzz")];
        assert!(
            k2.insert("a", &kept),
            "a different ID under the same hash is new"
        );
        assert!(!k2.insert("a", &kept), "and only once");
    }
}
