//! SQLite storage, one file per profile: the inventory cache ([`devices`]), the
//! append-only audit journal ([`journal`]), and the live feed's events, burndown, diff
//! state ([`feed`]) and poller lease ([`lease`]), and the Google Sync token each tenant
//! accepts ([`sync_token`]). This is the only module that uses rusqlite and
//! the only one that knows the schema ([`schema`]); everything else sees model values.
//!
//! It must not call Google or know about the UI. The inventory part is only a cache (it can
//! always be fetched again); the journal is the record of what offsync did, so nothing here
//! deletes or rewrites journal rows.
pub mod android;
pub mod atomic;
pub mod batch;
pub mod devices;
mod error;
pub mod feed;
pub mod journal;
pub mod lease;
pub mod migration;
mod migration_journal;
mod migration_plan;
pub mod private;
pub mod schema;
mod snapshot;
pub mod sync_token;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use atomic::write_atomically;
pub use batch::{Batch, BatchTarget, Batches, Finding, NewBatch, TargetRecord};
pub use devices::KEEP_SNAPSHOTS;
pub use error::StoreError;
pub use feed::{Commit, CountRow, SourceState, SourceStatus, StoredEvent};
pub use journal::{Journal, JournalEntry, Outcome};
pub use lease::Lease;
pub use migration::{Claim, MigrationDb, MigrationStoreError};
pub use migration_journal::StepJournalRow;
pub use migration_plan::ChangeRow;
pub use snapshot::SnapshotWriter;
pub use sync_token::RememberedToken;

/// How long a write waits for another offsync (say the TUI's feed and a cron'd
/// `offsync devices`) before reporting the database as locked.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// An open database. Not `Sync`: give each thread or task its own `Store` (WAL mode lets
/// readers and one writer work side by side).
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating it and its parent directories if needed) and migrates the database.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Self::open_with_busy_timeout(path, BUSY_TIMEOUT)
    }

    /// [`Store::open`] with a different wait for another writer's lock.
    pub fn open_with_busy_timeout(
        path: &Path,
        busy_timeout: Duration,
    ) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            private::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        // SQLite creates the database (and its -wal and -shm files with the same mode) as
        // 0644 less the umask; it holds personal data, so create it private first.
        if !is_special(path) {
            // Never open a descriptor on an existing database: closing any descriptor of a file
            // drops every POSIX lock this process holds on it, so a second `Store` in the same
            // process would silently unlock the first one's connection (SQLite's documented
            // pitfall) and other processes could then read a database mid-write.
            let made = if path.exists() {
                private::tighten_existing(path)
            } else {
                private::ensure_file(path)
            };
            made.map_err(|source| StoreError::CreateFile {
                path: path.to_path_buf(),
                source,
            })?;
            // Tighten side files an older offsync left readable; new ones copy the mode.
            for suffix in ["-wal", "-shm"] {
                let mut side = path.as_os_str().to_owned();
                side.push(suffix);
                let side = PathBuf::from(side);
                private::tighten_existing(&side)
                    .map_err(|source| StoreError::CreateFile { path: side, source })?;
            }
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn =
            Connection::open_with_flags(path, flags).map_err(|e| {
                match StoreError::from_sql(path, e) {
                    StoreError::Sql { path, source } => StoreError::Open { path, source },
                    other => other,
                }
            })?;
        Self::setup(conn, path.to_path_buf(), Some(busy_timeout))
    }

    /// A private database that lives as long as the value (tests, `offsync demo`).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|e| StoreError::from_sql(&path, e))?;
        Self::setup(conn, path, None)
    }

    /// `busy_timeout` is `None` for an in-memory database, which no one else can lock.
    fn setup(
        mut conn: Connection,
        path: PathBuf,
        busy_timeout: Option<Duration>,
    ) -> Result<Store, StoreError> {
        let sql = |e| StoreError::from_sql(&path, e);
        if let Some(wait) = busy_timeout {
            conn.busy_timeout(wait).map_err(sql)?;
            // WAL: the TUI can read the cache while a background save writes the next
            // snapshot. The first statement that touches the file is also what finds out that
            // it is not a database at all, which `from_sql` reports as corrupt.
            let _mode: String = conn
                .pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0))
                .map_err(sql)?;
            // NORMAL is durable across application crashes in WAL mode; only a power cut
            // can lose the last commit, which for a cache and an audit log is acceptable.
            conn.pragma_update(None, "synchronous", "normal")
                .map_err(sql)?;
        }
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(sql)?;
        schema::migrate(&mut conn, &path)?;
        Ok(Store { conn, path })
    }

    /// The database file (`:memory:` for an in-memory store).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version on disk (equal to [`schema::latest_version`] once open).
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        schema::user_version(&self.conn).map_err(|e| self.err(e))
    }

    /// First sightings of Android non-compliance.
    pub fn android(&self) -> android::NonCompliance<'_> {
        android::NonCompliance::new(&self.conn, &self.path)
    }

    /// The audit journal in this database.
    pub fn journal(&self) -> Journal<'_> {
        Journal::new(&self.conn, &self.path)
    }

    /// The migration tables (plan, waves, step states, user marks) in this database.
    pub fn migration(&mut self) -> MigrationDb<'_> {
        MigrationDb {
            conn: &mut self.conn,
            path: &self.path,
        }
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::from_sql(&self.path, e)
    }
}

/// Bytes the database takes on disk, with its `-wal` and `-shm` files; `None` when it does
/// not exist yet. Reads file sizes only: never opens or migrates the database.
pub fn disk_use(path: &Path) -> Option<u64> {
    let main = std::fs::metadata(path).ok()?.len();
    let side = ["-wal", "-shm"]
        .iter()
        .filter_map(|suffix| {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            std::fs::metadata(PathBuf::from(p)).ok()
        })
        .map(|m| m.len())
        .sum::<u64>();
    Some(main + side)
}

/// `:memory:` and `file:` URIs name no plain file to create.
fn is_special(path: &Path) -> bool {
    let s = path.to_string_lossy();
    s == ":memory:" || s.starts_with("file:")
}
