//! The live compliance feed: polls each source on its own interval and request budget,
//! diffs every poll against the state stored after the previous one, and stores the
//! resulting events, the per-OU burndown and the new state in one transaction.
//!
//! [`diff`] and [`burndown`] are pure (old state, new poll, the server's `now` → events).
//! [`poll`] owns the requests: one poller per profile, whichever process holds the store's
//! lease; every other process (a second dashboard, `offsync feed --follow`) only reads.
//! It must not import the UI.
pub mod burndown;
mod cycle;
pub mod diff;
pub mod follow;
pub mod poll;
mod sources;
pub mod watch;

pub use poll::{FeedError, ListingHooks, PollOutcome, PollReport, Poller, Tick};
