//! The OU tree's state: nodes in pre-order with rolled-up device counts, which are
//! collapsed, and where the cursor is. Pure data; the inventory pane draws it.
use crate::tui::scroll::ScrollList;
use std::collections::{BTreeMap, HashSet};

use crate::model::{OuCounts, OuPath};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OuNode {
    pub path: String,
    pub name: String,
    pub depth: usize,
    pub counts: OuCounts,
    pub has_children: bool,
}

#[derive(Debug, Default)]
pub struct OuTree {
    pub nodes: Vec<OuNode>,
    collapsed: HashSet<String>,
    /// Indices into `nodes` that are shown (no collapsed ancestor).
    pub visible: Vec<usize>,
    /// Cursor and first visible row, over `visible`.
    pub list: ScrollList,
}

impl OuTree {
    /// Builds the tree from `Inventory::counts_by_ou()`. OUs deeper than the first level
    /// start collapsed, so a large organisation opens on a readable screen; the previous
    /// tree's collapse state and cursor are kept across refreshes.
    pub fn rebuild(&mut self, counts: &BTreeMap<String, OuCounts>) {
        let first_build = self.nodes.is_empty();
        let current = self.current_path().map(str::to_string);
        let mut paths: Vec<&String> = counts.keys().collect();
        // Sort by components so children follow their parent (plain string order would put
        // `/Sales-x` between `/Sales` and `/Sales/EMEA`).
        paths.sort_by(|a, b| a.split('/').cmp(b.split('/')));
        self.nodes = paths
            .iter()
            .enumerate()
            .map(|(i, p)| OuNode {
                path: (*p).clone(),
                name: if *p == "/" {
                    "/".into()
                } else {
                    p.rsplit('/').next().unwrap_or(p).to_string()
                },
                depth: OuPath::depth(p),
                counts: counts[*p],
                has_children: paths
                    .get(i + 1)
                    .is_some_and(|n| OuPath::is_within(n, p) && *n != *p),
            })
            .collect();
        if first_build {
            self.collapsed = self
                .nodes
                .iter()
                .filter(|n| n.depth >= 1 && n.has_children)
                .map(|n| n.path.clone())
                .collect();
        }
        self.recompute_visible();
        self.list.cursor = current.and_then(|c| self.position_of(&c)).unwrap_or(0);
    }

    fn recompute_visible(&mut self) {
        let mut hidden_below: Option<String> = None;
        self.visible.clear();
        for (i, n) in self.nodes.iter().enumerate() {
            if let Some(h) = &hidden_below {
                if OuPath::is_within(&n.path, h) && n.path != *h {
                    continue;
                }
                hidden_below = None;
            }
            self.visible.push(i);
            if self.collapsed.contains(&n.path) {
                hidden_below = Some(n.path.clone());
            }
        }
    }

    fn position_of(&self, path: &str) -> Option<usize> {
        self.visible
            .iter()
            .position(|i| self.nodes[*i].path == path)
    }

    pub fn current(&self) -> Option<&OuNode> {
        self.visible.get(self.list.cursor).map(|i| &self.nodes[*i])
    }

    pub fn current_path(&self) -> Option<&str> {
        self.current().map(|n| n.path.as_str())
    }

    pub fn is_collapsed(&self, path: &str) -> bool {
        self.collapsed.contains(path)
    }

    pub fn toggle(&mut self) {
        let Some(n) = self.current() else { return };
        if !n.has_children {
            return;
        }
        let p = n.path.clone();
        if !self.collapsed.remove(&p) {
            self.collapsed.insert(p);
        }
        self.recompute_visible();
    }

    /// Puts the cursor on `path`, expanding its ancestors (used by `:devices ou=`).
    pub fn reveal(&mut self, path: &str) {
        for anc in OuPath::ancestors_and_self(path) {
            if anc != path {
                self.collapsed.remove(&anc);
            }
        }
        self.recompute_visible();
        if let Some(p) = self.position_of(path) {
            self.list.cursor = p;
        }
    }

    pub fn move_by(&mut self, delta: isize, height: usize) {
        self.list.move_by(delta, self.visible.len(), height);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_follow_parents_and_collapse_hides_them() {
        let mut counts = BTreeMap::new();
        for p in ["/", "/Sales", "/Sales-x", "/Sales/EMEA", "/Pilot"] {
            counts.insert(p.to_string(), OuCounts::default());
        }
        let mut t = OuTree::default();
        t.rebuild(&counts);
        let order: Vec<&str> = t.nodes.iter().map(|n| n.path.as_str()).collect();
        assert_eq!(order, ["/", "/Pilot", "/Sales", "/Sales/EMEA", "/Sales-x"]);
        assert_eq!(t.visible.len(), 4, "/Sales starts collapsed");
        t.reveal("/Sales/EMEA");
        assert_eq!(t.current_path(), Some("/Sales/EMEA"));
    }
}
