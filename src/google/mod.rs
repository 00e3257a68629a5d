//! The Google client layer: one typed client per Google API over a single request path
//! ([`client`]) that owns auth, retries with backoff, quota pacing, read-only enforcement
//! and call accounting. Pagination is streams of pages ([`page`]); mobile devices can be
//! listed in concurrent partitions ([`partition`]); [`inventory`] loads and joins it all.
//!
//! This layer never touches the UI, the store or the simulator: it speaks HTTP to whatever
//! root URLs the profile names (Google's, or `offsync demo`'s simulator).
pub mod amapi;
pub mod auth;
pub mod client;
pub mod directory;
pub mod error;
pub mod gmail;
pub mod inventory;
pub mod pace;
pub mod page;
pub mod partition;
pub mod policy;
pub mod reports;
pub mod retry;
pub mod scopes;
pub mod sync_token;

pub use amapi::Amapi;
pub use auth::{Warning, LOG_FILTER};
pub use client::{spent_by, spent_so_far, Call, CallObserver, CallRecord, Client, ClientStats};
pub use directory::Directory;
pub use error::Error;
pub use gmail::Gmail;
pub use inventory::{
    load_inventory, load_inventory_with, stream_inventory_with, Clients, Listing, LoadEvent,
    LoadProgress, Streamed,
};
pub use policy::Policy;
pub use reports::Reports;
pub use sync_token::{QueryToken, TokenMemory, TokenSource};
