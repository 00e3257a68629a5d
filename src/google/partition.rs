//! Fast listings: several page chains run at once, merged and de-duplicated, so 100k
//! devices and 50k users take seconds instead of minutes of sequential round trips.
//!
//! - Devices, index-only: partitioned by `sync:` ranges ([`by_sync`]), whose meaning the
//!   documentation pins down, so the speed does not depend on how the server reads `email:`
//!   (as an address prefix, or word by word as Google's own example suggests: then `email:e*`
//!   matches every device of `example.com`).
//! - Devices, confirmed: no query at all, two chains meeting in the middle ([`confirmed`]).
//!   Only this one sees devices the search index has not caught up with.
//! - Users: `email:` prefix partitions (below), whose reading for users is the documented one.
//!
//! The character arithmetic is in [`bounds`], the scheduler in [`engine`].
//!
//! # Users: why the result is exactly the plain listing
//!
//! # Why the result is exactly the plain listing
//!
//! Let `Q` be the caller's query and `D` the items matching it. Every item has a sort key
//! `k(d)` under `orderBy=email`: one of its addresses (for users the primary email, as
//! discovery documents; for devices one of the `email` list, we do not assume which). The
//! key is a property of the item, the same in every listing. The `email:` prefix search is
//! case-insensitive and matches any address of the item.
//! 1. Two probes, `orderBy=email` ascending and descending with `maxResults=1` and `Q`.
//!    If either returns an item without an address, fall back to the plain chain: such an
//!    item matches no `email:` clause, and items without one sort at one end of the order,
//!    so checking both ends finds them whenever they exist.
//! 2. Otherwise, with `first` and `last` the probed items, `min(addresses(first)) ≤
//!    k(first) ≤ k(d) ≤ k(last) ≤ max(addresses(last))` for every `d ∈ D`, in whichever
//!    order Google compares: raw ASCII, or case-folded to lower or upper case. So `k(d)[0]`
//!    lies between the bounds' first characters; [`bounds::next_chars`] unites that range
//!    under the three orders into a set `S`.
//! 3. One chain per character `c ∈ S` (lower-cased), with query `Q email:c*`. `d` matches
//!    `Q` and its address `k(d)` starts with `k(d)[0]`, so the chain of `k(d)[0]` lists it;
//!    call the items with `k(d)[0] = c` (either case) that chain's *own* items. Characters
//!    that cannot start an address (outside RFC 5322 `atext`, such as `@ : ; < > [ \ ]`)
//!    need no chain; if `S` holds a character that cannot be written in a prefix clause
//!    (`'`, `*`, `"`), fall back.
//! 4. Every chain lists only items matching `Q` (the clause is ANDed), so the union is
//!    exactly `D`. An item with several addresses can appear in several chains: pages are
//!    de-duplicated by id (`resourceId`, user `id`), so each item is delivered once.
//!
//! # Splitting a heavy partition, still exactly
//!
//! When a page of chain `c` (its second or later) comes back with a next page token, the
//! chain dominates the listing and the quota leaves room (see `engine::dominates` and
//! `engine::worth_splitting`), the rest of that chain is replaced:
//! 5. Probe `Q email:c*` in email order both ways with full pages, delivered as data. If
//!    either probe has no next page, it holds the whole partition: done.
//! 6. Otherwise every own item `d` not in the ascending page has `k(d) ≥ k(a)` for each
//!    item `a` of that page, hence `k(d) ≥ L = max_a min(addresses(a))`; likewise
//!    `k(d) ≤ H = min_b max(addresses(b))` over the descending page. If `L` and `H` both
//!    start with `c` under an order, `k(d)[1]` lies between `L[1]` and `H[1]`; if one of
//!    them lies beyond `c` on its side, no own item exists under that order. If a bound
//!    lies short of `c` (a multi-address item sorted by another address), the range after
//!    `c` is open and could hold `'`: no split, the chain resumes from its next page.
//! 7. One chain per character `x` in that range, with query `Q email:cx*`. `x` may be `.`
//!    or `@` (a one-character local part) besides `atext`. Each own item is in a probe
//!    page or the chain of `k(d)[1]` (the pages `c` already delivered only repeat some,
//!    whichever they were); the other chains' items match `Q`, so the union is still
//!    exactly `D`, de-duplicated as in 4.
//!
//! A device that syncs during the listing keeps its emails and therefore its partitions;
//! page cursors are keyed on the sort key, not on offsets, so updates neither skip nor
//! repeat items within a chain. When `Q` has its own `email:` clause (an `email:` AND
//! another `email:` could mean something else) or partitioning is off, the plain chain runs.
mod bounds;
pub mod by_sync;
pub mod confirmed;
mod engine;
pub mod token;

use std::sync::Arc;

use futures::stream::{self, BoxStream, StreamExt};

pub use bounds::{next_chars, partition_chars};
use engine::{Req, Source, Task};

use super::directory::Directory;
use super::page::Page;
use super::Error;
use crate::model::{Device, User};

/// How a listing will run (exposed for tests and the benchmark's report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    Plain,
    /// The lower-case first characters, one chain each.
    Partitions(Vec<char>),
}

fn user_source(dir: &Directory) -> Source<User> {
    let d = dir.clone();
    Source {
        what: "users",
        fetch: Arc::new(move |r: Req| {
            let d = d.clone();
            Box::pin(async move {
                d.users_page_sorted(r.query.as_deref(), r.order, r.max, r.token.as_deref())
                    .await
            })
        }),
        id: |u| &u.id,
        // Users sort by primary email (discovery: "Primary email of the user").
        keys: |u| {
            Some(u.primary_email.as_str())
                .filter(|e| !e.is_empty())
                .into_iter()
                .collect()
        },
        page_max: 500,
        plain_when_quota_bound: true,
        client: dir.client().clone(),
    }
}

async fn plan_with<T: Send + 'static>(
    src: &Source<T>,
    query: Option<&str>,
    enabled: bool,
) -> Result<Plan, Error> {
    let q = query.unwrap_or_default();
    if !enabled || q.to_ascii_lowercase().contains("email:") {
        return Ok(Plan::Plain);
    }
    let probe = |desc| Req {
        query: query.map(str::to_string),
        order: Some(desc),
        max: 1,
        token: None,
    };
    // Under a tight quota (the pacer, not the round trip, sets the pace) the load takes at
    // least all its requests ÷ the rate, longer than a short chain's pages × round trip:
    // partitioning such a chain only adds requests. The probes measure the round trip if
    // nothing has yet.
    let quota_bound = || {
        src.plain_when_quota_bound
            && src.client.mean_round_trip().is_some()
            && !engine::worth_splitting(&src.client, usize::MAX)
    };
    if quota_bound() {
        return Ok(Plan::Plain);
    }
    let (first, last) = futures::try_join!((src.fetch)(probe(false)), (src.fetch)(probe(true)))?;
    if quota_bound() {
        return Ok(Plan::Plain);
    }
    fn keys<T>(k: fn(&T) -> Vec<&str>, p: &Page<T>) -> Option<Vec<&str>> {
        p.items.first().map(k).filter(|k| !k.is_empty())
    }
    match (keys(src.keys, &first), keys(src.keys, &last)) {
        (Some(lo), Some(hi)) => {
            Ok(next_chars("", &[lo], &[hi]).map_or(Plan::Plain, Plan::Partitions))
        }
        // Nothing matches (or an item without email sorts at an end): plain chain.
        _ => Ok(Plan::Plain),
    }
}

/// Decides the user plan the same way (users sort by primary email).
pub async fn plan_users(
    dir: &Directory,
    query: Option<&str>,
    enabled: bool,
) -> Result<Plan, Error> {
    plan_with(&user_source(dir), query, enabled).await
}

fn listing<T: Send + 'static>(
    src: Source<T>,
    query: Option<String>,
    enabled: bool,
) -> BoxStream<'static, Result<Vec<T>, Error>> {
    stream::once(async move {
        let roots = match plan_with(&src, query.as_deref(), enabled).await {
            Err(e) => {
                let e = Error::Listing {
                    what: src.what,
                    fetched: 0,
                    source: Box::new(e),
                };
                return stream::iter([Err(e)]).boxed();
            }
            Ok(Plan::Plain) => vec![Task::Chain {
                query,
                token: None,
                split: None,
                pages: 0,
            }],
            Ok(Plan::Partitions(chars)) => {
                tracing::debug!(
                    "listing {} in {} partitions: {chars:?}",
                    src.what,
                    chars.len()
                );
                chars
                    .into_iter()
                    .map(|c| Task::Chain {
                        query: Some(engine::with_prefix(query.as_deref(), &c.to_string())),
                        token: None,
                        split: Some((query.clone(), c)),
                        pages: 0,
                    })
                    .collect()
            }
        };
        engine::run(src, roots)
    })
    .flatten()
    .boxed()
}

/// The index-only device listing: devices the search index holds for `query`, partitioned
/// by `sync:` ranges when `enabled` (see [`by_sync`]).
pub fn mobiledevices(
    dir: &Directory,
    query: Option<String>,
    enabled: bool,
) -> BoxStream<'static, Result<Vec<Device>, Error>> {
    by_sync::mobiledevices(dir, query, enabled)
}

/// The confirmed device listing: every device, without a query (see [`confirmed`]).
pub fn mobiledevices_confirmed(dir: &Directory) -> BoxStream<'static, Result<Vec<Device>, Error>> {
    confirmed::mobiledevices(dir)
}

/// Lists users matching the user-search `query` the same way (500 per page).
pub fn users(
    dir: &Directory,
    query: Option<String>,
    enabled: bool,
) -> BoxStream<'static, Result<Vec<User>, Error>> {
    listing(user_source(dir), query, enabled)
}

/// What the device partitions share: chains overlap at their ends, so each page keeps only
/// devices not seen before, and the first failed page ends the listing with an
/// [`Error::Listing`] that counts what came before it. Each ID remembers which of two
/// chains delivered it first, so the confirmed listing sees where its chains meet without
/// a second set of IDs.
#[derive(Default)]
struct Dedup {
    /// Resource ID → delivered first by the second chain.
    seen: std::collections::HashMap<String, bool>,
    fetched: u64,
}

impl Dedup {
    fn fresh(&mut self, items: Vec<Device>) -> Vec<Device> {
        self.fresh_from(false, items).0
    }

    /// The devices of a page from chain `second` not seen before, and whether the page
    /// holds a device the other chain delivered.
    fn fresh_from(&mut self, second: bool, items: Vec<Device>) -> (Vec<Device>, bool) {
        let mut met = false;
        let fresh: Vec<Device> = items
            .into_iter()
            .filter(|d| match self.seen.get(&d.resource_id) {
                Some(&by) => {
                    met |= by != second;
                    false
                }
                None => {
                    self.seen.insert(d.resource_id.clone(), second);
                    true
                }
            })
            .collect();
        self.fetched += fresh.len() as u64;
        (fresh, met)
    }

    fn failed(&self, e: Error) -> Error {
        Error::Listing {
            what: "mobile devices",
            fetched: self.fetched,
            source: Box::new(e),
        }
    }
}
