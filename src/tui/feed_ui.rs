//! The Feed pane's side of the state: applying what the feed's loop reports (events, who
//! polls, each poll, the burndown), the pane's actions, and the jumps from an event to its
//! device or its OU. Like the rest of the state it only changes fields and queues tasks.
use super::action::Action;
use super::layout;
use super::panes::feed::list::list_rows;
use super::state::{Pane, State};
use crate::feed::watch::{Role, Update};
use crate::feed::PollOutcome;
use crate::model::Source;

impl State {
    pub(super) fn on_feed(&mut self, u: Update) {
        match &u {
            // Another process lists; until it does, the cache is what there is.
            Update::Role(Role::Reading { .. })
                if self.feed_lists() && self.inv.loading.progress.pages == 0 =>
            {
                self.inv.loading.active = false;
            }
            Update::Report(r) if r.source == Source::Directory => match &r.outcome {
                // The listing itself arrives as `Loaded` once it is cached.
                PollOutcome::Committed => {}
                PollOutcome::Failed(e) => {
                    self.inv.loading.active = false;
                    self.inv.loading.partial |= self.inv.loading.stream;
                    self.log_note(format!("directory poll failed: {e}"));
                    self.inv.loading.error = Some(format!("poll failed: {e}"));
                }
                PollOutcome::Deferred { spent, .. } => {
                    self.inv.loading.active = false;
                    let budget = self.feed.directory_budget;
                    self.set_status(
                        true,
                        format!("directory poll deferred: {spent} requests spent in the last hour (budget {budget}/h)"),
                    );
                }
                PollOutcome::Discarded(why) => {
                    self.inv.loading.active = false;
                    self.log_note(format!("directory poll discarded: {why}"));
                }
            },
            Update::Report(r) => {
                if let PollOutcome::Failed(e) = &r.outcome {
                    self.log_note(format!("{} poll failed: {e}", r.source));
                }
            }
            _ => {}
        }
        self.feed.on_update(u);
    }

    /// The loop cannot run: the table falls back to listing on its own (`r`).
    pub(super) fn feed_stopped(&mut self, why: String) {
        self.log_note(why.clone());
        let lists = self.feed_lists();
        self.feed.live = false;
        self.feed.status.stopped = Some(why.clone());
        self.set_status(true, why);
        if lists {
            self.inv.loading.active = false;
            self.relist();
        }
    }

    /// Applies a Feed pane action; false when `a` is not one.
    pub(super) fn feed_action(&mut self, a: Action) -> bool {
        let h = list_rows(self, layout::areas(self.size).main);
        let half = (h / 2).max(1) as isize;
        match a {
            Action::Up => self.feed.move_by(-1, h),
            Action::Down => self.feed.move_by(1, h),
            Action::HalfPageUp => self.feed.move_by(-half, h),
            Action::HalfPageDown => self.feed.move_by(half, h),
            Action::Top => self.feed.move_by(isize::MIN / 2, h),
            Action::Bottom => self.feed.move_by(isize::MAX / 2, h),
            Action::Pause => self.feed.toggle_pause(),
            Action::FilterOu => {
                if let Err(why) = self.feed.toggle_ou_filter() {
                    self.set_status(true, why.into());
                }
            }
            Action::CycleSource => self.feed.cycle_source(),
            Action::CycleSeverity => self.feed.cycle_severity(),
            Action::ClearFilters | Action::Back => self.feed.set_filter(Default::default()),
            Action::ToggleChart => self.feed.chart_only = !self.feed.chart_only,
            Action::JumpDevice => self.jump_to_device(),
            Action::JumpOu => match self.feed.current().map(|e| e.ou.clone()) {
                Some(Some(ou)) => self.jump_to_ou(&ou),
                Some(None) => self.set_status(true, "the event names no OU".into()),
                None => self.set_status(true, "no event under the cursor".into()),
            },
            _ => return false,
        }
        true
    }

    /// The event's device in the Inventory pane's detail, found by resource ID. An Android
    /// Management device is not a Directory resource: its owner's devices are shown instead.
    fn jump_to_device(&mut self) {
        let Some(e) = self.feed.current().cloned() else {
            return self.set_status(true, "no event under the cursor".into());
        };
        let size = self.size;
        if let Some(&i) = e.device.as_ref().and_then(|d| self.inv.index.get(d)) {
            self.pane = Pane::Inventory;
            // Nothing may hide it, so moving in the detail walks real neighbours.
            self.inv.show_devices(None, None, None, size);
            self.inv.set_filter_text("", size);
            let inv = &mut self.inv;
            if let Some(pos) = inv.view.rows.iter().position(|r| *r == i) {
                inv.view.list.cursor = pos;
                inv.view.scroll_into_view(layout::table_rows(size));
            }
            inv.detail = Some(i);
            return;
        }
        match (&e.device, &e.user) {
            (_, Some(user)) => {
                self.pane = Pane::Inventory;
                self.inv.show_devices(None, None, None, size);
                self.inv.set_filter_text(&format!("email:{user}"), size);
                let what = e.device.as_deref().unwrap_or("the device");
                self.set_status(
                    false,
                    format!("{what} is not in the inventory; showing every device of {user}"),
                );
            }
            (Some(d), None) => self.set_status(
                true,
                format!("device {d} is not in the inventory (deleted, or not a Directory device); r refreshes"),
            ),
            (None, None) => self.set_status(true, "the event names no device".into()),
        }
    }

    /// The OU in the Checklist pane when it can select one, else the Inventory filtered to
    /// the OU (and those below it), keeping its type and status filters.
    pub fn jump_to_ou(&mut self, ou: &str) {
        if self.checklist_select_ou(ou) {
            self.pane = Pane::Checklist;
            return;
        }
        self.pane = Pane::Inventory;
        let (t, st) = (
            self.inv.filter.device_type.clone(),
            self.inv.filter.status.clone(),
        );
        let scope = (ou != "/").then(|| ou.to_string());
        self.inv.show_devices(t, st, scope, self.size);
        self.set_status(
            false,
            format!("showing the devices of {ou} and the OUs below it"),
        );
    }

    /// Selects `ou` in the Checklist pane's steps view and says whether it could. Before
    /// the first observation the OU is selected by path (the observation that entering the
    /// pane starts finds it); an OU the latest observation does not know (deleted since the
    /// event) cannot be selected.
    pub fn checklist_select_ou(&mut self, ou: &str) -> bool {
        use super::panes::checklist::state::{Side, View};
        let c = &mut self.checklist;
        if c.board.as_ref().is_some_and(|b| b.ou(ou).is_none()) {
            return false;
        }
        c.ou = Some(ou.to_string());
        c.view = View::Steps;
        c.side = Side::Tree;
        c.detail = None;
        true
    }
}
