//! Sharing repeated device values in memory. At 100,000 devices most fields hold one of a
//! few hundred values (model, OS, user agent, OU path, …); one interner per listing or
//! cache load makes every device point at a single shared copy of each. The JSON stays the
//! same: a shared value serialises exactly like the string it holds.
use std::collections::HashSet;
use std::sync::Arc;

use super::Device;

/// A shared, immutable text value (`Arc<str>`): cloning it copies a pointer.
pub type Shared = Arc<str>;

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
        assert!(!Arc::ptr_eq(
            a.model.as_ref().unwrap(),
            b.model.as_ref().unwrap()
        ));
        let mut i = Interner::default();
        i.devices([&mut a, &mut b]);
        assert!(Arc::ptr_eq(
            a.model.as_ref().unwrap(),
            b.model.as_ref().unwrap()
        ));
        assert!(Arc::ptr_eq(
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
