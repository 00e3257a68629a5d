//! Organisational units and the path arithmetic the OU tree needs. An OU path is
//! `/`-separated and case-insensitive in Google's console, but the API returns it with
//! the case the admin chose; offsync compares paths exactly and normalises only slashes.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct OrgUnit {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub org_unit_path: String,
    #[serde(default)]
    pub org_unit_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_org_unit_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Helpers over OU path strings.
pub struct OuPath;

impl OuPath {
    /// `"Sales/EMEA/"` → `"/Sales/EMEA"`; `""` → `"/"`.
    pub fn normalize(path: &str) -> String {
        let trimmed = path.trim().trim_matches('/');
        if trimmed.is_empty() {
            "/".to_string()
        } else {
            format!("/{trimmed}")
        }
    }

    /// True when `path` is `ou` itself or lies below it.
    pub fn is_within(path: &str, ou: &str) -> bool {
        if ou == "/" {
            return true;
        }
        path == ou || (path.starts_with(ou) && path.as_bytes().get(ou.len()) == Some(&b'/'))
    }

    /// `/a/b/c` → `["/", "/a", "/a/b", "/a/b/c"]`.
    pub fn ancestors_and_self(path: &str) -> Vec<String> {
        let mut out = vec!["/".to_string()];
        let mut acc = String::new();
        for part in path.split('/').filter(|p| !p.is_empty()) {
            acc.push('/');
            acc.push_str(part);
            out.push(acc.clone());
        }
        out
    }

    /// `/a/b` → `Some("/a")`, `/a` → `Some("/")`, `/` → `None`.
    pub fn parent(path: &str) -> Option<String> {
        if path == "/" {
            return None;
        }
        match path.rfind('/') {
            Some(0) => Some("/".to_string()),
            Some(i) => Some(path[..i].to_string()),
            None => None,
        }
    }

    /// Depth below the root: `/` = 0, `/a` = 1, `/a/b` = 2.
    pub fn depth(path: &str) -> usize {
        path.split('/').filter(|p| !p.is_empty()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::OuPath;

    #[test]
    fn within_does_not_match_sibling_prefixes() {
        assert!(OuPath::is_within("/Sales/EMEA", "/Sales"));
        assert!(OuPath::is_within("/Sales", "/Sales"));
        assert!(!OuPath::is_within("/SalesOps", "/Sales"));
        assert!(OuPath::is_within("/anything", "/"));
    }

    #[test]
    fn path_helpers() {
        assert_eq!(OuPath::normalize("Sales/EMEA/"), "/Sales/EMEA");
        assert_eq!(OuPath::normalize(""), "/");
        assert_eq!(OuPath::parent("/a/b").as_deref(), Some("/a"));
        assert_eq!(OuPath::parent("/a").as_deref(), Some("/"));
        assert_eq!(OuPath::parent("/"), None);
        assert_eq!(OuPath::ancestors_and_self("/a/b"), vec!["/", "/a", "/a/b"]);
    }
}
