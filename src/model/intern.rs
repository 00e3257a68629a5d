//! Sharing repeated device values in memory. At 100,000 devices most fields hold one of a
//! few hundred values (model, OS, user agent, OU path, …); one interner per listing or
//! cache load makes every device point at a single shared copy of each. The JSON stays the
//! same: a shared value serialises exactly like the string it holds.
use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Device;

/// A shared, immutable text value: cloning it copies a pointer. A thin pointer (8 bytes,
/// and `Option<Shared>` too) rather than `Arc<str>` (16): a device holds eleven of them, so
/// at 100,000 devices that is 8.8 MB less per copy of the inventory.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Shared(Arc<Box<str>>);

impl Shared {
    /// Whether `a` and `b` are the same allocation (not merely equal text).
    pub fn ptr_eq(a: &Shared, b: &Shared) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

impl Deref for Shared {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Shared {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Shared {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Shared {
    fn from(s: &str) -> Shared {
        Shared(Arc::new(s.into()))
    }
}

impl From<String> for Shared {
    fn from(s: String) -> Shared {
        Shared(Arc::new(s.into_boxed_str()))
    }
}

impl From<&String> for Shared {
    fn from(s: &String) -> Shared {
        s.as_str().into()
    }
}

impl PartialEq<str> for Shared {
    fn eq(&self, other: &str) -> bool {
        **self == *other
    }
}

impl PartialEq<&str> for Shared {
    fn eq(&self, other: &&str) -> bool {
        **self == **other
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl fmt::Display for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl Serialize for Shared {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self)
    }
}

impl<'de> Deserialize<'de> for Shared {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Shared::from)
    }
}

/// The distinct values seen so far; dropping it keeps the shared values alive in devices.
#[derive(Debug, Default)]
pub struct Interner {
    seen: HashSet<Shared>,
}

impl Interner {
    /// The shared copy of `v` (the first one seen becomes it).
    pub fn shared(&mut self, v: &Shared) -> Shared {
        match self.seen.get(v) {
            Some(s) => s.clone(),
            None => {
                self.seen.insert(v.clone());
                v.clone()
            }
        }
    }

    /// The shared copy of the text `s` (allocated only the first time it is seen).
    pub fn text(&mut self, s: &str) -> Shared {
        match self.seen.get(s) {
            Some(v) => v.clone(),
            None => {
                let v = Shared::from(s);
                self.seen.insert(v.clone());
                v
            }
        }
    }

    /// Replaces each repeated-value field of `d` with its shared copy.
    pub fn device(&mut self, d: &mut Device) {
        for f in [
            &mut d.model,
            &mut d.os,
            &mut d.user_agent,
            &mut d.brand,
            &mut d.manufacturer,
            &mut d.release_version,
            &mut d.encryption_status,
            &mut d.device_password_status,
            &mut d.device_compromised_status,
            &mut d.org_unit_path,
        ]
        .into_iter()
        .flatten()
        {
            *f = self.shared(f);
        }
    }

    pub fn devices<'a>(&mut self, ds: impl IntoIterator<Item = &'a mut Device>) {
        ds.into_iter().for_each(|d| self.device(d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_share_one_allocation_and_serialise_unchanged() {
        let json = r#"{"resourceId":"r","model":"Pixel 8","os":"Android 14","userAgent":"UA/1"}"#;
        let mut a: Device = serde_json::from_str(json).unwrap();
        let mut b: Device = serde_json::from_str(json).unwrap();
        assert!(!Shared::ptr_eq(
            a.model.as_ref().unwrap(),
            b.model.as_ref().unwrap()
        ));
        let mut i = Interner::default();
        i.devices([&mut a, &mut b]);
        assert!(Shared::ptr_eq(
            a.model.as_ref().unwrap(),
            b.model.as_ref().unwrap()
        ));
        assert!(Shared::ptr_eq(
            a.user_agent.as_ref().unwrap(),
            b.user_agent.as_ref().unwrap()
        ));
        assert_eq!(a, b);
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_value(&b).unwrap()["model"], v["model"]);
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
    }
}
