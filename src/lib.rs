//! offsync: move a Google Workspace organisation off Google Sync, one OU at a time.
//!
//! The architecture, bottom up:
//! - [`model`]: the Workspace nouns (devices, users, OUs, queries) shared by every layer. No I/O.
//! - [`config`]: the TOML the user wrote ([`config::raw`]) resolved into validated [`config::Settings`].
//! - [`google`]: one typed client per Google API over a single request path that owns auth,
//!   retries with backoff, quota pacing, pagination and read-only enforcement.
//! - [`sim`]: a faithful fake of those Google APIs (own wire types, OAuth, paging, faults), used by
//!   `offsync demo`, `offsync sim serve` and the tests. It never imports `google`.
//! - [`store`]: SQLite: the inventory cache and the audit journal.
//! - [`listing`]: the inventory listing with its cache policy (tenant keys, retention), the
//!   headless path the dashboard and `offsync devices` share.
//! - [`change`]: the change engine: plan → confirm → journal → request → outcome → recovery,
//!   shared by the dashboard and `offsync act`.
//! - [`migration`] and [`feed`]: pure logic over model values (later issues).
//! - [`android`]: the Android account upgrade, headless (read, first-seen store, journaled patch).
//! - [`tui`]: the terminal UI; nothing else imports it.
//! - [`cli`]: thin subcommands that parse, call the library and print.
//! - [`heap`]: how the process allocates (one malloc arena), set first thing in `main`.
pub mod android;
pub mod change;
pub mod cli;
pub mod config;
pub mod feed;
pub mod google;
pub mod heap;
pub mod listing;
pub mod migrate;
pub mod migration;
pub mod model;
pub mod sim;
pub mod store;
pub mod tui;
