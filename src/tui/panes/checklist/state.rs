//! The Checklist pane's own state, apart from any drawing: the latest observation (a
//! [`Board`]), whether one is being read or failed, the view, and what is selected. Every
//! selection is held by ID (OU path, step ID, wave number and guard, user email), never
//! by row position: a new observation can add or drop rows under the cursor.
use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::migrate::board::{Board, OuProgress};
use crate::migrate::StepPlan;
use crate::migration::{GuardId, StepId, UserRow};
use crate::store::StepJournalRow;
use crate::tui::keymap::Context;
use crate::tui::scroll::ScrollList;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    /// The OU tree and the selected OU's steps.
    #[default]
    Steps,
    /// The pilot, the waves and their guards.
    Waves,
    /// The funnel and the users left behind of the selected OU.
    Users,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Side {
    #[default]
    Tree,
    Right,
}

/// A row of the waves view the cursor can stop on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaveSel {
    pub wave: u32,
    pub guard: Option<GuardId>,
}

/// The journal rows of the step whose detail is open.
#[derive(Debug, Clone)]
pub struct StepJournal {
    pub ou: String,
    pub step: StepId,
    pub rows: Result<Vec<StepJournalRow>, String>,
}

#[derive(Debug, Clone, Default)]
pub struct ChecklistPane {
    pub board: Option<Arc<Board>>,
    /// An observation is being read.
    pub observing: bool,
    /// Another observation was asked for while one ran: read again when it ends.
    pub again: bool,
    /// When (this process's clock, corrected to the server's) the board arrived: entering
    /// the pane reads again only when it is older than [`super::keys::CHECKLIST_FRESH`].
    pub read_at: Option<DateTime<Utc>>,
    /// The last observation failed: what is shown (if anything) is older.
    pub error: Option<String>,
    pub error_at: Option<DateTime<Utc>>,
    /// A step action or wave change being sent (shown until its outcome arrives).
    pub busy: Option<String>,
    pub view: View,
    pub side: Side,
    pub ou: Option<String>,
    pub tree: ScrollList,
    pub step: Option<StepId>,
    pub steps: ScrollList,
    /// Step detail open for this OU and step.
    pub detail: Option<(String, StepId)>,
    pub detail_scroll: u16,
    pub journal: Option<StepJournal>,
    /// The newest plan shown for a step (by `p`), for the detail.
    pub plan: Option<(String, StepId, StepPlan)>,
    pub wave: Option<WaveSel>,
    pub waves: ScrollList,
    pub user: Option<String>,
    pub users: ScrollList,
    pub selected: BTreeSet<String>,
    /// The users view's list for one OU of one board, as positions in that board's users
    /// (valid with that board only; see [`ChecklistPane::list_users`]).
    listed: Option<(Arc<Board>, String, Vec<u32>)>,
}

impl ChecklistPane {
    /// The key contexts while the pane is shown, most specific first.
    pub fn contexts(&self) -> Vec<Context> {
        match (self.detail.is_some(), self.view) {
            (true, _) => vec![Context::StepDetail, Context::Checklist, Context::Global],
            (false, View::Steps) => vec![Context::Steps, Context::Checklist, Context::Global],
            (false, View::Waves) => vec![Context::Waves, Context::Checklist, Context::Global],
            (false, View::Users) => vec![Context::Users, Context::Checklist, Context::Global],
        }
    }

    /// The selected OU's progress: the selection, else the pilot, else `/`.
    pub fn current_ou(&self) -> Option<&OuProgress> {
        let b = self.board.as_ref()?;
        self.ou
            .as_deref()
            .and_then(|o| b.ou(o))
            .or_else(|| b.pilot.as_deref().and_then(|p| b.ou(p)))
            .or_else(|| b.ous.first())
    }

    pub fn current_step(&self) -> Option<StepId> {
        let ou = self.current_ou()?;
        self.step
            .filter(|s| ou.steps.iter().any(|r| r.step == *s))
            .or_else(|| ou.steps.first().map(|r| r.step))
    }

    /// Position of the selected OU in the board's list.
    pub fn ou_pos(&self) -> usize {
        match (self.board.as_ref(), self.current_ou()) {
            (Some(b), Some(o)) => b.ous.iter().position(|x| x.ou == o.ou).unwrap_or(0),
            _ => 0,
        }
    }

    pub fn step_pos(&self) -> usize {
        match (self.current_ou(), self.current_step()) {
            (Some(o), Some(s)) => o.steps.iter().position(|r| r.step == s).unwrap_or(0),
            _ => 0,
        }
    }

    /// The rows of the waves view the cursor stops on: each wave, then each of its guards.
    pub fn wave_rows(&self) -> Vec<WaveSel> {
        let Some(b) = &self.board else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for w in &b.waves {
            out.push(WaveSel {
                wave: w.wave.number,
                guard: None,
            });
            out.extend(w.guards.iter().map(|g| WaveSel {
                wave: w.wave.number,
                guard: Some(g.guard),
            }));
        }
        out
    }

    pub fn current_wave(&self) -> Option<WaveSel> {
        let rows = self.wave_rows();
        self.wave
            .filter(|w| rows.contains(w))
            .or_else(|| rows.first().copied())
    }

    /// Installs a new observation.
    pub fn set_board(&mut self, board: Board) {
        self.board = Some(Arc::new(board));
        self.listed = None;
        if self.view == View::Users {
            self.list_users();
        }
    }

    /// Sorts the selected OU's users once per board and OU, so moving over 50,000 users
    /// does not sort them on every key and frame.
    pub fn list_users(&mut self) {
        self.listed = None;
        let (Some(b), Some(ou)) = (self.board.clone(), self.current_ou().map(|o| o.ou.clone()))
        else {
            return;
        };
        let pos: std::collections::HashMap<&str, u32> = b
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.email.as_str(), i as u32))
            .collect();
        let rows: Vec<u32> = self
            .sorted_users(&b, &ou)
            .iter()
            .map(|u| pos[u.email.as_str()])
            .collect();
        self.listed = Some((b, ou, rows));
    }

    /// Users of the selected OU listed in the users view: those left behind first (the
    /// contact list), then the rest of the funnel.
    pub fn listed_users(&self) -> Vec<&UserRow> {
        let (Some(b), Some(ou)) = (&self.board, self.current_ou()) else {
            return Vec::new();
        };
        match &self.listed {
            Some((lb, lou, rows)) if Arc::ptr_eq(lb, b) && *lou == ou.ou => rows
                .iter()
                .filter_map(|i| b.users.get(*i as usize))
                .collect(),
            _ => self.sorted_users(b, &ou.ou),
        }
    }

    fn sorted_users<'a>(&self, b: &'a Board, ou: &'a str) -> Vec<&'a UserRow> {
        let mut v: Vec<&UserRow> = b.users_in(ou).collect();
        v.sort_by(|a, b| {
            (!a.funnel.is_left_behind(), a.acknowledged, &a.email).cmp(&(
                !b.funnel.is_left_behind(),
                b.acknowledged,
                &b.email,
            ))
        });
        v
    }

    pub fn current_user(&self) -> Option<String> {
        let list = self.listed_users();
        self.user
            .as_ref()
            .filter(|e| list.iter().any(|u| &u.email == *e))
            .cloned()
            .or_else(|| list.first().map(|u| u.email.clone()))
    }

    /// Moves the cursor of the focused list by `delta`, keeping the selection by ID.
    pub fn move_by(&mut self, delta: isize, height: usize) {
        let Some(b) = self.board.clone() else {
            return;
        };
        let step = |pos: usize, len: usize| -> usize {
            (pos as isize + delta).clamp(0, len.saturating_sub(1) as isize) as usize
        };
        if let Some((ou, _)) = self.detail.clone() {
            let Some(o) = b.ou(&ou) else { return };
            let next = step(self.step_pos(), o.steps.len());
            if let Some(r) = o.steps.get(next) {
                self.step = Some(r.step);
                self.detail = Some((ou, r.step));
                self.detail_scroll = 0;
            }
            return;
        }
        match (self.view, self.side) {
            (View::Waves, _) => {
                let rows = self.wave_rows();
                let pos = self
                    .current_wave()
                    .and_then(|w| rows.iter().position(|r| *r == w))
                    .unwrap_or(0);
                self.wave = rows.get(step(pos, rows.len())).copied();
                self.waves.cursor = step(pos, rows.len());
                self.waves.scroll_into_view(rows.len(), height);
            }
            (_, Side::Tree) => {
                let next = step(self.ou_pos(), b.ous.len());
                self.ou = b.ous.get(next).map(|o| o.ou.clone());
                self.tree.cursor = next;
                self.tree.scroll_into_view(b.ous.len(), height);
                self.user = None;
                self.selected.clear();
                if self.view == View::Users {
                    self.list_users();
                }
            }
            (View::Steps, Side::Right) => {
                let Some(o) = self.current_ou() else { return };
                let next = step(self.step_pos(), o.steps.len());
                self.step = o.steps.get(next).map(|r| r.step);
            }
            (View::Users, Side::Right) => {
                let current = self.current_user();
                let (next, len, email) = {
                    let list = self.listed_users();
                    let pos = current
                        .and_then(|e| list.iter().position(|u| u.email == e))
                        .unwrap_or(0);
                    let next = step(pos, list.len());
                    (next, list.len(), list.get(next).map(|u| u.email.clone()))
                };
                self.user = email;
                self.users.cursor = next;
                self.users.scroll_into_view(len, height);
            }
        }
    }
}
