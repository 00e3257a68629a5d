//! The joined inventory: devices with their owner's OU, and per-OU counts.
//!
//! Devices carry no OU in the Directory API, so the owner's email (`email[0]`, or any of a
//! user's aliases) is joined to that user's `orgUnitPath`. This is the one place that join
//! and the headless/TUI filters are defined, so `offsync devices` and the TUI always agree.
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::{Device, DeviceStatus, DeviceType, OrgUnit, OuPath, Query, Shared, User};

#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub devices: Vec<Device>,
    pub users: Vec<User>,
    pub org_units: Vec<OrgUnit>,
    /// When the listing finished, by the server's clock (its `Date` header), never this
    /// machine's: device times are the server's, and the two clocks may disagree.
    pub fetched_at: Option<DateTime<Utc>>,
    /// The server's clock minus this machine's, as measured during the listing.
    pub server_offset: chrono::Duration,
}

/// Device counts for an OU, including every OU below it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OuCounts {
    pub total: usize,
    pub google_sync: usize,
}

impl Inventory {
    /// Builds the inventory and joins each device to its owner's OU.
    pub fn new(devices: Vec<Device>, users: Vec<User>, org_units: Vec<OrgUnit>) -> Self {
        let mut owners = OwnerIndex::with_capacity(users.len());
        for u in &users {
            owners.add(u);
        }
        Inventory::joined(devices, users, org_units, &owners)
    }

    /// [`Inventory::new`] with the index of `users` already built (a listing builds it
    /// while pages stream, and the index is not cheap to build twice at 50k users).
    pub fn joined(
        mut devices: Vec<Device>,
        users: Vec<User>,
        org_units: Vec<OrgUnit>,
        owners: &OwnerIndex,
    ) -> Self {
        for d in &mut devices {
            owners.join(d);
        }
        Inventory {
            devices,
            users,
            org_units,
            fetched_at: None,
            server_offset: chrono::Duration::zero(),
        }
    }

    /// "Now" on the server's clock, for ages and windows over device times: this machine's
    /// `local_now` corrected by the offset measured when the data was listed.
    pub fn server_now(&self, local_now: DateTime<Utc>) -> DateTime<Utc> {
        local_now + self.server_offset
    }

    /// Counts per OU path, rolled up so every ancestor includes its descendants.
    /// Every known OU is present (with zeros), and so is any path only devices mention.
    pub fn counts_by_ou(&self) -> BTreeMap<String, OuCounts> {
        let mut out: BTreeMap<String, OuCounts> = BTreeMap::new();
        out.entry("/".to_string()).or_default();
        for ou in &self.org_units {
            out.entry(ou.org_unit_path.clone()).or_default();
        }
        for d in &self.devices {
            let Some(path) = d.org_unit_path.as_deref() else {
                let c = out.entry("/".to_string()).or_default();
                c.total += 1;
                c.google_sync += usize::from(d.is_google_sync());
                continue;
            };
            for anc in OuPath::ancestors_and_self(path) {
                let c = out.entry(anc).or_default();
                c.total += 1;
                c.google_sync += usize::from(d.is_google_sync());
            }
        }
        out
    }

    /// `None` when `ou` is an existing OU path exactly (case and all, `/` always exists);
    /// otherwise the closest existing paths, so a typo is an error, never an empty answer.
    pub fn unknown_ou(&self, ou: &str) -> Option<Vec<String>> {
        let known =
            || std::iter::once("/").chain(self.org_units.iter().map(|o| o.org_unit_path.as_str()));
        if known().any(|k| k == ou) {
            return None;
        }
        Some(
            OuPath::closest(ou, known(), 3)
                .into_iter()
                .map(str::to_string)
                .collect(),
        )
    }

    /// Devices that pass the filter, in listing order.
    pub fn filtered<'a>(&'a self, f: &'a DeviceFilter) -> impl Iterator<Item = &'a Device> + 'a {
        self.devices.iter().filter(move |d| f.matches(d))
    }
}

/// Owner email (primary or alias, case-insensitive) → the owner's OU: the one definition
/// of the device → OU join, used for a whole inventory and for pages as they stream in.
/// It owns its data (OU paths interned: a tenant has far fewer OUs than users), so users
/// can be added page by page while devices are joined.
#[derive(Debug, Default)]
pub struct OwnerIndex {
    by_email: HashMap<String, u32>,
    ous: Vec<Shared>,
    ou_ids: HashMap<String, u32>,
}

impl OwnerIndex {
    pub fn with_capacity(users: usize) -> Self {
        OwnerIndex {
            by_email: HashMap::with_capacity(users),
            ..Default::default()
        }
    }

    pub fn add(&mut self, u: &User) {
        let id = match self.ou_ids.get(&u.org_unit_path) {
            Some(id) => *id,
            None => {
                let id = self.ous.len() as u32;
                self.ous.push(u.org_unit_path.as_str().into());
                self.ou_ids.insert(u.org_unit_path.clone(), id);
                id
            }
        };
        self.by_email.insert(u.primary_email.to_lowercase(), id);
        for a in &u.aliases {
            self.by_email.insert(a.to_lowercase(), id);
        }
    }

    /// The OU of `d`'s owner (`email[0]`), if that owner is known.
    pub fn ou_of(&self, d: &Device) -> Option<&str> {
        Some(&self.ous[self.ou_id(d)? as usize])
    }

    fn ou_id(&self, d: &Device) -> Option<u32> {
        self.by_email.get(&d.owner()?.to_lowercase()).copied()
    }

    /// The OU of the user with this address (primary or alias), if known.
    pub fn ou_of_owner(&self, email: &str) -> Option<Shared> {
        let id = *self.by_email.get(&email.to_lowercase())?;
        Some(self.ous[id as usize].clone())
    }

    /// Sets `d.org_unit_path` from its owner (`None` when the owner is unknown).
    /// Devices of one OU share its path.
    pub fn join(&self, d: &mut Device) {
        d.org_unit_path = self.ou_id(d).map(|id| self.ous[id as usize].clone());
    }
}

/// The filters `offsync devices` and the TUI share.
#[derive(Debug, Clone, Default)]
pub struct DeviceFilter {
    pub device_type: Option<DeviceType>,
    pub status: Option<DeviceStatus>,
    /// OU path; with `include_children` false only devices whose owner is in exactly that OU.
    pub ou: Option<String>,
    pub include_children: bool,
    pub query: Option<Query>,
}

impl DeviceFilter {
    pub fn matches(&self, d: &Device) -> bool {
        if self
            .device_type
            .as_ref()
            .is_some_and(|t| &d.device_type != t)
        {
            return false;
        }
        if self.status.as_ref().is_some_and(|s| &d.status != s) {
            return false;
        }
        if let Some(ou) = &self.ou {
            let Some(path) = d.org_unit_path.as_deref() else {
                return false;
            };
            let inside = if self.include_children {
                OuPath::is_within(path, ou)
            } else {
                path == ou
            };
            if !inside {
                return false;
            }
        }
        self.query.as_ref().is_none_or(|q| q.matches(d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(email: &str, ou: &str) -> User {
        User {
            primary_email: email.into(),
            org_unit_path: ou.into(),
            ..Default::default()
        }
    }
    fn dev(id: &str, email: &[&str], ty: DeviceType) -> Device {
        Device {
            resource_id: id.into(),
            email: email.iter().map(|s| s.to_string()).collect(),
            device_type: ty,
            ..Default::default()
        }
    }

    #[test]
    fn joins_owner_ou_case_insensitively_and_rolls_counts_up() {
        let inv = Inventory::new(
            vec![
                dev("1", &["Ann@x.com"], DeviceType::GoogleSync),
                dev("2", &["bob@x.com"], DeviceType::Android),
                dev("3", &[], DeviceType::GoogleSync),
                dev("4", &["ghost@x.com"], DeviceType::IosSync),
            ],
            vec![
                user("ann@x.com", "/Sales/EMEA"),
                user("bob@x.com", "/Pilot"),
            ],
            vec![],
        );
        assert_eq!(inv.devices[0].org_unit_path.as_deref(), Some("/Sales/EMEA"));
        assert_eq!(inv.devices[2].org_unit_path, None);
        let c = inv.counts_by_ou();
        assert_eq!(
            c["/"],
            OuCounts {
                total: 4,
                google_sync: 2
            }
        );
        assert_eq!(
            c["/Sales"],
            OuCounts {
                total: 1,
                google_sync: 1
            }
        );
        assert_eq!(
            c["/Pilot"],
            OuCounts {
                total: 1,
                google_sync: 0
            }
        );

        let f = DeviceFilter {
            ou: Some("/Sales".into()),
            ..Default::default()
        };
        assert_eq!(inv.filtered(&f).count(), 0, "exact OU only");
        let f = DeviceFilter {
            ou: Some("/Sales".into()),
            include_children: true,
            ..Default::default()
        };
        assert_eq!(inv.filtered(&f).count(), 1);
    }
}
