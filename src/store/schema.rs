//! The database schema as an ordered list of migrations, tracked in `PRAGMA user_version`.
//!
//! Step `i` takes the schema from version `i` to `i + 1`. Steps are only ever appended:
//! editing a released step would leave existing databases on a schema no code describes.
//! A file whose version is above `MIGRATIONS.len()` was written by a newer offsync and is
//! refused rather than guessed at.
use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

/// Version 1: inventory snapshots and the audit journal.
const V1: &str = r#"
CREATE TABLE snapshot (
    id           INTEGER PRIMARY KEY,
    fetched_at   TEXT,
    saved_at     TEXT NOT NULL,
    device_count INTEGER NOT NULL,
    user_count   INTEGER NOT NULL,
    ou_count     INTEGER NOT NULL
);

-- One row per device per snapshot. `json` is the whole model::Device (the source of truth
-- when loading); the other columns are copies for SQL queries and indexes.
CREATE TABLE device (
    snapshot_id   INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    resource_id   TEXT NOT NULL,
    type          TEXT NOT NULL,
    status        TEXT NOT NULL,
    owner         TEXT,
    org_unit_path TEXT,
    last_sync     TEXT,
    json          TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, seq)
) WITHOUT ROWID;
CREATE INDEX device_resource_id ON device (resource_id, snapshot_id);
CREATE INDEX device_type_status ON device (snapshot_id, type, status);
CREATE INDEX device_ou ON device (snapshot_id, org_unit_path);
CREATE INDEX device_owner ON device (snapshot_id, owner);

CREATE TABLE user (
    snapshot_id   INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    primary_email TEXT NOT NULL,
    org_unit_path TEXT NOT NULL,
    json          TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, seq)
) WITHOUT ROWID;

CREATE TABLE org_unit (
    snapshot_id   INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    org_unit_path TEXT NOT NULL,
    json          TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, seq)
) WITHOUT ROWID;

CREATE TABLE journal (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    profile     TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    count       INTEGER NOT NULL,
    request     TEXT NOT NULL,
    gam_command TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('planned', 'succeeded', 'failed')),
    error       TEXT,
    dry_run     INTEGER NOT NULL CHECK (dry_run IN (0, 1))
);

-- Append-only, enforced by the database itself so no code path (or hand-run sqlite3 session
-- that forgets) can rewrite history: rows are never deleted, and the one allowed update is
-- recording the outcome of a still-planned entry.
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN
    SELECT RAISE(ABORT, 'the offsync journal is append-only: entries cannot be deleted');
END;

CREATE TRIGGER journal_outcome_only BEFORE UPDATE ON journal
WHEN OLD.outcome <> 'planned'
  OR NEW.outcome = 'planned'
  OR NEW.id IS NOT OLD.id
  OR NEW.at IS NOT OLD.at
  OR NEW.profile IS NOT OLD.profile
  OR NEW.actor IS NOT OLD.actor
  OR NEW.action IS NOT OLD.action
  OR NEW.target IS NOT OLD.target
  OR NEW.count IS NOT OLD.count
  OR NEW.request IS NOT OLD.request
  OR NEW.gam_command IS NOT OLD.gam_command
  OR NEW.dry_run IS NOT OLD.dry_run
BEGIN
    SELECT RAISE(ABORT, 'the offsync journal is append-only: only a planned entry''s outcome can be set, once');
END;
"#;

/// Version 2: a snapshot listed with a server-side device query holds only the matching
/// devices; record the query so such a partial snapshot is never mistaken for the whole
/// inventory (NULL = everything was listed).
const V2: &str = "ALTER TABLE snapshot ADD COLUMN server_query TEXT;";

/// Version 3: the inventory cache is keyed by tenant, not by profile name (every
/// `sim serve --write-config` profile is called "sim"): the customer ID resolved when the
/// data was listed, and the admin subject. Older snapshots keep NULLs and are never shown
/// to a tenant; pruning removes them in time.
const V3: &str = "ALTER TABLE snapshot ADD COLUMN customer_id TEXT;
ALTER TABLE snapshot ADD COLUMN subject TEXT;
CREATE INDEX snapshot_tenant ON snapshot (subject COLLATE NOCASE, customer_id);";

/// Version 4: change batches. A confirmed plan is written whole (the batch and every target
/// with its before-state) before its first request, so a crash leaves a record of exactly
/// what was confirmed; journal rows name their batch and target; recovery appends what it
/// read back (`batch_finding`) and a batch ends with one `batch_close` row. Every new table
/// is append-only like the journal, and a journal row's batch link cannot be rewritten.
const V4: &str = r#"
CREATE TABLE batch (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,
    profile TEXT NOT NULL,
    actor   TEXT NOT NULL,
    kind    TEXT NOT NULL,
    label   TEXT NOT NULL,
    count   INTEGER NOT NULL,
    plan    TEXT NOT NULL
);

CREATE TABLE batch_target (
    batch_id    INTEGER NOT NULL REFERENCES batch(id),
    seq         INTEGER NOT NULL,
    resource_id TEXT NOT NULL,
    owner       TEXT,
    org_unit    TEXT,
    before      TEXT NOT NULL,
    request     TEXT NOT NULL,
    gam_command TEXT NOT NULL,
    PRIMARY KEY (batch_id, seq)
) WITHOUT ROWID;

CREATE TABLE batch_finding (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id   INTEGER NOT NULL REFERENCES batch(id),
    seq        INTEGER NOT NULL,
    journal_id INTEGER REFERENCES journal(id),
    at         TEXT NOT NULL,
    finding    TEXT NOT NULL CHECK (finding IN ('applied', 'not_applied', 'unknown')),
    detail     TEXT NOT NULL
);
CREATE INDEX batch_finding_target ON batch_finding (batch_id, seq);

CREATE TABLE batch_close (
    batch_id INTEGER PRIMARY KEY REFERENCES batch(id),
    at       TEXT NOT NULL,
    how      TEXT NOT NULL CHECK (how IN ('finished', 'abandoned'))
);

ALTER TABLE journal ADD COLUMN batch_id INTEGER REFERENCES batch(id);
ALTER TABLE journal ADD COLUMN seq INTEGER;
CREATE INDEX journal_batch ON journal (batch_id, seq);

CREATE TRIGGER journal_batch_fixed BEFORE UPDATE OF batch_id, seq ON journal
WHEN NEW.batch_id IS NOT OLD.batch_id OR NEW.seq IS NOT OLD.seq
BEGIN
    SELECT RAISE(ABORT, 'the offsync journal is append-only: a change''s batch cannot be rewritten');
END;

CREATE TRIGGER batch_no_delete BEFORE DELETE ON batch
BEGIN SELECT RAISE(ABORT, 'the offsync journal is append-only: batch rows cannot be deleted'); END;
CREATE TRIGGER batch_no_update BEFORE UPDATE ON batch
BEGIN SELECT RAISE(ABORT, 'the offsync journal is append-only: batch rows cannot be changed'); END;
CREATE TRIGGER batch_target_no_delete BEFORE DELETE ON batch_target
BEGIN SELECT RAISE(ABORT, 'the offsync journal is append-only: batch_target rows cannot be deleted'); END;
CREATE TRIGGER batch_target_no_update BEFORE UPDATE ON batch_target
BEGIN SELECT RAISE(ABORT, 'the offsync journal is append-only: batch_target rows cannot be changed'); END;
CREATE TRIGGER batch_finding_no_delete BEFORE DELETE ON batch_finding
BEGIN SELECT RAISE(ABORT, 'the offsync journal is append-only: batch_finding rows cannot be deleted'); END;
CREATE TRIGGER batch_finding_no_update BEFORE UPDATE ON batch_finding
BEGIN SELECT RAISE(ABORT, 'the offsync journal is append-only: batch_finding rows cannot be changed'); END;
CREATE TRIGGER batch_close_no_delete BEFORE DELETE ON batch_close
BEGIN SELECT RAISE(ABORT, 'the offsync journal is append-only: batch_close rows cannot be deleted'); END;
CREATE TRIGGER batch_close_no_update BEFORE UPDATE ON batch_close
BEGIN SELECT RAISE(ABORT, 'the offsync journal is append-only: batch_close rows cannot be changed'); END;
"#;

/// Version 5: migration state, shared by every offsync on this database (two windows on one
/// jump host see each other's plans). `migration_step.claim` is set while one process sends
/// a step's change, so no other process can send it too; a claim left by a crash names the
/// journal entry recovery must look at.
const V5: &str = r#"
CREATE TABLE migration_ou (
    ou          TEXT PRIMARY KEY,
    json        TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE migration_step (
    ou          TEXT NOT NULL,
    step        TEXT NOT NULL,
    state       TEXT NOT NULL,
    json        TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 0,
    claim       TEXT,
    claim_entry INTEGER,
    claimed_at  TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (ou, step)
) WITHOUT ROWID;

CREATE TABLE migration_plan (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    pilot       TEXT,
    updated_at  TEXT NOT NULL
);

CREATE TABLE migration_wave (
    number      INTEGER PRIMARY KEY CHECK (number >= 1),
    ous         TEXT NOT NULL,
    started_at  TEXT,
    created_at  TEXT NOT NULL
);

CREATE TABLE migration_override (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    wave        INTEGER NOT NULL REFERENCES migration_wave(number),
    guard       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    reason      TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL
);

-- The latest mark of each kind per user (the journal keeps the history).
CREATE TABLE migration_user_mark (
    email       TEXT NOT NULL,
    mark        TEXT NOT NULL CHECK (mark IN ('acknowledged', 'reminded')),
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    note        TEXT,
    PRIMARY KEY (email, mark)
) WITHOUT ROWID;

-- What a journaled migration change is about: OU, step, before/after, reason and the
-- long-running operation Google returned. Append-only like the journal it extends.
CREATE TABLE migration_change (
    journal_id  INTEGER PRIMARY KEY REFERENCES journal(id),
    ou          TEXT NOT NULL,
    step        TEXT NOT NULL,
    before      TEXT,
    after       TEXT,
    reason      TEXT,
    operation   TEXT
);
CREATE TRIGGER migration_change_no_delete BEFORE DELETE ON migration_change
BEGIN
    SELECT RAISE(ABORT, 'the offsync journal is append-only: entries cannot be deleted');
END;
CREATE TRIGGER migration_change_operation_once BEFORE UPDATE ON migration_change
WHEN OLD.operation IS NOT NULL
  OR NEW.journal_id IS NOT OLD.journal_id OR NEW.ou IS NOT OLD.ou OR NEW.step IS NOT OLD.step
  OR NEW.before IS NOT OLD.before OR NEW.after IS NOT OLD.after OR NEW.reason IS NOT OLD.reason
BEGIN
    SELECT RAISE(ABORT, 'the offsync journal is append-only: only the operation name can be added, once');
END;
"#;

/// Version 6: when offsync first saw each Android device non-compliant with
/// `workAccountSetupConfig` (the API gives no start time). A row lives while the spell lasts.
const V6: &str = r#"
CREATE TABLE android_noncompliance (
    profile     TEXT NOT NULL,
    device_name TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    PRIMARY KEY (profile, device_name)
) WITHOUT ROWID;
"#;

/// Version 7: the live feed. Events keyed by their content-derived ID (so re-diffing the
/// same poll inserts nothing), the per-OU Google Sync burndown (independent of snapshots,
/// which are pruned), the compact state each source diffs against, per-source status, and
/// the lease that makes one process per profile the poller.
const V7: &str = r#"
CREATE TABLE feed_event (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    id       TEXT NOT NULL UNIQUE,
    at       TEXT NOT NULL,
    source   TEXT NOT NULL,
    kind     TEXT NOT NULL,
    severity TEXT NOT NULL,
    ou       TEXT,
    device   TEXT,
    user     TEXT,
    step     TEXT,
    detail   TEXT NOT NULL
);
CREATE INDEX feed_event_at ON feed_event (at);

-- One row per OU whenever its count changed (and at the first poll): a step function.
CREATE TABLE feed_count (
    ou     TEXT NOT NULL,
    at     TEXT NOT NULL,
    active INTEGER NOT NULL,
    total  INTEGER NOT NULL,
    PRIMARY KEY (ou, at)
) WITHOUT ROWID;

CREATE TABLE feed_seen (
    source TEXT NOT NULL,
    key    TEXT NOT NULL,
    json   TEXT NOT NULL,
    PRIMARY KEY (source, key)
) WITHOUT ROWID;

-- `generation` counts committed polls: a commit names the generation it diffed against,
-- so two pollers can never both apply a diff of the same state.
CREATE TABLE feed_source (
    source        TEXT PRIMARY KEY,
    generation    INTEGER NOT NULL DEFAULT 0,
    cursor        TEXT,
    last_ok_at    TEXT,
    last_requests INTEGER,
    last_error    TEXT,
    last_error_at TEXT
);

-- Times here are this machine's clock in ms: the lease coordinates local processes and is
-- never compared with Google's data.
CREATE TABLE feed_lease (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    holder      TEXT NOT NULL,
    acquired_ms INTEGER NOT NULL,
    expires_ms  INTEGER NOT NULL
);
"#;

/// Version 8: a migration step's claim names the change batch its policy write was
/// journaled as, so recovery reconciles that batch through the change engine.
const V8: &str = "ALTER TABLE migration_step ADD COLUMN claim_batch INTEGER;";

/// Version 9: the Google Sync `type:` spelling each tenant's search was proven to accept
/// (`google_sync_query_token = "auto"`), so later runs skip the probe. Keyed like the
/// inventory cache: the subject and the customer ID resolved when it was proven ('' when the
/// customer read failed; such a row is only ever used by a profile that names no customer).
const V9: &str = r#"
CREATE TABLE sync_token (
    subject     TEXT NOT NULL COLLATE NOCASE,
    customer_id TEXT NOT NULL,
    token       TEXT NOT NULL,
    proven_at   TEXT NOT NULL,
    PRIMARY KEY (subject, customer_id)
) WITHOUT ROWID;
"#;

/// Version 10: a snapshot is written page by page while its listing runs and counts only
/// once complete; loads, the snapshot list and pruning never see one still being written.
const V10: &str = "ALTER TABLE snapshot ADD COLUMN complete INTEGER NOT NULL DEFAULT 1;
CREATE INDEX snapshot_complete ON snapshot (complete, id);";

/// Every migration, oldest first. Append new steps; never edit or reorder old ones.
pub const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6, V7, V8, V9, V10];

/// The schema version this binary writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Brings the database up to [`latest_version`] in one transaction, so a crash mid-way
/// leaves the old version intact. `BEGIN IMMEDIATE` takes the write lock before reading
/// the version, so two offsyncs starting at once cannot both apply the same step.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let sql = |e| StoreError::from_sql(path, e);
    let current = user_version(conn).map_err(sql)?;
    let known = latest_version();
    if current == known {
        return Ok(());
    }
    if current > known {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: current,
            known,
        });
    }
    if current == 0 {
        // A new file: let pruned snapshots return their pages to the file system. Only
        // possible before the first table exists (and outside a transaction).
        conn.pragma_update(None, "auto_vacuum", "incremental")
            .map_err(sql)?;
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql)?;
    // Re-read under the lock: another process may have migrated in between.
    let current = user_version(&tx).map_err(sql)?;
    if current > known {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: current,
            known,
        });
    }
    for step in &MIGRATIONS[current as usize..] {
        tx.execute_batch(step).map_err(sql)?;
    }
    tx.pragma_update(None, "user_version", known).map_err(sql)?;
    tx.commit().map_err(sql)
}

pub fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}
