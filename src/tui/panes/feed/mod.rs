//! The Feed pane: the live feed's events, newest first, with each severity in words and
//! colour (words alone read without colour), filters by OU, source and severity, pause and
//! resume, and the burndown of active Google Sync devices over time ([`burndown`]).
//!
//! [`FeedPane`] owns the pane's state apart from drawing. Events are held by their stored
//! order and ID, never by a row index across updates: the cursor stays on its event while
//! new ones arrive above it.
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::feed::watch::{Role, Update};
use crate::feed::{PollOutcome, PollReport};
use crate::model::{Event, OuPath, Severity, Source};
use crate::store::{CountRow, SourceStatus, StoredEvent};
use crate::tui::keymap::Context;
use crate::tui::scroll::ScrollList;

pub mod burndown;
pub mod list;

pub use list::render;

/// Events kept in memory (the store keeps every one; `offsync feed` prints them).
pub const FEED_CAP: usize = 5_000;

/// Which events are shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedFilter {
    /// This OU and those below it.
    pub ou: Option<String>,
    pub source: Option<Source>,
    /// The least severity shown (`None`: all).
    pub severity: Option<Severity>,
}

impl FeedFilter {
    pub fn matches(&self, e: &Event) -> bool {
        self.source.is_none_or(|s| e.source == s)
            && self.severity.is_none_or(|m| e.severity >= m)
            && self.ou.as_deref().is_none_or(|ou| {
                e.ou.as_deref()
                    .is_some_and(|eo| OuPath::ancestors_and_self(eo).iter().any(|a| a == ou))
            })
    }

    pub fn is_empty(&self) -> bool {
        *self == FeedFilter::default()
    }

    /// "ou=/Sales source=android severity>=warning", or "" when nothing filters.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(ou) = &self.ou {
            parts.push(format!("ou={ou}"));
        }
        if let Some(s) = self.source {
            parts.push(format!("source={s}"));
        }
        if let Some(s) = self.severity {
            parts.push(format!("severity>={s}"));
        }
        parts.join(" ")
    }
}

/// How the feed's loop is doing, for the header and the pane's title.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedStatus {
    pub role: Option<Role>,
    pub sources: Vec<SourceStatus>,
    /// The latest failed poll this process made, until a later one of that source succeeds.
    pub failure: Option<(Source, String)>,
    /// The latest deferred poll (budget spent), until that source commits again.
    pub deferred: Option<(Source, u64)>,
    /// The loop does not run (no database, no credentials, the store failed).
    pub stopped: Option<String>,
}

impl FeedStatus {
    pub fn source(&self, s: Source) -> Option<&SourceStatus> {
        self.sources.iter().find(|x| x.source == s.as_str())
    }
}

#[derive(Debug, Clone, Default)]
pub struct FeedPane {
    /// Sorted by (time, stored order), oldest first.
    pub events: Vec<StoredEvent>,
    /// Events that arrived while paused, shown on resume.
    pub held: Vec<StoredEvent>,
    pub paused: bool,
    pub filter: FeedFilter,
    /// Indices into `events` that pass the filter, newest first.
    pub rows: Vec<u32>,
    pub list: ScrollList,
    /// Every stored burndown point, oldest first.
    pub counts: Vec<CountRow>,
    /// Show the burndown over the whole pane.
    pub chart_only: bool,
    pub status: FeedStatus,
    /// The configured deadline (`feed.deadline`), drawn on the burndown.
    pub deadline: Option<DateTime<Utc>>,
    /// How often the Directory source polls (`None`: off, so the table refreshes by listing).
    pub directory_interval: Option<Duration>,
    /// The Directory source's hourly request budget, for "deferred" messages.
    pub directory_budget: u32,
    /// A feed loop was started for this session.
    pub live: bool,
}

impl FeedPane {
    pub fn contexts(&self) -> Vec<Context> {
        vec![Context::Feed, Context::Global]
    }

    /// The event under the cursor.
    pub fn current(&self) -> Option<&Event> {
        let i = *self.rows.get(self.list.cursor)?;
        self.events.get(i as usize).map(|e| &e.event)
    }

    /// Applies what the feed's loop reported.
    pub fn on_update(&mut self, u: Update) {
        match u {
            Update::Events(events) => self.add(events),
            Update::Role(r) => self.status.role = Some(r),
            Update::Report(r) => self.report(&r),
            Update::Sources(s) => self.status.sources = s,
            Update::Counts(c) => self.counts = c,
            // The dashboard turns it into a table refresh before it gets here.
            Update::Cached(_) => {}
        }
    }

    fn report(&mut self, r: &PollReport) {
        match &r.outcome {
            PollOutcome::Committed => {
                let st = &mut self.status;
                if st.failure.as_ref().is_some_and(|(s, _)| *s == r.source) {
                    st.failure = None;
                }
                if st.deferred.as_ref().is_some_and(|(s, _)| *s == r.source) {
                    st.deferred = None;
                }
            }
            PollOutcome::Failed(e) => self.status.failure = Some((r.source, e.clone())),
            PollOutcome::Deferred { spent, .. } => {
                self.status.deferred = Some((r.source, *spent));
            }
            PollOutcome::Discarded(_) => {}
        }
    }

    /// New events: shown at once, or held while paused.
    pub fn add(&mut self, events: Vec<StoredEvent>) {
        if events.is_empty() {
            return;
        }
        if self.paused {
            self.held.extend(events);
            let over = self.held.len().saturating_sub(FEED_CAP);
            self.held.drain(..over);
            return;
        }
        self.merge(events);
    }

    fn merge(&mut self, events: Vec<StoredEvent>) {
        let keep = self.current_seq();
        let at_top = self.list.cursor == 0;
        self.events.extend(events);
        self.events.sort_by_key(|e| (e.event.at, e.seq));
        let over = self.events.len().saturating_sub(FEED_CAP);
        self.events.drain(..over);
        // At the top the view follows the newest event; elsewhere it stays on its event.
        self.refilter(if at_top { None } else { keep });
    }

    fn current_seq(&self) -> Option<i64> {
        let i = *self.rows.get(self.list.cursor)?;
        self.events.get(i as usize).map(|e| e.seq)
    }

    /// Recomputes the rows; the cursor goes to the event `keep` (stored order) if shown.
    pub fn refilter(&mut self, keep: Option<i64>) {
        let f = &self.filter;
        self.rows = (0..self.events.len() as u32)
            .rev()
            .filter(|i| f.matches(&self.events[*i as usize].event))
            .collect();
        self.list.cursor = keep
            .and_then(|seq| {
                self.rows
                    .iter()
                    .position(|i| self.events[*i as usize].seq == seq)
            })
            .unwrap_or(0);
    }

    pub fn set_filter(&mut self, filter: FeedFilter) {
        let keep = self.current_seq();
        self.filter = filter;
        self.refilter(keep);
    }

    pub fn toggle_pause(&mut self) {
        self.paused = !self.paused;
        if !self.paused {
            let held = std::mem::take(&mut self.held);
            self.merge(held);
        }
    }

    /// Only the OU of the event under the cursor; again: every OU.
    pub fn toggle_ou_filter(&mut self) -> Result<(), &'static str> {
        let mut f = self.filter.clone();
        if f.ou.is_some() {
            f.ou = None;
        } else {
            let ou = self.current().and_then(|e| e.ou.clone());
            f.ou = Some(ou.ok_or("the event under the cursor names no OU")?);
        }
        self.set_filter(f);
        Ok(())
    }

    /// All sources, then each source in turn.
    pub fn cycle_source(&mut self) {
        let mut f = self.filter.clone();
        f.source = match f.source {
            None => Some(Source::ALL[0]),
            Some(s) => Source::ALL
                .iter()
                .position(|x| *x == s)
                .and_then(|i| Source::ALL.get(i + 1))
                .copied(),
        };
        self.set_filter(f);
    }

    /// All, then notice and above, warning and above, alerts only.
    pub fn cycle_severity(&mut self) {
        let mut f = self.filter.clone();
        f.severity = match f.severity {
            None => Some(Severity::Notice),
            Some(Severity::Info | Severity::Notice) => Some(Severity::Warning),
            Some(Severity::Warning) => Some(Severity::Alert),
            Some(Severity::Alert) => None,
        };
        self.set_filter(f);
    }

    pub fn move_by(&mut self, delta: isize, height: usize) {
        self.list.move_by(delta, self.rows.len(), height);
    }
}
