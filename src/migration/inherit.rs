//! OU inheritance of Cloud Identity settings. The Policy API returns only values *explicitly*
//! set on an OU, naming the OU as `orgUnits/{id}`; this joins those IDs to Directory's OUs and
//! works out what each OU gets: its own value, a parent's, or "inherited or unknown" (nothing
//! set anywhere above it: Google's default, which the API does not reveal — never "off").
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{OrgUnit, OuPath};

/// A policy as far as inheritance cares: which OU it names and its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExplicitSetting {
    /// `policies/…`
    pub policy: String,
    pub ou: String,
    pub value: serde_json::Value,
}

/// What one OU gets for one setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum Effective {
    Explicit {
        setting: ExplicitSetting,
    },
    Inherited {
        from: String,
        setting: ExplicitSetting,
    },
    InheritedOrUnknown,
}

impl Effective {
    pub fn setting(&self) -> Option<&ExplicitSetting> {
        match self {
            Effective::Explicit { setting } | Effective::Inherited { setting, .. } => Some(setting),
            Effective::InheritedOrUnknown => None,
        }
    }

    pub fn value(&self) -> Option<&serde_json::Value> {
        self.setting().map(|s| &s.value)
    }

    /// One line: `explicit at /Pilot`, `inherited from /Staff`, `inherited_or_unknown`.
    pub fn describe(&self) -> String {
        match self {
            Effective::Explicit { setting } => format!("explicit at {}", setting.ou),
            Effective::Inherited { from, .. } => format!("inherited from {from}"),
            Effective::InheritedOrUnknown => "inherited_or_unknown".into(),
        }
    }
}

/// The OU tree by path with Directory IDs, for joining `orgUnits/{id}`.
#[derive(Debug, Clone, Default)]
pub struct OuTree {
    by_id: BTreeMap<String, String>,
    paths: Vec<String>,
}

/// A policy whose `orgUnits/{id}` matched no Directory OU: reported, never dropped silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unjoined {
    pub policy: String,
    pub org_unit: String,
}

impl OuTree {
    pub fn new(ous: &[OrgUnit]) -> OuTree {
        let mut by_id = BTreeMap::new();
        let mut paths = vec!["/".to_string()];
        for o in ous {
            let id = o.org_unit_id.strip_prefix("id:").unwrap_or(&o.org_unit_id);
            by_id.insert(id.to_string(), o.org_unit_path.clone());
            paths.push(o.org_unit_path.clone());
        }
        paths.sort();
        paths.dedup();
        OuTree { by_id, paths }
    }

    /// Adds the root's ID (Directory lists children only; the root's ID comes from its parent
    /// pointers or `orgunits.get('/')`).
    pub fn with_root_id(mut self, id: &str) -> OuTree {
        let id = id.strip_prefix("id:").unwrap_or(id);
        self.by_id.insert(id.to_string(), "/".into());
        self
    }

    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    /// The Directory ID of `path` (without `id:`).
    pub fn id_of(&self, path: &str) -> Option<&str> {
        self.by_id
            .iter()
            .find(|(_, p)| p.as_str() == path)
            .map(|(id, _)| id.as_str())
    }

    /// `orgUnits/{id}` (or a bare id) → path.
    pub fn path_of(&self, org_unit: &str) -> Option<&str> {
        let id = org_unit.strip_prefix("orgUnits/").unwrap_or(org_unit);
        let id = id.strip_prefix("id:").unwrap_or(id);
        self.by_id.get(id).map(String::as_str)
    }

    /// Joins policies `(name, orgUnits/{id}, value)` to OU paths.
    pub fn join<'a>(
        &self,
        policies: impl IntoIterator<Item = (&'a str, &'a str, &'a serde_json::Value)>,
    ) -> (Settings, Vec<Unjoined>) {
        let mut set = BTreeMap::new();
        let mut unjoined = Vec::new();
        for (name, org_unit, value) in policies {
            match self.path_of(org_unit) {
                Some(path) => {
                    set.insert(
                        path.to_string(),
                        ExplicitSetting {
                            policy: name.to_string(),
                            ou: path.to_string(),
                            value: value.clone(),
                        },
                    );
                }
                None => unjoined.push(Unjoined {
                    policy: name.to_string(),
                    org_unit: org_unit.to_string(),
                }),
            }
        }
        (Settings(set), unjoined)
    }
}

/// Explicit values of one setting type, by OU path.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings(pub BTreeMap<String, ExplicitSetting>);

impl Settings {
    /// What `ou` gets: its own value, the nearest ancestor's, or unknown.
    pub fn effective(&self, ou: &str) -> Effective {
        let chain = OuPath::ancestors_and_self(ou);
        for p in chain.iter().rev() {
            if let Some(s) = self.0.get(p) {
                return if p == ou {
                    Effective::Explicit { setting: s.clone() }
                } else {
                    Effective::Inherited {
                        from: p.clone(),
                        setting: s.clone(),
                    }
                };
            }
        }
        Effective::InheritedOrUnknown
    }

    /// The OUs a change at `ou` reaches: `ou` and every descendant whose value does not come
    /// from its own explicit setting or one between it and `ou` (those override the change).
    pub fn reach(&self, ou: &str, all_paths: &[String]) -> Vec<String> {
        let mut out: Vec<String> = all_paths
            .iter()
            .filter(|p| OuPath::is_within(p, ou))
            .filter(|p| {
                p.as_str() == ou
                    || !OuPath::ancestors_and_self(p)
                        .iter()
                        .filter(|a| OuPath::is_within(a, ou) && a.as_str() != ou)
                        .any(|a| self.0.contains_key(a))
            })
            .cloned()
            .collect();
        if !out.iter().any(|p| p == ou) {
            out.insert(0, ou.to_string());
        }
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ou(path: &str, id: &str) -> OrgUnit {
        OrgUnit {
            org_unit_path: path.into(),
            org_unit_id: format!("id:{id}"),
            ..OrgUnit::default()
        }
    }

    fn tree() -> OuTree {
        OuTree::new(&[
            ou("/Staff", "s"),
            ou("/Staff/Teachers", "t"),
            ou("/Staff/Admin", "a"),
            ou("/Staff/Admin/Finance", "f"),
            ou("/Pilot", "p"),
        ])
        .with_root_id("r")
    }

    #[test]
    fn join_resolves_ids_and_reports_strangers() {
        let t = tree();
        let (on, off) = (
            json!({"enableImapAccess": true}),
            json!({"enableImapAccess": false}),
        );
        let (s, unjoined) = t.join([
            ("policies/1", "orgUnits/r", &off),
            ("policies/2", "orgUnits/s", &on),
            ("policies/3", "orgUnits/zzz", &on),
        ]);
        assert_eq!(unjoined.len(), 1);
        assert_eq!(unjoined[0].org_unit, "orgUnits/zzz");
        assert!(matches!(s.effective("/Staff"), Effective::Explicit { .. }));
        match s.effective("/Staff/Admin/Finance") {
            Effective::Inherited { from, setting } => {
                assert_eq!(from, "/Staff");
                assert_eq!(setting.value, on);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.effective("/Pilot").value(), Some(&off));
        let (none, _) = t.join([("policies/2", "orgUnits/s", &on)]);
        assert_eq!(none.effective("/Pilot"), Effective::InheritedOrUnknown);
    }

    #[test]
    fn reach_stops_at_overrides() {
        let t = tree();
        let v = json!({"enableImapAccess": false});
        let (s, _) = t.join([("policies/9", "orgUnits/a", &v)]);
        assert_eq!(
            s.reach("/Staff", t.paths()),
            vec!["/Staff", "/Staff/Teachers"]
        );
        assert_eq!(
            s.reach("/Staff/Admin", t.paths()),
            vec!["/Staff/Admin", "/Staff/Admin/Finance"]
        );
    }
}
