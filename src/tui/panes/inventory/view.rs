//! The device table's state, apart from any drawing: which devices pass the filters (an
//! index vector), in which order, where the cursor is and what is selected.
//!
//! Built for 100,000 devices: each device gets a lower-cased search string once, the first
//! time a filter has free words (at 100k devices they are ~15 MB a table never filtered by
//! text does not need), and each column's ascending order is computed once per inventory,
//! so a keystroke re-filters by walking a precomputed order (no sort, no allocation per
//! device) and a sort change costs one pass. Rendering reads `rows[offset..offset + height]`
//! only.
use std::collections::HashSet;

use crate::model::query::text_haystack;
use crate::model::{Clause, Device, DeviceFilter, Query};
use crate::tui::scroll::ScrollList;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Owner,
    Model,
    Os,
    Type,
    Status,
    LastSync,
    Ou,
}

pub const COLUMNS: [Column; 7] = [
    Column::Owner,
    Column::Model,
    Column::Os,
    Column::Type,
    Column::Status,
    Column::LastSync,
    Column::Ou,
];

impl Column {
    pub fn title(self) -> &'static str {
        match self {
            Column::Owner => "Owner",
            Column::Model => "Model",
            Column::Os => "OS",
            Column::Type => "Type",
            Column::Status => "Status",
            Column::LastSync => "Last sync",
            Column::Ou => "OU",
        }
    }
}

/// `None` sort = the listing order, which is also what `offsync devices` prints.
#[derive(Debug, Default)]
pub struct DeviceView {
    search: Vec<Box<str>>,
    orders: [Option<Vec<u32>>; 7],
    pub sort: Option<Column>,
    pub reverse: bool,
    pub rows: Vec<u32>,
    /// Cursor and first visible row, over `rows`.
    pub list: ScrollList,
    pub selected: HashSet<u32>,
    /// Devices deleted since the listing: never shown, never targeted.
    hidden: HashSet<u32>,
}

impl DeviceView {
    /// A view of a new device list; search strings and sort orders follow lazily.
    pub fn new(_devices: &[Device]) -> DeviceView {
        DeviceView::default()
    }

    /// Adds devices appended to the list (indices of the others unchanged); sort orders
    /// are recomputed on next use.
    pub fn extend(&mut self, added: &[Device]) {
        if !self.search.is_empty() {
            self.search.extend(added.iter().map(haystack));
        }
        self.orders = Default::default();
    }

    /// A device replaced in place (same index): its search string follows; sort orders
    /// are recomputed on next use.
    pub fn replace(&mut self, i: u32, d: &Device) {
        if let Some(s) = self.search.get_mut(i as usize) {
            *s = haystack(d);
        }
        self.orders = Default::default();
    }

    /// Recomputes `rows` for the filter; keeps the cursor on the same device when it survives.
    pub fn refilter(&mut self, devices: &[Device], filter: &DeviceFilter) {
        let current = self.current();
        if let Some(col) = self.sort {
            self.ensure_order(devices, col);
        }
        let (texts, rest) = split_query(filter.query.as_ref());
        if !texts.is_empty() && self.search.len() != devices.len() {
            self.search = devices.iter().map(haystack).collect();
        }
        let base = DeviceFilter {
            query: None,
            ..filter.clone()
        };
        let search = &self.search;
        let hidden = &self.hidden;
        let keep = |i: u32| {
            let d = &devices[i as usize];
            (hidden.is_empty() || !hidden.contains(&i))
                && base.matches(d)
                && rest.as_ref().is_none_or(|q| q.matches(d))
                && texts
                    .iter()
                    .all(|t| search[i as usize].contains(t.as_str()))
        };
        let n = devices.len() as u32;
        self.rows.clear();
        match self.sort {
            None if self.reverse => self.rows.extend((0..n).rev().filter(|i| keep(*i))),
            None => self.rows.extend((0..n).filter(|i| keep(*i))),
            Some(col) => {
                let order = self.orders[slot_of(col)].as_deref().unwrap_or_default();
                if self.reverse {
                    self.rows
                        .extend(order.iter().rev().copied().filter(|i| keep(*i)));
                } else {
                    self.rows.extend(order.iter().copied().filter(|i| keep(*i)));
                }
            }
        }
        self.list.cursor = current
            .and_then(|c| self.rows.iter().position(|r| *r == c))
            .unwrap_or(0)
            .min(self.rows.len().saturating_sub(1));
    }

    fn ensure_order(&mut self, devices: &[Device], col: Column) {
        self.orders[slot_of(col)].get_or_insert_with(|| sorted_order(devices, col));
    }

    /// Drops `col`'s cached order after a value in it changed (e.g. a status).
    pub fn forget_order(&mut self, col: Column) {
        self.orders[slot_of(col)] = None;
    }

    /// Hides a deleted device until the next listing; false when it already was.
    pub fn hide(&mut self, i: u32) -> bool {
        self.hidden.insert(i)
    }

    /// The device index under the cursor.
    pub fn current(&self) -> Option<u32> {
        self.rows.get(self.list.cursor).copied()
    }

    /// Moves the cursor by `delta` rows and scrolls so it stays within `height` rows.
    pub fn move_by(&mut self, delta: isize, height: usize) {
        self.list.move_by(delta, self.rows.len(), height);
    }

    pub fn scroll_into_view(&mut self, height: usize) {
        self.list.scroll_into_view(self.rows.len(), height);
    }

    /// The devices an action applies to: the selection, or the cursor row when none.
    pub fn targets(&self) -> Vec<u32> {
        if self.selected.is_empty() {
            return self.current().into_iter().collect();
        }
        let mut v: Vec<u32> = self
            .rows
            .iter()
            .copied()
            .filter(|r| self.selected.contains(r))
            .collect();
        // Selected devices hidden by a later filter still count: say so by including them.
        let shown: HashSet<u32> = v.iter().copied().collect();
        let mut hidden: Vec<u32> = self
            .selected
            .iter()
            .copied()
            .filter(|s| !shown.contains(s) && !self.hidden.contains(s))
            .collect();
        hidden.sort_unstable();
        v.extend(hidden);
        v
    }
}

impl DeviceView {
    /// Resource IDs of the selection, to carry it across a reload.
    pub fn selected_ids(&self, devices: &[Device]) -> Vec<String> {
        self.selected
            .iter()
            .filter_map(|i| devices.get(*i as usize))
            .map(|d| d.resource_id.clone())
            .collect()
    }
}

fn slot_of(col: Column) -> usize {
    COLUMNS.iter().position(|c| *c == col).unwrap_or(0)
}

/// Splits a local query into its free words (matched against the precomputed haystack)
/// and the `field:value` rest (evaluated by `Query::matches`, as `offsync devices` does).
fn split_query(q: Option<&Query>) -> (Vec<String>, Option<Query>) {
    let Some(q) = q else {
        return (Vec::new(), None);
    };
    let mut texts = Vec::new();
    let mut rest = Vec::new();
    for c in &q.clauses {
        match c {
            Clause::Text(t) => texts.push(t.to_lowercase()),
            other => rest.push(other.clone()),
        }
    }
    (texts, (!rest.is_empty()).then_some(Query { clauses: rest }))
}

fn haystack(d: &Device) -> Box<str> {
    text_haystack(d).into_boxed_str()
}

/// All device indices in ascending `col` order (ties by resource ID, so the order is
/// stable across reloads). Keys are computed once per device, not once per comparison.
fn sorted_order(devices: &[Device], col: Column) -> Vec<u32> {
    let mut idx: Vec<u32> = (0..devices.len() as u32).collect();
    let tie = |a: &u32, b: &u32| {
        devices[*a as usize]
            .resource_id
            .cmp(&devices[*b as usize].resource_id)
    };
    if col == Column::LastSync {
        // Never-synced devices sort as oldest.
        idx.sort_by(|a, b| {
            devices[*a as usize]
                .last_sync
                .cmp(&devices[*b as usize].last_sync)
                .then_with(|| tie(a, b))
        });
        return idx;
    }
    let keys: Vec<String> = devices
        .iter()
        .map(|d| match col {
            Column::Owner => d.owner().unwrap_or("").to_lowercase(),
            Column::Model => d.display_model().to_lowercase(),
            Column::Os => d.os.as_deref().unwrap_or_default().to_lowercase(),
            Column::Type => d.device_type.as_str().to_string(),
            Column::Status => d.status.as_str().to_string(),
            Column::Ou => d.org_unit_path.as_deref().unwrap_or_default().to_string(),
            Column::LastSync => String::new(),
        })
        .collect();
    idx.sort_by(|a, b| {
        keys[*a as usize]
            .cmp(&keys[*b as usize])
            .then_with(|| tie(a, b))
    });
    idx
}
