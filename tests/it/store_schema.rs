//! Opening the database: migrations from empty, idempotent reopen, and clear errors for a
//! newer schema, a corrupt file and a locked database.
use offsync::store::{schema, Store, StoreError};

#[test]
fn migrates_from_empty_and_reopens_idempotently() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sqlite");
    let s = Store::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), schema::latest_version());
    let id = s
        .journal()
        .append(&crate::store_journal::entry("block"))
        .unwrap();
    drop(s);
    for _ in 0..2 {
        let s = Store::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), schema::latest_version());
        assert_eq!(
            s.journal().list(10).unwrap()[0].id,
            id,
            "reopening keeps the data"
        );
    }
    let mem = Store::open_in_memory().unwrap();
    assert_eq!(mem.schema_version().unwrap(), schema::latest_version());
}

#[test]
fn newer_schema_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sqlite");
    drop(Store::open(&path).unwrap());
    let future = schema::latest_version() + 5;
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", future).unwrap();
    drop(conn);
    let err = Store::open(&path).unwrap_err();
    assert!(
        matches!(err, StoreError::TooNew { found, .. } if found == future),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("newer offsync") && msg.contains(&path.display().to_string()),
        "{msg}"
    );
}

#[test]
fn a_file_that_is_not_a_database_is_reported_as_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sqlite");
    std::fs::write(
        &path,
        "this is not sqlite, just some text that is long enough to look like a header....",
    )
    .unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("move it aside"), "{err}");
}

#[test]
fn a_database_held_by_another_writer_is_reported_as_locked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sqlite");
    drop(Store::open(&path).unwrap());
    let other = rusqlite::Connection::open(&path).unwrap();
    // Exclusive locking mode blocks even WAL readers, like a crashed process holding it.
    other
        .execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;")
        .unwrap();
    let mut s = Store::open_with_busy_timeout(&path, std::time::Duration::from_millis(50));
    let err = match &mut s {
        Err(e) => e.to_string(),
        Ok(s) => s
            .save_inventory(&Default::default())
            .unwrap_err()
            .to_string(),
    };
    assert!(err.contains("locked by another offsync"), "{err}");
}

#[test]
fn an_older_database_is_migrated_forward_keeping_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sqlite");
    {
        // A database as the first release wrote it: only step 1 applied.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(schema::MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO snapshot (fetched_at, saved_at, device_count, user_count, ou_count)
             VALUES (NULL, '2025-01-01T00:00:00Z', 0, 0, 0)",
            [],
        )
        .unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), schema::latest_version());
    let snaps = s.snapshots().unwrap();
    assert_eq!(snaps.len(), 1);
    assert_eq!(
        snaps[0].server_query, None,
        "old snapshots were complete listings"
    );
}

#[test]
fn a_version_8_database_gains_the_token_memory_keeping_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sqlite");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        for step in &schema::MIGRATIONS[..8] {
            conn.execute_batch(step).unwrap();
        }
        conn.pragma_update(None, "user_version", 8).unwrap();
        conn.execute(
            "INSERT INTO snapshot (fetched_at, saved_at, device_count, user_count, ou_count)
             VALUES (NULL, '2025-01-01T00:00:00Z', 0, 0, 0)",
            [],
        )
        .unwrap();
    }
    let mut s = Store::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), schema::latest_version());
    assert_eq!(s.snapshots().unwrap().len(), 1);
    let t = offsync::model::Tenant::configured("C01", "admin@a.example");
    assert_eq!(s.remembered_sync_token(&t).unwrap(), None);
    s.remember_sync_token(&t, "googlesync").unwrap();
    drop(s);
    let s = Store::open(&path).unwrap();
    assert_eq!(
        s.remembered_sync_token(&t).unwrap().as_deref(),
        Some("googlesync")
    );
}
