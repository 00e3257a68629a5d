//! Applying background results to the state: cache and fresh inventories, streamed
//! pages, API calls for the Log pane, action outcomes and export results. Like input
//! handling, it only changes the state and marks it dirty; it never does I/O.
use super::msg::Msg;
use super::state::{LogEntry, State};
use crate::model::Inventory;

impl State {
    /// Advances the spinner and merges streamed pages; called on each tick.
    pub fn on_tick(&mut self) {
        if self.inv.on_tick(&mut self.now, self.size) {
            self.dirty = true;
        }
    }

    pub fn on_msg(&mut self, msg: Msg) {
        self.dirty = true;
        match msg {
            Msg::CacheLoaded(inv) => self.inv.cache_loaded(*inv, &mut self.now, self.size),
            Msg::LoadProgress(p) => {
                // The feed's periodic Directory poll started a listing on its own.
                if !self.inv.loading.active {
                    self.inv.start_listing(self.now);
                }
                self.inv.loading.progress = p;
            }
            Msg::DevicesPage(page) => self.inv.devices_page(page, true),
            Msg::PreviewPage(page) => self.inv.devices_page(page, false),
            Msg::Loaded(inv) => self.inv.loaded(*inv, &mut self.now, self.size),
            Msg::Listed(end) => {
                let gone = self.inv.listed(*end, &mut self.now, self.size);
                if gone > 0 {
                    self.log_note(format!(
                        "{gone} devices no longer listed by Google were removed from the table"
                    ));
                }
            }
            Msg::LoadFailed(e) => {
                self.log_note(format!("listing failed: {e}"));
                self.inv.load_failed(e, &mut self.now, self.size);
            }
            Msg::ApiCall(c) => self.push_log(LogEntry::Call(c)),
            Msg::ChangeDone(kind, outcome) => self.inv.outcomes.push((kind, outcome)),
            Msg::BatchDone(kind, r) => {
                self.batch_done(kind, r);
                self.android_batch_done(kind);
            }
            Msg::Recovered(r) => self.recovered(r),
            Msg::Resumed(id, r) => self.resumed(id, r),
            Msg::Abandoned(id, r) => match r {
                Ok(()) => self.set_status(
                    false,
                    format!("batch {id} abandoned; nothing more will be sent for it"),
                ),
                Err(e) => self.set_status(true, format!("cannot abandon batch {id}: {e}")),
            },
            Msg::History(entries) => self.history(entries),
            Msg::Exported {
                path,
                count,
                result,
            } => match result {
                Ok(()) => self.set_status(
                    false,
                    format!("exported {count} devices to {}", path.display()),
                ),
                Err(e) => {
                    self.set_status(true, format!("export to {} failed: {e}", path.display()))
                }
            },
            Msg::Android(m) => self.android_msg(m),
            Msg::Notice(text) => self.set_status(true, text),
            Msg::Checklist(m) => self.on_checklist(m),
            Msg::Feed(u) => self.on_feed(u),
            Msg::FeedStopped(why) => self.feed_stopped(why),
        }
    }

    /// Replaces the inventory (see [`InventoryPane::install`]); the clock follows the
    /// new listing's server clock.
    ///
    /// [`InventoryPane::install`]: super::state::InventoryPane::install
    pub fn install(&mut self, inv: Inventory) {
        self.inv.install(inv, &mut self.now, self.size);
        self.dirty = true;
    }

    pub fn refilter(&mut self) {
        self.inv.refilter(self.size);
        self.dirty = true;
    }

    pub fn set_status(&mut self, error: bool, text: String) {
        self.status = Some((error, text));
        self.dirty = true;
    }

    pub fn log_note(&mut self, text: String) {
        self.push_log(LogEntry::Note { at: self.now, text });
    }

    pub fn push_log(&mut self, e: LogEntry) {
        self.log.push(e);
    }
}
