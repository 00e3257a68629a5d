//! The confirmed device listing: no `query` at all, so the search index and its lag play no
//! part, and no reading of the search syntax matters. Two chains run at once over
//! `orderBy=email`, one ascending and one descending, and stop where they meet, so it takes
//! about half the sequential chain's round trips.
//!
//! # Why the two chains together hold every device
//!
//! Let `k(d)` be a device's sort key: one of its addresses (which one is not documented).
//! After the ascending chain has delivered a device `x`, every device with `k < k(x)` came
//! before `x`, so it was delivered too; as `k(x) ≥ min(addresses(x))`, the ascending chain
//! has covered every `k < L` where `L` is the largest such minimum seen. Likewise the
//! descending chain has covered every `k > H`, `H` the smallest maximum seen. Once `L > H`,
//! every key is below `L` or above `H`: nothing is left between. That is checked under each
//! order Google might compare in (raw ASCII, or case-folded either way) and only stopped
//! when it holds under all three and the chains have delivered a device in common (their
//! pages overlap where they meet). Devices without an address sort at one end; each chain
//! has a bound only once it has passed such devices at its own end, so they are covered.
//! A chain that ends on its own has listed everything. Keys never change (a sync changes
//! `lastSync`, not addresses), so the page cursors stay valid while devices sync.
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, FuturesUnordered, StreamExt};

use crate::google::directory::{DeviceListing, Directory};
use crate::google::page::Page;
use crate::google::Error;
use crate::model::Device;

use super::Dedup;

type Fold = fn(char) -> char;
const FOLDS: [Fold; 3] = [
    |c| c,
    |c| c.to_ascii_lowercase(),
    |c| c.to_ascii_uppercase(),
];

fn folded(f: Fold, s: &str) -> String {
    s.chars().map(f).collect()
}

/// The bounds both chains have established, per fold.
#[derive(Default)]
struct Meet {
    /// Ascending: the largest smallest-address seen.
    low: [Option<String>; 3],
    /// Descending: the smallest largest-address seen.
    high: [Option<String>; 3],
    /// A chain has delivered a device the other one delivered before.
    touched: bool,
}

impl Meet {
    fn observe(&mut self, desc: bool, items: &[Device]) {
        for d in items {
            for (i, f) in FOLDS.iter().enumerate() {
                let keys = d.email.iter().map(|e| folded(*f, e));
                if desc {
                    if let Some(m) = keys.max() {
                        let slot = &mut self.high[i];
                        if slot.as_ref().is_none_or(|h| m < *h) {
                            *slot = Some(m);
                        }
                    }
                } else if let Some(m) = keys.min() {
                    let slot = &mut self.low[i];
                    if slot.as_ref().is_none_or(|l| m > *l) {
                        *slot = Some(m);
                    }
                }
            }
        }
    }

    fn met(&self) -> bool {
        self.touched
            && self
                .low
                .iter()
                .zip(&self.high)
                .all(|(l, h)| matches!((l, h), (Some(l), Some(h)) if l > h))
    }
}

/// One page of one chain: (descending, the page).
type PageFuture = BoxFuture<'static, (bool, Result<Page<Device>, Error>)>;

fn fetch(dir: &Directory, desc: bool, token: Option<String>) -> PageFuture {
    let dir = dir.clone();
    Box::pin(async move {
        let l = DeviceListing {
            order_by: Some("email"),
            descending: desc,
            ..Default::default()
        };
        (desc, dir.mobiledevices_page(&l, token.as_deref()).await)
    })
}

struct Driver {
    dir: Directory,
    pending: FuturesUnordered<PageFuture>,
    meet: Meet,
    dedup: Dedup,
    done: bool,
}

/// Every device, from two `orderBy=email` chains meeting in the middle (see the module
/// docs), as de-duplicated pages. The first failed page ends the stream with an
/// [`Error::Listing`] counting what came before.
pub fn mobiledevices(dir: &Directory) -> BoxStream<'static, Result<Vec<Device>, Error>> {
    let st = Driver {
        dir: dir.clone(),
        pending: [fetch(dir, false, None), fetch(dir, true, None)]
            .into_iter()
            .collect(),
        meet: Meet::default(),
        dedup: Dedup::default(),
        done: false,
    };
    stream::unfold(st, |mut st| async move {
        if st.done {
            return None;
        }
        let (desc, page) = st.pending.next().await?;
        let item = match page {
            Ok(page) => {
                st.meet.observe(desc, &page.items);
                let (fresh, touched) = st.dedup.fresh_from(desc, page.items);
                st.meet.touched |= touched;
                match page.next_page_token.filter(|t| !t.is_empty()) {
                    // One chain reached the far end: it alone listed everything.
                    None => st.done = true,
                    Some(_) if st.meet.met() => st.done = true,
                    Some(t) => st.pending.push(fetch(&st.dir, desc, Some(t))),
                }
                Ok(fresh)
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
    use super::{Dedup, Meet};
    use crate::model::Device;

    fn dev(id: &str, emails: &[&str]) -> Device {
        Device {
            resource_id: id.into(),
            email: emails.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    /// One page as the driver handles it: bounds, then the overlap the de-duplication saw.
    fn page(m: &mut Meet, seen: &mut Dedup, desc: bool, items: &[Device]) {
        m.observe(desc, items);
        m.touched |= seen.fresh_from(desc, items.to_vec()).1;
    }

    #[test]
    fn meets_only_when_the_bounds_cross_under_every_fold_and_pages_overlap() {
        let (mut m, mut s) = (Meet::default(), Dedup::default());
        page(
            &mut m,
            &mut s,
            false,
            &[dev("1", &["a@x"]), dev("2", &["m@x"])],
        );
        page(
            &mut m,
            &mut s,
            true,
            &[dev("9", &["z@x"]), dev("8", &["n@x"])],
        );
        assert!(!m.met(), "a gap between m and n");
        page(&mut m, &mut s, true, &[dev("2", &["m@x"])]);
        assert!(
            !m.met(),
            "touching but not crossed: keys equal to m may remain"
        );
        page(&mut m, &mut s, true, &[dev("1", &["a@x"])]);
        assert!(m.met());
        // A chain repeating its own device is no overlap.
        let (mut m, mut s) = (Meet::default(), Dedup::default());
        page(&mut m, &mut s, false, &[dev("1", &["z@x"])]);
        page(&mut m, &mut s, true, &[dev("2", &["a@x"])]);
        page(&mut m, &mut s, false, &[dev("1", &["z@x"])]);
        assert!(!m.met(), "crossed, but the chains share no device");
        // A device sorted by either of two addresses bounds by the safer one.
        let (mut m, mut s) = (Meet::default(), Dedup::default());
        page(&mut m, &mut s, false, &[dev("1", &["b@x", "y@x"])]);
        page(&mut m, &mut s, true, &[dev("1", &["b@x", "y@x"])]);
        assert!(!m.met());
        // Mixed case: crossed in ASCII but not case-folded.
        let (mut m, mut s) = (Meet::default(), Dedup::default());
        page(&mut m, &mut s, false, &[dev("1", &["b@x"])]);
        page(
            &mut m,
            &mut s,
            true,
            &[dev("1", &["b@x"]), dev("2", &["C@x"])],
        );
        assert!(!m.met());
    }
}
