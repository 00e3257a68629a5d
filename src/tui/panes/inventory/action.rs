//! The Inventory pane's keys and clicks: moving through the tree and the table, the
//! detail, sorting, the type toggle, selection, and `:devices`. Device actions (block,
//! approve, …) are planned here on the pane's targets; the shell asks to confirm.
use chrono::{DateTime, Utc};
use ratatui::layout::{Position, Rect};

use super::state::{Focus, InventoryPane, TYPE_CYCLE};
use super::view::COLUMNS;
use crate::change::{Plan, Planner};
use crate::model::{DeviceAction, DeviceStatus, DeviceType};
use crate::tui::action::Action;
use crate::tui::layout;

impl InventoryPane {
    /// Applies one of the pane's own actions; false if `a` is not one.
    pub fn on_action(&mut self, a: Action, size: Rect) -> bool {
        match a {
            Action::FocusLeft => self.focus = Focus::Tree,
            Action::FocusRight => self.focus = Focus::Table,
            Action::Open => self.detail = self.view.current(),
            Action::ToggleCollapse => self.tree.toggle(),
            Action::CycleType => {
                let i = TYPE_CYCLE
                    .iter()
                    .position(|t| *t == self.filter.device_type)
                    .map_or(0, |i| i + 1);
                self.filter.device_type = TYPE_CYCLE[i % TYPE_CYCLE.len()].clone();
                self.refilter(size);
            }
            Action::CycleSort => {
                self.view.sort = match self.view.sort {
                    None => Some(COLUMNS[0]),
                    Some(c) => COLUMNS
                        .iter()
                        .position(|x| *x == c)
                        .and_then(|i| COLUMNS.get(i + 1))
                        .copied(),
                };
                self.refilter(size);
            }
            Action::ReverseSort => {
                self.view.reverse = !self.view.reverse;
                self.refilter(size);
            }
            Action::ToggleSelect => {
                if let Some(c) = self.view.current() {
                    if !self.view.selected.remove(&c) {
                        self.view.selected.insert(c);
                    }
                    self.move_by(1, size);
                }
            }
            Action::SelectAll => self.view.selected.extend(self.view.rows.iter().copied()),
            Action::ClearSelection => self.view.selected.clear(),
            Action::Back => self.back(size),
            _ => return false,
        }
        true
    }

    /// Esc: closes the detail, else clears the filter, else the selection.
    fn back(&mut self, size: Rect) {
        if self.detail.is_some() {
            self.detail = None;
        } else if !self.filter_text.is_empty() {
            self.set_filter_text("", size);
        } else if !self.view.selected.is_empty() {
            self.view.selected.clear();
        }
    }

    /// Moves the cursor of whatever has the focus; in the tree, the table follows the OU.
    pub fn move_by(&mut self, delta: isize, size: Rect) {
        if self.detail.is_some() {
            self.view.move_by(delta.signum(), layout::table_rows(size));
            self.detail = self.view.current();
        } else if self.focus == Focus::Tree {
            self.tree.move_by(delta, layout::tree_rows(size));
            let path = self.tree.current_path().map(str::to_string);
            self.filter.ou = path.filter(|p| p != "/");
            self.filter.include_children = true;
            self.refilter(size);
        } else {
            self.view.move_by(delta, layout::table_rows(size));
        }
    }

    /// A left click: on a table row moves the cursor there, on a tree row scopes to it.
    pub fn click(&mut self, pos: Position, size: Rect) {
        if self.detail.is_some() {
            return;
        }
        let a = layout::areas(size);
        if a.table.contains(pos) && pos.y >= a.table.y + 2 {
            let row = self.view.list.offset + (pos.y - a.table.y - 2) as usize;
            if row < self.view.rows.len() {
                self.focus = Focus::Table;
                self.view.list.cursor = row;
            }
        } else if a.tree.contains(pos) && pos.y > a.tree.y {
            let row = self.tree.list.offset + (pos.y - a.tree.y - 1) as usize;
            if row < self.tree.visible.len() {
                self.focus = Focus::Tree;
                let delta = row as isize - self.tree.list.cursor as isize;
                self.move_by(delta, size);
            }
        }
    }

    /// `:devices type=… ou=… status=…`: sets exactly these filters and shows the table.
    pub fn show_devices(
        &mut self,
        device_type: Option<DeviceType>,
        status: Option<DeviceStatus>,
        ou: Option<String>,
        size: Rect,
    ) {
        self.filter.device_type = device_type;
        self.filter.status = status;
        self.filter.include_children = true;
        match &ou {
            Some(p) => self.tree.reveal(p),
            None => self.tree.reveal("/"),
        }
        self.filter.ou = ou;
        self.detail = None;
        self.refilter(size);
    }

    /// The devices a device action applies to: the open detail, else the selection or
    /// the cursor.
    pub fn targets(&self) -> Vec<u32> {
        match self.detail {
            Some(d) => vec![d],
            None => self.view.targets(),
        }
    }

    /// Plans `action` on [`targets`](Self::targets), from the devices as they are now;
    /// `None` when no device is under the cursor or selected.
    pub fn plan(
        &self,
        planner: &Planner,
        action: DeviceAction,
        now: DateTime<Utc>,
    ) -> Option<Plan> {
        let targets = self.targets();
        if targets.is_empty() {
            return None;
        }
        let devices = targets
            .iter()
            .filter_map(|i| self.inventory.devices.get(*i as usize));
        Some(planner.devices(action, devices, now))
    }

    /// Plans `action` on the devices with these resource IDs that are still listed.
    pub fn plan_ids<'a>(
        &self,
        planner: &Planner,
        action: DeviceAction,
        resource_ids: impl IntoIterator<Item = &'a str>,
        now: DateTime<Utc>,
    ) -> Plan {
        let devices = resource_ids
            .into_iter()
            .filter_map(|id| self.index.get(id))
            .filter_map(|i| self.inventory.devices.get(*i as usize));
        planner.devices(action, devices, now)
    }
}
