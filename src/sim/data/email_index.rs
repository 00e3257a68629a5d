//! The simulator's search index for `email:` clauses, as Google indexes search: users in
//! email order and, per user, the devices they own, so an `email:PREFIX*` clause finds its
//! candidates by binary search instead of a scan of every device. Only narrows the
//! candidates: handlers still apply every clause and their own paging to what it returns.
//!
//! It must be rebuilt ([`EmailIndex::build`]) whenever emails or owners change. Device
//! actions, deletes and syncs change neither, and devices are never added or removed (a
//! delete only marks one), so the tenant rebuilds it only after arbitrary test edits.

use super::tenant::{Device, User};

#[derive(Debug, Clone, Default)]
pub struct EmailIndex {
    /// User indices ordered by lower-cased email (the device search folds case).
    by_lower: Vec<u32>,
    /// User indices ordered by email as stored (the user search compares it as is).
    by_raw: Vec<u32>,
    /// Devices of user `u`: `devices[starts[u]..starts[u + 1]]`, in device (id) order.
    starts: Vec<u32>,
    devices: Vec<u32>,
    /// Every device, ordered by `orderBy=email`'s key (first owner's index, then id), so
    /// a page of that order is a binary search and a short walk, not a sort of the tenant.
    pub by_email: Vec<u32>,
    /// Some email holds whitespace: the device search also matches its words, which this
    /// index does not cover, so device lookups fall back to a scan.
    spaced: bool,
}

/// The `[lo, hi)` range of `order` whose key equals `value` or, with `prefix`, starts with it.
fn range(order: &[u32], key: impl Fn(u32) -> String, value: &str, prefix: bool) -> (usize, usize) {
    let lo = order.partition_point(|&u| key(u).as_str() < value);
    let hi = lo
        + order[lo..].partition_point(|&u| {
            let k = key(u);
            if prefix {
                k.starts_with(value)
            } else {
                k == value
            }
        });
    (lo, hi)
}

/// The `orderBy=email` key of a device: its first owner's index (users are in email
/// order; no owner sorts first), then its immutable id.
pub fn email_key(d: &Device) -> (i64, u64) {
    (d.owners.first().map_or(-1, |&u| u as i64), d.id)
}

impl EmailIndex {
    pub fn build(users: &[User], devices: &[Device]) -> EmailIndex {
        let mut by_lower: Vec<u32> = (0..users.len() as u32).collect();
        by_lower.sort_by_cached_key(|&u| users[u as usize].email.to_lowercase());
        let mut by_raw: Vec<u32> = (0..users.len() as u32).collect();
        by_raw.sort_by(|&a, &b| users[a as usize].email.cmp(&users[b as usize].email));
        let mut counts = vec![0u32; users.len() + 1];
        for d in devices {
            for &u in &d.owners {
                counts[u as usize + 1] += 1;
            }
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let starts = counts.clone();
        let mut fill = counts;
        let mut list = vec![0u32; *starts.last().unwrap_or(&0) as usize];
        for (i, d) in devices.iter().enumerate() {
            for &u in &d.owners {
                list[fill[u as usize] as usize] = i as u32;
                fill[u as usize] += 1;
            }
        }
        let mut by_email: Vec<u32> = (0..devices.len() as u32).collect();
        by_email.sort_by_key(|&i| email_key(&devices[i as usize]));
        EmailIndex {
            by_email,
            spaced: users.iter().any(|u| u.email.contains(char::is_whitespace)),
            by_lower,
            by_raw,
            starts,
            devices: list,
        }
    }

    /// Indices of the devices user `u` owns (or co-owns).
    pub fn devices_of(&self, u: u32) -> &[u32] {
        match (self.starts.get(u as usize), self.starts.get(u as usize + 1)) {
            (Some(&a), Some(&b)) => &self.devices[a as usize..b as usize],
            _ => &[],
        }
    }

    /// Indices of devices with an owner whose lower-cased email equals `value` (already
    /// lower-cased) or, with `prefix`, starts with it; ascending and without repeats.
    /// `None` when the index cannot answer (see `spaced`).
    pub fn devices(&self, users: &[User], value: &str, prefix: bool) -> Option<Vec<usize>> {
        if self.spaced {
            return None;
        }
        let key = |u: u32| users[u as usize].email.to_lowercase();
        let (lo, hi) = range(&self.by_lower, key, value, prefix);
        let mut out: Vec<usize> = self.by_lower[lo..hi]
            .iter()
            .flat_map(|&u| {
                let (a, b) = (self.starts[u as usize], self.starts[u as usize + 1]);
                self.devices[a as usize..b as usize]
                    .iter()
                    .map(|&d| d as usize)
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        Some(out)
    }

    /// Indices of users whose stored email equals `value` or, with `prefix`, starts with it;
    /// ascending.
    pub fn users(&self, users: &[User], value: &str, prefix: bool) -> Vec<usize> {
        let key = |u: u32| users[u as usize].email.clone();
        let (lo, hi) = range(&self.by_raw, key, value, prefix);
        let mut out: Vec<usize> = self.by_raw[lo..hi].iter().map(|&u| u as usize).collect();
        out.sort_unstable();
        out
    }
}
