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
    /// `id:…` of the parent; for top-level OUs the root's ID, which Directory lists nowhere else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_org_unit_id: Option<String>,
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

    /// Up to `n` of `known` paths closest to `path` (case-insensitive edit distance, then
    /// alphabetical), for "did you mean" messages. `..` and `.` are plain characters here:
    /// Google has no such OU paths and offsync never resolves them.
    pub fn closest<'a>(path: &str, known: impl Iterator<Item = &'a str>, n: usize) -> Vec<&'a str> {
        let want: Vec<char> = path.to_lowercase().chars().collect();
        let mut scored: Vec<(usize, &str)> = known
            .map(|k| {
                let have: Vec<char> = k.to_lowercase().chars().collect();
                (edit_distance(&want, &have), k)
            })
            .collect();
        scored.sort();
        scored.dedup_by(|a, b| a.1 == b.1);
        scored.into_iter().take(n).map(|(_, k)| k).collect()
    }

    /// Depth below the root: `/` = 0, `/a` = 1, `/a/b` = 2.
    pub fn depth(path: &str) -> usize {
        path.split('/').filter(|p| !p.is_empty()).count()
    }
}

/// Levenshtein distance, two rows (OU paths are short).
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::OuPath;

    #[test]
    fn closest_paths_for_did_you_mean() {
        let known = ["/", "/Staff", "/Students", "/IT", "/Staff/Teachers"];
        let c = OuPath::closest("/staff", known.iter().copied(), 2);
        assert_eq!(c[0], "/Staff");
        let c = OuPath::closest("/Staff/Teacher", known.iter().copied(), 1);
        assert_eq!(c, vec!["/Staff/Teachers"]);
    }

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
