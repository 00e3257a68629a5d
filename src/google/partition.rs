//! Partitioned listing of mobile devices: several page chains over disjoint-enough query
//! partitions run at once, merged and de-duplicated, so 100k devices take seconds at the
//! quota instead of minutes of sequential round trips.
//!
//! # Why the result is exactly the plain listing
//!
//! Let `Q` be the caller's query and `D` the devices matching it. The scheme:
//! 1. Two probes, `orderBy=email` ascending and descending with `maxResults=1` and `Q`.
//!    If either returns a device without an email, fall back to the plain chain: such a
//!    device matches no `email:` clause, and devices without email sort at one end of the
//!    order, so checking both ends finds them whenever they exist.
//! 2. Otherwise every `d ∈ D` has a sort key `k(d)`, one of its emails (Google sorts by an
//!    email of the device), with `k(min) ≤ k(d) ≤ k(max)`. Comparing the first characters,
//!    `lo = k(min)[0] ≤ k(d)[0] ≤ hi = k(max)[0]` in whichever order Google sorts: raw
//!    ASCII, or case-folded to lower or upper case. We take the union `S` of the three
//!    ranges, so `k(d)[0] ∈ S` under any of those orders.
//! 3. One chain per character `c ∈ S` (lower-cased; email search is case-insensitive), with
//!    query `Q email:c*`. `d` matches `Q` and its email `k(d)` starts with `k(d)[0]`, so it
//!    is listed by the chain of `k(d)[0]`. Characters that cannot start an email address
//!    (outside RFC 5322 `atext`, such as `@ : ; < > [ \ ]`) need no chain; if `S` holds a
//!    character that cannot be written in a prefix clause (`'`, `*`, `"`), fall back.
//! 4. Every chain lists only devices matching `Q` (the clause is ANDed), so the union is
//!    exactly `D`. A device with several emails can appear in several chains: pages are
//!    de-duplicated by `resourceId`, so each device is delivered once.
//!
//! A device that syncs during the listing keeps its emails and therefore its partitions;
//! page cursors are keyed on the sort key, not on offsets, so updates neither skip nor
//! repeat devices within a chain. When `Q` has its own `email:` clause (an `email:` AND
//! another `email:` could mean something else) or partitioning is off, the plain chain runs.
use std::collections::{BTreeSet, HashSet};

use futures::stream::{self, BoxStream, StreamExt};

use super::directory::{DeviceListing, Directory};
use super::Error;
use crate::model::Device;

/// How a listing will run (exposed for tests and the benchmark's report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    Plain,
    /// The lower-case first characters, one chain each.
    Partitions(Vec<char>),
}

/// Characters allowed unquoted in an address's local part (RFC 5322 `atext`), minus those
/// a search prefix cannot carry.
const ATEXT_PUNCT: &str = "!#$%&+-/=?^_`{|}~.";
const UNWRITABLE: &str = "'*\"";

/// Decides the plan with the two probes described in the module docs.
pub async fn plan(dir: &Directory, query: Option<&str>, enabled: bool) -> Result<Plan, Error> {
    let q = query.unwrap_or_default();
    if !enabled || q.to_ascii_lowercase().contains("email:") {
        return Ok(Plan::Plain);
    }
    let probe = |descending| DeviceListing {
        query: query.map(str::to_string),
        order_by: Some("email"),
        descending,
        max_results: 1,
    };
    let (asc, desc) = (probe(false), probe(true));
    let (first, last) = futures::try_join!(
        dir.mobiledevices_page(&asc, None),
        dir.mobiledevices_page(&desc, None)
    )?;
    let key = |p: &super::page::Page<Device>| p.items.first().map(|d| d.email.first().cloned());
    match (key(&first), key(&last)) {
        (Some(Some(lo)), Some(Some(hi))) => {
            Ok(partition_chars(&lo, &hi).map_or(Plan::Plain, Plan::Partitions))
        }
        // Nothing matches (or a device without email sorts at an end): plain chain.
        _ => Ok(Plan::Plain),
    }
}

/// The partition characters for the smallest and largest sort keys, or `None` when
/// partitioning cannot be exact (non-ASCII bounds, an unwritable character in range).
pub fn partition_chars(lo: &str, hi: &str) -> Option<Vec<char>> {
    let (lo, hi) = (lo.chars().next()?, hi.chars().next()?);
    if !lo.is_ascii() || !hi.is_ascii() {
        return None;
    }
    let range = |a: char, b: char| (a.min(b) as u8..=a.max(b) as u8).map(char::from);
    let mut s: BTreeSet<char> = BTreeSet::new();
    s.extend(range(lo, hi));
    s.extend(range(lo.to_ascii_lowercase(), hi.to_ascii_lowercase()));
    s.extend(range(lo.to_ascii_uppercase(), hi.to_ascii_uppercase()));
    if s.iter().any(|c| UNWRITABLE.contains(*c)) {
        return None;
    }
    let out: BTreeSet<char> = s
        .into_iter()
        .filter(|c| c.is_ascii_alphanumeric() || ATEXT_PUNCT.contains(*c))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Some(out.into_iter().collect())
}

/// Lists devices matching `query`, partitioned when the plan allows, as a stream of
/// de-duplicated pages. At most `HttpSettings.concurrency` requests are in flight (the
/// client enforces it) and the quota pacer spaces them. The first failed page ends the
/// stream with an [`Error::Listing`] counting every device delivered before it.
pub fn mobiledevices(
    dir: &Directory,
    query: Option<String>,
    enabled: bool,
) -> BoxStream<'static, Result<Vec<Device>, Error>> {
    let dir = dir.clone();
    stream::once(async move {
        let chains: Vec<BoxStream<'static, Result<Vec<Device>, Error>>> =
            match plan(&dir, query.as_deref(), enabled).await {
                Err(e) => return stream::iter([Err(e)]).boxed(),
                Ok(Plan::Plain) => {
                    vec![dir.mobiledevices(DeviceListing {
                        query: query.clone(),
                        ..Default::default()
                    })]
                }
                Ok(Plan::Partitions(chars)) => {
                    tracing::debug!("listing devices in {} partitions: {chars:?}", chars.len());
                    chars
                        .into_iter()
                        .map(|c| {
                            let q = match query.as_deref().filter(|q| !q.is_empty()) {
                                Some(q) => format!("{q} email:{c}*"),
                                None => format!("email:{c}*"),
                            };
                            dir.mobiledevices(DeviceListing {
                                query: Some(q),
                                ..Default::default()
                            })
                        })
                        .collect()
                }
            };
        dedupe(stream::select_all(chains).boxed())
    })
    .flatten()
    .boxed()
}

struct Dedupe {
    inner: BoxStream<'static, Result<Vec<Device>, Error>>,
    seen: HashSet<String>,
    fetched: u64,
    done: bool,
}

fn dedupe(
    inner: BoxStream<'static, Result<Vec<Device>, Error>>,
) -> BoxStream<'static, Result<Vec<Device>, Error>> {
    let st = Dedupe {
        inner,
        seen: HashSet::new(),
        fetched: 0,
        done: false,
    };
    stream::unfold(st, |mut st| async move {
        if st.done {
            return None;
        }
        let item = match st.inner.next().await? {
            Ok(page) => {
                let fresh: Vec<Device> = page
                    .into_iter()
                    .filter(|d| st.seen.insert(d.resource_id.clone()))
                    .collect();
                st.fetched += fresh.len() as u64;
                Ok(fresh)
            }
            Err(e) => {
                st.done = true;
                let (what, source) = match e {
                    Error::Listing { what, source, .. } => (what, source),
                    other => ("mobile devices", Box::new(other)),
                };
                Err(Error::Listing {
                    what,
                    fetched: st.fetched,
                    source,
                })
            }
        };
        Some((item, st))
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::partition_chars;

    fn s(v: Option<Vec<char>>) -> String {
        v.map(|v| v.into_iter().collect())
            .unwrap_or_else(|| "<plain>".into())
    }

    #[test]
    fn covers_the_range_under_every_plausible_order() {
        assert_eq!(
            s(partition_chars("adam@x", "zed@x")),
            "abcdefghijklmnopqrstuvwxyz"
        );
        assert_eq!(s(partition_chars("bob@x", "bob@x")), "b");
        // Digits up to letters: the punctuation in between cannot start an address, except
        // `=`, `?`, `^`, `_` and the backtick which are atext; in raw ASCII order `0..c`
        // also spans the upper-case letters, whose (case-insensitive) partitions are a-z.
        assert_eq!(
            s(partition_chars("0@x", "c@x")),
            "0123456789=?^_`abcdefghijklmnopqrstuvwxyz"
        );
        // Upper-case bounds under raw ASCII order still cover the lower-case letters.
        assert_eq!(
            s(partition_chars("Zed@x", "amy@x")),
            "^_`abcdefghijklmnopqrstuvwxyz"
        );
        assert_eq!(s(partition_chars("'quote@x", "z@x")), "<plain>");
        assert_eq!(s(partition_chars("é@x", "z@x")), "<plain>");
    }
}
