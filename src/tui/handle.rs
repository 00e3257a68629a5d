//! Input handling in the shell: terminal events become [`Action`]s through the keymap;
//! the shell applies the global ones (quit, panes, `:`, `/`, refresh), the overlays' (help,
//! the confirmation of a planned change) and the text inputs', and routes the rest to the
//! pane on screen (`pane_action`, `move_by`; see `panes/mod.rs`). Text inputs (the `/`
//! filter, the `:` line and the typed count of a confirmation) take printable keys before
//! the keymap does.
use std::sync::Arc;

use crossterm::event::{Event, KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::action::Action;
use super::command::{self, Command};
use super::input::{Edit, LineInput};
use super::keymap::Key;
use super::layout;
use super::state::{Confirm, Exit, InputMode, Overlay, Pane, State, PANES};
use super::tasks::Task;
use crate::change::{ChangeKind, Plan, Planner};
use crate::model::DeviceAction;

impl State {
    pub fn on_input(&mut self, ev: Event) {
        match ev {
            Event::Key(k) if k.kind != KeyEventKind::Release => self.on_key(k),
            Event::Resize(w, h) => self.resize(Rect::new(0, 0, w, h)),
            Event::Mouse(m) if self.mouse => self.on_mouse(m),
            _ => {}
        }
    }

    pub fn resize(&mut self, size: Rect) {
        self.size = size;
        self.inv.view.scroll_into_view(layout::table_rows(size));
        self.mark_dirty();
    }

    fn on_key(&mut self, k: KeyEvent) {
        self.mark_dirty();
        self.status = None;
        match &mut self.input {
            InputMode::Filter(..) => return self.filter_key(k),
            InputMode::Command(input) => {
                let edit = input.handle(&k);
                return self.command_edit(edit);
            }
            InputMode::None => {}
        }
        // The Android pane's form and typed confirmation take text before the keymap.
        if self.pane == Pane::Android && self.overlay == Overlay::None && self.android_text_key(&k)
        {
            return;
        }
        if let Overlay::ConfirmStep(c) = &mut self.overlay {
            if c.take_key(&k) {
                return;
            }
        }
        if let Overlay::Confirm(Confirm { typed: Some(t), .. }) = &mut self.overlay {
            match k.code {
                crossterm::event::KeyCode::Char(c) if c.is_ascii_digit() => return t.push(c),
                crossterm::event::KeyCode::Backspace => {
                    t.pop();
                    return;
                }
                _ => {}
            }
        }
        if let Some(a) = self.keymap.lookup(&self.contexts(), Key::from_event(&k)) {
            self.apply(a);
        }
    }

    fn filter_key(&mut self, k: KeyEvent) {
        let InputMode::Filter(input, before) = &mut self.input else {
            return;
        };
        match input.handle(&k) {
            Edit::Changed => {
                let text = input.text.clone();
                self.set_filter_text(&text);
            }
            Edit::Submit => self.input = InputMode::None,
            Edit::Cancel => {
                let before = before.clone();
                self.input = InputMode::None;
                self.set_filter_text(&before);
            }
            Edit::Moved | Edit::Complete | Edit::Ignored => {}
        }
    }

    /// Applies a `/` filter text to the inventory.
    pub fn set_filter_text(&mut self, text: &str) {
        self.inv.set_filter_text(text, self.size);
        self.mark_dirty();
    }

    fn command_edit(&mut self, edit: Edit) {
        let InputMode::Command(input) = &mut self.input else {
            return;
        };
        match edit {
            Edit::Submit => {
                let line = input.text.clone();
                self.input = InputMode::None;
                self.run_command(&line);
            }
            Edit::Cancel => self.input = InputMode::None,
            Edit::Complete => {
                let ous: Vec<String> = self.inv.tree.nodes.iter().map(|n| n.path.clone()).collect();
                let (line, candidates) = command::complete(&input.text, &ous, &self.profile.others);
                input.set(line);
                if !candidates.is_empty() {
                    let shown: Vec<String> = candidates.into_iter().take(12).collect();
                    self.set_status(false, shown.join("  "));
                }
            }
            Edit::Changed | Edit::Moved | Edit::Ignored => {}
        }
    }

    pub fn run_command(&mut self, line: &str) {
        match command::parse(line) {
            Err(e) => self.set_status(true, e),
            Ok(Command::Quit) => self.exit = Some(Exit::Quit),
            Ok(Command::Refresh) if self.pane == Pane::Checklist => self.checklist_observe(),
            Ok(Command::Refresh) => self.refresh(),
            Ok(Command::Help) => self.overlay = Overlay::Help { scroll: 0 },
            Ok(Command::Devices {
                device_type,
                status,
                ou,
            }) => {
                self.pane = Pane::Inventory;
                self.inv.show_devices(device_type, status, ou, self.size);
                self.mark_dirty();
            }
            Ok(Command::Export { format, path })
                if self.pane == Pane::Checklist
                    && self.checklist.view == super::panes::checklist::state::View::Users =>
            {
                self.export_users(format, path)
            }
            Ok(Command::Export { format, path }) => {
                let task = self.export_task(format, path);
                self.push_task(task);
            }
            Ok(Command::Resume(id)) => {
                if self.profile.readonly {
                    return self.set_status(true, "read-only: cannot resume a batch".into());
                }
                self.push_task(Task::Resume(id));
                self.set_status(false, format!("resuming batch {id}…"));
            }
            Ok(Command::Abandon(id)) => self.push_task(Task::Abandon(id)),
            Ok(Command::Profile(name)) => {
                if self.profile.others.contains(&name) {
                    self.exit = Some(Exit::SwitchProfile(name));
                } else {
                    let known = self.profile.others.join(", ");
                    self.set_status(
                        true,
                        format!("no profile `{name}` in the config; profiles: {known}"),
                    );
                }
            }
        }
    }

    /// Applies one action in the current context.
    pub fn apply(&mut self, a: Action) {
        let before = self.pane;
        self.act(a);
        // Entering the Checklist pane reads the migration again unless it was just read.
        if self.pane == Pane::Checklist && before != Pane::Checklist {
            self.checklist_enter();
        }
    }

    fn act(&mut self, a: Action) {
        self.mark_dirty();
        if self.pane == Pane::Feed && self.overlay == Overlay::None && self.feed_action(a) {
            return;
        }
        let table_h = layout::table_rows(self.size);
        let half = (table_h / 2).max(1) as isize;
        // The Android pane has its own dialogs (edit form, dry run), so it sees Enter, Esc
        // and the cursor keys first; it declines the global actions (quit, panes, help).
        if self.pane == Pane::Android && self.overlay == Overlay::None && self.android_action(a) {
            return;
        }
        match a {
            Action::Quit => self.exit = Some(Exit::Quit),
            Action::Help => self.overlay = Overlay::Help { scroll: 0 },
            Action::Refresh if self.pane == Pane::Checklist => self.checklist_observe(),
            Action::Refresh => self.refresh(),
            Action::Command => self.input = InputMode::Command(LineInput::default()),
            Action::Filter => {
                self.pane = Pane::Inventory;
                self.input = InputMode::Filter(
                    LineInput::with_text(&self.inv.filter_text),
                    self.inv.filter_text.clone(),
                );
            }
            Action::NextPane | Action::PrevPane => {
                let i = PANES.iter().position(|p| *p == self.pane).unwrap_or(0);
                let step = if a == Action::NextPane {
                    1
                } else {
                    PANES.len() - 1
                };
                self.pane = PANES[(i + step) % PANES.len()];
            }
            Action::PaneInventory => self.pane = Pane::Inventory,
            Action::PaneChecklist => self.pane = Pane::Checklist,
            Action::PaneFeed => self.pane = Pane::Feed,
            Action::PaneLog => self.pane = Pane::Log,
            Action::PaneAndroid => self.pane = Pane::Android,
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::HalfPageUp => self.move_by(-half),
            Action::HalfPageDown => self.move_by(half),
            Action::Top => self.move_by(isize::MIN / 2),
            Action::Bottom => self.move_by(isize::MAX / 2),
            Action::Block | Action::Approve | Action::AccountWipe | Action::Delete => {
                if let Some(action) = a.device_action() {
                    self.request_action(action);
                }
            }
            Action::Confirm if matches!(self.overlay, Overlay::ConfirmStep(_)) => {
                self.confirm_step()
            }
            Action::Confirm => self.confirm(),
            Action::CycleKind => self.cycle_kind(),
            Action::OfferBlock => self.offer_block(),
            Action::Back => self.back(),
            pane_action => self.pane_action(pane_action),
        }
        if self.pane == Pane::Android {
            self.android_shown();
        }
    }

    /// An action the shell does not know goes to the pane on screen.
    fn pane_action(&mut self, a: Action) {
        match self.pane {
            Pane::Inventory => {
                self.inv.on_action(a, self.size);
            }
            Pane::Checklist => {
                self.checklist_action(a);
            }
            Pane::Feed => {
                self.feed_action(a);
            }
            // The Android pane took its actions before the shell's (it has its own dialogs).
            Pane::Log | Pane::Android => {}
        }
    }

    fn back(&mut self) {
        if self.overlay != Overlay::None {
            self.overlay = Overlay::None;
        } else {
            self.pane_action(Action::Back);
        }
    }

    fn move_by(&mut self, delta: isize) {
        if let Overlay::Help { scroll } = self.overlay {
            let max = super::panes::help::max_scroll(self, self.size);
            let to = (scroll as isize + delta).clamp(0, max as isize) as usize;
            self.overlay = Overlay::Help { scroll: to };
            return;
        }
        match self.pane {
            Pane::Log => self.log.move_by(delta, layout::main_rows(self.size)),
            Pane::Inventory => self.inv.move_by(delta, self.size),
            Pane::Android => self.android.wheel(delta),
            Pane::Checklist => self.checklist_move(delta),
            Pane::Feed => {
                let h = super::panes::feed::list::list_rows(self, layout::areas(self.size).main);
                self.feed.move_by(delta, h);
            }
        }
    }

    fn planner(&self) -> Planner {
        Planner {
            profile: self.profile.name.clone(),
            customer_id: self.profile.customer_id.clone(),
            actor: self.profile.actor.clone(),
        }
    }

    /// Plans the change once, from the devices as they are now; the dialog, the journal
    /// and the engine all use this one value.
    fn request_action(&mut self, action: DeviceAction) {
        if self.profile.readonly {
            let why = "read-only: device actions are disabled (profile has readonly = true or --readonly was given)";
            return self.set_status(true, why.into());
        }
        match self.inv.plan(&self.planner(), action, self.now) {
            Some(plan) => self.open_confirm(plan),
            None => self.set_status(true, "no device under the cursor or selected".into()),
        }
    }

    fn open_confirm(&mut self, plan: Plan) {
        if plan.is_empty() {
            let why = plan.skipped.first().map_or("", |s| s.why.as_str());
            return self.set_status(
                false,
                format!(
                    "nothing to {}: {} selected device(s) already in that state ({why})",
                    plan.change.label(),
                    plan.skipped.len()
                ),
            );
        }
        let typed = (plan.len() > self.confirm_typed_above).then(String::new);
        self.overlay = Overlay::Confirm(Confirm {
            plan: Arc::new(plan),
            typed,
        });
    }

    /// Delete of Google Sync devices: plan a block of the same devices instead.
    fn offer_block(&mut self) {
        let Overlay::Confirm(c) = &self.overlay else {
            return;
        };
        if c.plan.change != ChangeKind::Device(DeviceAction::Delete) {
            return;
        }
        let ids = c.plan.targets.iter().map(|t| t.resource_id.as_str());
        let plan = self
            .inv
            .plan_ids(&self.planner(), DeviceAction::Block, ids, self.now);
        self.overlay = Overlay::None;
        self.open_confirm(plan);
    }

    fn confirm(&mut self) {
        let Overlay::Confirm(c) = &self.overlay else {
            return;
        };
        let n = c.plan.len();
        if let Some(t) = &c.typed {
            if *t != n.to_string() {
                return self.set_status(
                    true,
                    format!("type {n} to confirm this change to {n} devices"),
                );
            }
        }
        let plan = c.plan.clone();
        self.log_note(format!("confirmed: {}", plan.summary()));
        self.push_task(Task::Execute(plan.clone()));
        self.overlay = Overlay::None;
        self.inv.view.selected.clear();
        self.set_status(
            false,
            format!("{}: queued; see the Log pane (4)", plan.summary()),
        );
    }

    fn on_mouse(&mut self, m: MouseEvent) {
        let pos = Position::new(m.column, m.row);
        match m.kind {
            MouseEventKind::ScrollDown => (0..3).for_each(|_| self.move_by(1)),
            MouseEventKind::ScrollUp => (0..3).for_each(|_| self.move_by(-1)),
            MouseEventKind::Down(MouseButton::Left)
                if self.pane == Pane::Inventory && self.inv.detail.is_none() =>
            {
                self.inv.click(pos, self.size)
            }
            _ => return,
        }
        self.mark_dirty();
    }
}
