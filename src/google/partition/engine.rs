//! Runs a partitioned listing: every page chain as one pending request in a
//! `FuturesUnordered`, partitions that dominate the listing split into two-character
//! sub-partitions when the quota leaves room, and pages de-duplicated by id before they
//! leave. Knows nothing about
//! devices or users: [`Source`] supplies the fetch, the id and the candidate sort keys.
use std::collections::HashSet;
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, FuturesUnordered, StreamExt};

use super::bounds;
use crate::google::page::Page;
use crate::google::{Client, Error};

/// One list request: `order` is `Some(descending)` for `orderBy=email`.
pub struct Req {
    pub query: Option<String>,
    pub order: Option<bool>,
    pub max: u32,
    pub token: Option<String>,
}

pub type Fetch<T> = Arc<dyn Fn(Req) -> BoxFuture<'static, Result<Page<T>, Error>> + Send + Sync>;

pub struct Source<T> {
    pub what: &'static str,
    pub fetch: Fetch<T>,
    pub id: fn(&T) -> &str,
    /// The addresses any of which may be the item's `orderBy=email` sort key.
    pub keys: fn(&T) -> Vec<&str>,
    pub page_max: u32,
    /// List plainly (no partitions) when the quota, not the round trip, bounds the load:
    /// for users, whose one chain is short next to the devices' share of the quota.
    pub plain_when_quota_bound: bool,
    pub client: Client,
}

/// A partition is never split on its first page, only once it has shown it is long.
const MIN_PAGES_BEFORE_SPLIT: u32 = 2;

/// `query` ANDed with an `email:` prefix clause.
pub fn with_prefix(query: Option<&str>, prefix: &str) -> String {
    match query.filter(|q| !q.is_empty()) {
        Some(q) => format!("{q} email:{prefix}*"),
        None => format!("email:{prefix}*"),
    }
}

/// A unit of work: the next page of a chain, or the split of a heavy partition.
pub enum Task {
    Chain {
        query: Option<String>,
        token: Option<String>,
        /// `Some((base query, c))` for a first-character partition that may still split.
        split: Option<(Option<String>, char)>,
        /// Pages this chain has fetched so far.
        pages: u32,
    },
    Split {
        base: Option<String>,
        c: char,
        /// The partition's own chain, resumed when the split cannot be exact.
        resume: Box<Task>,
    },
}

struct Outcome<T> {
    items: Vec<T>,
    next: Vec<Task>,
    /// A long partition: (its pages so far, the split, the chain's continuation) for the
    /// driver to choose.
    heavy: Option<(u32, Task, Task)>,
    /// Requests this task made.
    requests: u64,
}

type Pending<T> = FuturesUnordered<BoxFuture<'static, Result<Outcome<T>, Error>>>;

fn start<T: Send + 'static>(
    src: &Arc<Source<T>>,
    task: Task,
) -> BoxFuture<'static, Result<Outcome<T>, Error>> {
    let src = src.clone();
    Box::pin(async move {
        match task {
            Task::Chain {
                query,
                token,
                split,
                pages,
            } => {
                let pages = pages + 1;
                let req = Req {
                    query: query.clone(),
                    order: None,
                    max: src.page_max,
                    token,
                };
                let page = (src.fetch)(req).await?;
                let Some(token) = page.next_page_token.filter(|t| !t.is_empty()) else {
                    return Ok(Outcome {
                        items: page.items,
                        next: vec![],
                        heavy: None,
                        requests: 1,
                    });
                };
                let more = |query, split| Task::Chain {
                    query,
                    token: Some(token.clone()),
                    split,
                    pages,
                };
                Ok(match split {
                    Some((base, c)) if pages >= MIN_PAGES_BEFORE_SPLIT => {
                        // A split that cannot be exact resumes the chain, never to split again.
                        let resume = Box::new(more(query.clone(), None));
                        let keep = more(query, Some((base.clone(), c)));
                        Outcome {
                            items: page.items,
                            next: vec![],
                            heavy: Some((pages, Task::Split { base, c, resume }, keep)),
                            requests: 1,
                        }
                    }
                    split => Outcome {
                        items: page.items,
                        next: vec![more(query, split)],
                        heavy: None,
                        requests: 1,
                    },
                })
            }
            Task::Split { base, c, resume } => split(&src, base, c, *resume).await,
        }
    })
}

/// Probes partition `c` in email order from both ends (full pages, delivered as data) and
/// replaces its chain by one chain per possible second character; see the module proof.
async fn split<T: Send + 'static>(
    src: &Source<T>,
    base: Option<String>,
    c: char,
    resume: Task,
) -> Result<Outcome<T>, Error> {
    let q = with_prefix(base.as_deref(), &c.to_string());
    let probe = |desc| Req {
        query: Some(q.clone()),
        order: Some(desc),
        max: src.page_max,
        token: None,
    };
    let (asc, desc) = futures::try_join!((src.fetch)(probe(false)), (src.fetch)(probe(true)))?;
    let complete = |p: &Page<T>| p.next_page_token.as_deref().is_none_or(str::is_empty);
    let next = if complete(&asc) || complete(&desc) {
        vec![] // one probe saw the whole partition
    } else {
        let lows: Vec<Vec<&str>> = asc.items.iter().map(src.keys).collect();
        let highs: Vec<Vec<&str>> = desc.items.iter().map(src.keys).collect();
        match bounds::next_chars(&c.to_string(), &lows, &highs) {
            Some(xs) => {
                tracing::debug!("{}: splitting partition {c:?} into {xs:?}", src.what);
                xs.into_iter()
                    .map(|x| Task::Chain {
                        query: Some(with_prefix(base.as_deref(), &format!("{c}{x}"))),
                        token: None,
                        split: None,
                        pages: 0,
                    })
                    .collect()
            }
            None => vec![resume],
        }
    };
    let mut items = asc.items;
    items.extend(desc.items);
    Ok(Outcome {
        items,
        next,
        heavy: None,
        requests: 2,
    })
}

/// Whether splitting pays: the quota allows more requests per round trip than the chains
/// in flight (at most `concurrency` of them) can send. Under a tight quota the pacer is
/// the bottleneck and a split's extra requests would only lengthen the listing.
pub fn worth_splitting(client: &Client, chains: usize) -> bool {
    let Some(rtt) = client.mean_round_trip() else {
        return false;
    };
    let allowed = client.admin_rate_per_sec() * rtt.as_secs_f64();
    allowed > chains.min(client.concurrency()) as f64
}

/// Whether a chain that has fetched `pages` pages dominates the listing: it is longer than
/// the listing's expected total ÷ `concurrency`, the length of every chain were the work
/// spread evenly. The total is estimated as the `requests` made so far plus, for each of
/// the `chains` running, as many pages again as this one has fetched (they all started
/// together). Splitting anything shorter adds requests (every sub-partition ends on a part
/// page) without shortening the listing; while the running chains fill every slot, nothing
/// is split at all.
fn dominates(pages: u32, chains: usize, requests: u64, concurrency: usize) -> bool {
    let expected = requests + chains as u64 * pages as u64;
    pages as u64 * concurrency as u64 > expected
}

struct Driver<T> {
    src: Arc<Source<T>>,
    pending: Pending<T>,
    seen: HashSet<String>,
    fetched: u64,
    requests: u64,
    done: bool,
}

/// Runs `roots` and everything they lead to; pages come out de-duplicated by id. The first
/// failed request ends the stream with an [`Error::Listing`] counting what came before.
pub fn run<T: Send + 'static>(
    src: Source<T>,
    roots: Vec<Task>,
) -> BoxStream<'static, Result<Vec<T>, Error>> {
    let src = Arc::new(src);
    let pending: Pending<T> = roots.into_iter().map(|t| start(&src, t)).collect();
    let st = Driver {
        src,
        pending,
        seen: HashSet::new(),
        fetched: 0,
        requests: 0,
        done: false,
    };
    stream::unfold(st, |mut st| async move {
        if st.done {
            return None;
        }
        let item = match st.pending.next().await? {
            Ok(out) => {
                st.requests += out.requests;
                let mut next = out.next;
                if let Some((pages, split, more)) = out.heavy {
                    let chains = st.pending.len() + 1;
                    let client = &st.src.client;
                    let long = dominates(pages, chains, st.requests, client.concurrency());
                    next.push(if long && worth_splitting(client, chains) {
                        split
                    } else {
                        more
                    });
                }
                for t in next {
                    st.pending.push(start(&st.src, t));
                }
                let id = st.src.id;
                let fresh: Vec<T> = out
                    .items
                    .into_iter()
                    .filter(|x| !st.seen.contains(id(x)) && st.seen.insert(id(x).to_string()))
                    .collect();
                st.fetched += fresh.len() as u64;
                Ok(fresh)
            }
            Err(e) => {
                st.done = true;
                let source = match e {
                    Error::Listing { source, .. } => source,
                    other => Box::new(other),
                };
                Err(Error::Listing {
                    what: st.src.what,
                    fetched: st.fetched,
                    source,
                })
            }
        };
        Some((item, st))
    })
    .boxed()
}
