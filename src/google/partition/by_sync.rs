//! The index-only device listing, partitioned by `sync:` ranges: the one operator whose
//! meaning Google's documentation pins down ("datetime..datetime: within (inclusive) the
//! given interval"), so its speed does not depend on how the server reads `email:`.
//!
//! # Why the result is exactly what the index holds for `Q`
//!
//! 1. The first page of `Q` (default order) is delivered and doubles as a sample of the
//!    matching devices' `lastSync`. Without a next page it is the whole answer.
//! 2. `T0` is the server's now (its `Date` header) less a margin. Boundaries `b1 < … < bn`
//!    are quantiles of the sample below `T0`; the ranges `..b1`, `b1..b2`, …, `bn..T0` share
//!    their ends (each bound is inclusive), so every `lastSync ≤ T0` lies in one of them,
//!    whatever the server's sub-second or time-zone reading of a bound, since all bounds
//!    shift alike. Each range runs as its own chain `Q sync:a..b`; pages are de-duplicated.
//! 3. A never-synced device matches no `sync:` clause. They sort at one end of
//!    `orderBy=lastSync`: a listing without `query` from each end in turn (first pages
//!    delivered as data) finds that end, and its chain runs until a synced device appears.
//! 4. `lastSync` moves forward while the listing runs: a device that syncs moves to a time
//!    after `T0`. So `Q sync:T0..` runs last, after every other chain has finished, and
//!    catches each device that left its range (and every one that first synced) meanwhile.
//!
//! With a `sync:` clause of its own in `Q`, or partitioning off, the plain chain runs
//! (continuing from the first page). Devices the search index has not caught up with are
//! in no query's answer: this listing is labelled index-only until a plain listing
//! ([`super::confirmed`]) confirms it.

use chrono::{TimeZone, Utc};
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, FuturesUnordered, StreamExt};

use crate::google::directory::{DeviceListing, Directory};
use crate::google::Error;
use crate::model::{Device, Query};

use super::Dedup;

/// Margin below the server's now for `T0`: its `Date` header has whole seconds.
const T0_MARGIN_SECS: i64 = 5;

enum Job {
    /// The first page of `Q`, which decides the plan.
    Sample,
    Chain {
        listing: DeviceListing,
        token: Option<String>,
    },
    /// The never-synced devices from one end of `orderBy=lastSync` (no query).
    Never {
        desc: bool,
        token: Option<String>,
        /// The first page at this end: it shows whether never-synced devices sort here.
        probing: bool,
    },
}

struct Step {
    items: Vec<Device>,
    next: Vec<Job>,
    /// Set by the sample: the chain to run once every other has finished.
    last: Option<DeviceListing>,
}

fn q_with(query: Option<&str>, clause: &str) -> String {
    match query.filter(|q| !q.is_empty()) {
        Some(q) => format!("{q} {clause}"),
        None => clause.to_string(),
    }
}

fn datetime(secs: i64) -> String {
    Utc.timestamp_opt(secs, 0)
        .single()
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// The `sync:` ranges for a sample of `lastSync` seconds: `parts` quantile ranges up to `t0`.
pub fn ranges(mut sample: Vec<i64>, parts: usize, t0: i64) -> Vec<(Option<i64>, i64)> {
    sample.retain(|&s| s < t0);
    sample.sort_unstable();
    let mut bounds: Vec<i64> = (1..parts)
        .filter_map(|k| sample.get(k * sample.len() / parts).copied())
        .collect();
    bounds.dedup();
    let mut out = Vec::with_capacity(bounds.len() + 1);
    let mut from = None;
    for b in bounds {
        out.push((from, b));
        from = Some(b);
    }
    out.push((from, t0));
    out
}

fn plan(dir: &Directory, query: Option<&str>, sample: &[Device], enabled: bool) -> Plan {
    let own_sync = query.is_some_and(|q| {
        q.split_whitespace()
            .any(|c| c.to_ascii_lowercase().starts_with("sync:"))
    });
    if !enabled || own_sync {
        return Plan::Plain;
    }
    let t0 = dir.client().server_now().timestamp() - T0_MARGIN_SECS;
    let parts = (dir.client().concurrency() * 2).clamp(8, 48);
    let synced: Vec<i64> = sample
        .iter()
        .filter_map(|d| d.last_sync.map(|t| t.timestamp()))
        .collect();
    Plan::Ranges(ranges(synced, parts, t0), t0)
}

enum Plan {
    Plain,
    Ranges(Vec<(Option<i64>, i64)>, i64),
}

fn start(
    dir: &Directory,
    query: Option<String>,
    enabled: bool,
    job: Job,
) -> BoxFuture<'static, Result<Step, Error>> {
    let dir = dir.clone();
    Box::pin(async move {
        match job {
            Job::Sample => {
                let l = DeviceListing {
                    query: query.clone(),
                    ..Default::default()
                };
                let page = dir.mobiledevices_page(&l, None).await?;
                let Some(token) = page.next_page_token.filter(|t| !t.is_empty()) else {
                    return Ok(Step {
                        items: page.items,
                        next: vec![],
                        last: None,
                    });
                };
                let (next, last) = match plan(&dir, query.as_deref(), &page.items, enabled) {
                    Plan::Plain => (
                        vec![Job::Chain {
                            listing: l,
                            token: Some(token),
                        }],
                        None,
                    ),
                    Plan::Ranges(ranges, t0) => {
                        tracing::debug!("listing mobile devices in {} sync ranges", ranges.len());
                        let mut next: Vec<Job> = ranges
                            .into_iter()
                            .map(|(a, b)| {
                                let from = a.map(datetime).unwrap_or_default();
                                let clause = format!("sync:{from}..{}", datetime(b));
                                Job::Chain {
                                    listing: DeviceListing {
                                        query: Some(q_with(query.as_deref(), &clause)),
                                        ..Default::default()
                                    },
                                    token: None,
                                }
                            })
                            .collect();
                        next.push(Job::Never {
                            desc: false,
                            token: None,
                            probing: true,
                        });
                        let clause = format!("sync:{}..", datetime(t0));
                        let last = DeviceListing {
                            query: Some(q_with(query.as_deref(), &clause)),
                            ..Default::default()
                        };
                        (next, Some(last))
                    }
                };
                Ok(Step {
                    items: page.items,
                    next,
                    last,
                })
            }
            Job::Chain { listing, token } => {
                let page = dir.mobiledevices_page(&listing, token.as_deref()).await?;
                let next = page
                    .next_page_token
                    .filter(|t| !t.is_empty())
                    .map(|t| Job::Chain {
                        listing,
                        token: Some(t),
                    })
                    .into_iter()
                    .collect();
                Ok(Step {
                    items: page.items,
                    next,
                    last: None,
                })
            }
            Job::Never {
                desc,
                token,
                probing,
            } => {
                let l = DeviceListing {
                    order_by: Some("lastSync"),
                    descending: desc,
                    ..Default::default()
                };
                let mut page = dir.mobiledevices_page(&l, token.as_deref()).await?;
                let here = page.items.first().is_some_and(|d| d.last_sync.is_none());
                let all_never = page.items.iter().all(|d| d.last_sync.is_none());
                let token = page.next_page_token.filter(|t| !t.is_empty());
                let next = if probing && !here && !desc {
                    // Not at the ascending end: try the other one.
                    vec![Job::Never {
                        desc: true,
                        token: None,
                        probing: true,
                    }]
                } else if here && all_never && token.is_some() {
                    vec![Job::Never {
                        desc,
                        token,
                        probing: false,
                    }]
                } else {
                    vec![]
                };
                // A listing without query: keep what `Q` selects (checked the way the
                // simulator and Google's documentation read it; the caller filters again).
                if let Some(q) = query.as_deref().and_then(|q| Query::parse_google(q).ok()) {
                    page.items.retain(|d| q.matches(d));
                }
                Ok(Step {
                    items: page.items,
                    next,
                    last: None,
                })
            }
        }
    })
}

struct Driver {
    dir: Directory,
    query: Option<String>,
    enabled: bool,
    pending: FuturesUnordered<BoxFuture<'static, Result<Step, Error>>>,
    last: Option<DeviceListing>,
    dedup: Dedup,
    done: bool,
}

/// Lists the devices the search index holds for `query`, partitioned by `sync:` ranges
/// (see the module docs), as a stream of de-duplicated pages. The first failed page ends
/// the stream with an [`Error::Listing`] counting what came before.
pub fn mobiledevices(
    dir: &Directory,
    query: Option<String>,
    enabled: bool,
) -> BoxStream<'static, Result<Vec<Device>, Error>> {
    let query = query.filter(|q| !q.trim().is_empty());
    let first = start(dir, query.clone(), enabled, Job::Sample);
    let st = Driver {
        dir: dir.clone(),
        query,
        enabled,
        pending: std::iter::once(first).collect(),
        last: None,
        dedup: Dedup::default(),
        done: false,
    };
    stream::unfold(st, |mut st| async move {
        if st.done {
            return None;
        }
        if st.pending.is_empty() {
            // Every range has finished: now the devices that synced since T0.
            let listing = st.last.take()?;
            let job = Job::Chain {
                listing,
                token: None,
            };
            st.pending
                .push(start(&st.dir, st.query.clone(), st.enabled, job));
        }
        let item = match st.pending.next().await? {
            Ok(step) => {
                if step.last.is_some() {
                    st.last = step.last;
                }
                for job in step.next {
                    st.pending
                        .push(start(&st.dir, st.query.clone(), st.enabled, job));
                }
                Ok(st.dedup.fresh(step.items))
            }
            Err(e) => {
                st.done = true;
                Err(st.dedup.failed(e))
            }
        };
        Some((item, st))
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::ranges;

    #[test]
    fn ranges_share_their_ends_and_reach_t0() {
        let r = ranges(vec![50, 10, 30, 20, 40, 60, 70, 80], 4, 100);
        assert_eq!(
            r,
            vec![(None, 30), (Some(30), 50), (Some(50), 70), (Some(70), 100)]
        );
        // Samples at or after T0 and repeated values do not make empty or inverted ranges.
        assert_eq!(
            ranges(vec![5, 5, 5, 5, 200], 4, 100),
            vec![(None, 5), (Some(5), 100)]
        );
        assert_eq!(ranges(vec![], 8, 100), vec![(None, 100)]);
    }
}
