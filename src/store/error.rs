//! What can go wrong with the database, in words that name the file and the next step.
//!
//! SQLite's own codes are mapped once, here, so callers can `match` on "locked" or
//! "corrupt" instead of digging through `rusqlite::Error`.
use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("cannot create the data directory {path}: {source}\n  hint: check permissions, or set data_dir in the config file")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("cannot create the offsync database {path} (owner-only, 0600): {source}\n  hint: check the data directory is writable, or set data_dir in the config file")]
    CreateFile {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("cannot open the offsync database {path}: {source}\n  hint: check the file and its directory are readable and writable")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },

    #[error("the offsync database {path} is locked by another offsync (or a process that still holds it)\n  hint: close the other offsync (TUI or a running `offsync devices`) and try again")]
    Locked { path: PathBuf },

    #[error("the offsync database {path} is damaged ({detail})\n  hint: move it aside (mv '{path}' '{path}.broken') and run offsync again; the inventory is only a cache and is fetched again, and the moved file keeps the old journal")]
    Corrupt { path: PathBuf, detail: String },

    #[error("the offsync database {path} has schema version {found}, but this offsync only knows up to {known}: it was written by a newer offsync\n  hint: upgrade offsync, or point data_dir at another directory")]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },

    #[error("journal entry {id} in {path} is already {outcome}; the journal is append-only and an outcome is recorded once")]
    AlreadyFinished {
        path: PathBuf,
        id: i64,
        outcome: String,
    },

    #[error("journal entry {id} does not exist in {path}")]
    NoSuchEntry { path: PathBuf, id: i64 },

    #[error("this offsync no longer holds the feed lease in {path} ({holder}); another offsync is polling now, and this one only reads")]
    NotLeaseHolder { path: PathBuf, holder: String },

    #[error("the {source_name} feed state in {path} changed while this poll ran (another poller committed first); the poll is discarded and the next one diffs against the new state")]
    StaleFeedState { path: PathBuf, source_name: String },

    #[error("database {path}: {source}")]
    Sql {
        path: PathBuf,
        source: rusqlite::Error,
    },
}

impl StoreError {
    /// Maps a SQLite error to the variant a person can act on.
    pub(crate) fn from_sql(path: &Path, e: rusqlite::Error) -> StoreError {
        let path = path.to_path_buf();
        if let rusqlite::Error::SqliteFailure(f, msg) = &e {
            match f.code {
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                    return StoreError::Locked { path }
                }
                ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => {
                    let detail = msg.clone().unwrap_or_else(|| f.to_string());
                    return StoreError::Corrupt { path, detail };
                }
                _ => {}
            }
        }
        StoreError::Sql { path, source: e }
    }

    /// Stored JSON that no longer parses means the file was damaged or edited by hand.
    pub(crate) fn bad_json(path: &Path, what: &str, e: serde_json::Error) -> StoreError {
        StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("unreadable {what}: {e}"),
        }
    }
}
