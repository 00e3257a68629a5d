//! The audit journal is append-only: entries are never deleted and only a planned entry's
//! outcome can be set, once — in code and in the database itself.
use offsync::store::{JournalEntry, Outcome, Store, StoreError};

pub fn entry(action: &str) -> JournalEntry {
    JournalEntry {
        id: 0,
        at: "2025-03-10T12:00:00Z".parse().unwrap(),
        profile: "acme".into(),
        actor: "admin@acme.com".into(),
        action: action.into(),
        target: "AFi1,AFi2".into(),
        count: 2,
        request: "POST admin/directory/v1/customer/my_customer/devices/mobile/AFi1/action?access_token=SECRET".into(),
        gam_command: "gam update mobile AFi1 action block".into(),
        outcome: Outcome::Planned,
        dry_run: false,
        batch_id: None,
        seq: None,
    }
}

#[test]
fn planned_then_outcome_then_list() {
    let s = Store::open_in_memory().unwrap();
    let j = s.journal();
    let a = j.append(&entry("block")).unwrap();
    let b = j.append(&entry("approve")).unwrap();
    assert!(b > a);
    assert_eq!(
        j.unfinished()
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect::<Vec<_>>(),
        vec![a, b]
    );
    j.set_outcome(a, &Outcome::Succeeded).unwrap();
    j.set_outcome(b, &Outcome::Failed("403 forbidden: missing scope".into()))
        .unwrap();
    assert!(j.unfinished().unwrap().is_empty());
    let list = j.list(10).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].id, b, "newest first");
    assert_eq!(
        list[0].outcome,
        Outcome::Failed("403 forbidden: missing scope".into())
    );
    assert_eq!(list[1].outcome, Outcome::Succeeded);
    assert_eq!(list[1].action, "block");
    assert!(
        !list[1].request.contains("SECRET"),
        "no secrets: {}",
        list[1].request
    );
    assert_eq!(j.list(1).unwrap().len(), 1);
}

#[test]
fn an_outcome_is_set_once() {
    let s = Store::open_in_memory().unwrap();
    let j = s.journal();
    let id = j.append(&entry("block")).unwrap();
    assert!(matches!(
        j.set_outcome(id, &Outcome::Planned),
        Err(StoreError::AlreadyFinished { .. })
    ));
    j.set_outcome(id, &Outcome::Succeeded).unwrap();
    let err = j.set_outcome(id, &Outcome::Failed("x".into())).unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert!(matches!(
        j.set_outcome(id + 100, &Outcome::Succeeded),
        Err(StoreError::NoSuchEntry { .. })
    ));
}

#[test]
fn dry_runs_are_journaled_but_not_resumable() {
    let s = Store::open_in_memory().unwrap();
    let mut e = entry("block");
    e.dry_run = true;
    s.journal().append(&e).unwrap();
    assert!(s.journal().unfinished().unwrap().is_empty());
    assert!(s.journal().list(5).unwrap()[0].dry_run);
}

/// Even SQL that bypasses the Store (a hand-run sqlite3 session) cannot rewrite history.
#[test]
fn the_database_refuses_updates_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.sqlite");
    let id = {
        let s = Store::open(&path).unwrap();
        let id = s.journal().append(&entry("block")).unwrap();
        s.journal().set_outcome(id, &Outcome::Succeeded).unwrap();
        s.journal().append(&entry("approve")).unwrap();
        id
    };
    let conn = rusqlite::Connection::open(&path).unwrap();
    for sql in [
        format!("DELETE FROM journal WHERE id = {id}"),
        format!("UPDATE journal SET outcome = 'failed' WHERE id = {id}"),
        format!(
            "UPDATE journal SET target = 'everything' WHERE id = {}",
            id + 1
        ),
        format!(
            "UPDATE journal SET count = 1, outcome = 'succeeded' WHERE id = {}",
            id + 1
        ),
        "DELETE FROM journal".to_string(),
    ] {
        let err = conn.execute(&sql, []).unwrap_err().to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    let n: i64 = conn
        .query_row("SELECT count(*) FROM journal", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2);
}

fn batch(n: usize) -> offsync::store::NewBatch {
    offsync::store::NewBatch {
        at: "2025-03-10T12:00:00Z".parse().unwrap(),
        profile: "acme".into(),
        actor: "admin@acme.com".into(),
        kind: "device.block".into(),
        label: format!("block {n} devices"),
        plan: "{}".into(),
        targets: (0..n)
            .map(|i| offsync::store::BatchTarget {
                resource_id: format!("AFi{i}"),
                owner: Some(format!("u{i}@acme.com")),
                org_unit: Some("/Sales".into()),
                before: "APPROVED".into(),
                request: format!("POST admin/directory/v1/customer/C/devices/mobile/AFi{i}/action"),
                gam_command: format!("gam update mobile AFi{i} action block"),
            })
            .collect(),
    }
}

/// A confirmed batch is on disk, whole, before any request; targets then collect their
/// newest journal row and finding; closing is once; nothing of it can be rewritten.
#[test]
fn batches_record_targets_outcomes_and_findings() {
    use offsync::store::Finding;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.sqlite");
    let mut s = Store::open(&path).unwrap();
    let id = s.begin_batch(&batch(3)).unwrap();
    assert_eq!(s.batches().open().unwrap().len(), 1);
    let t = s.batches().targets(id).unwrap();
    assert_eq!(t.len(), 3);
    assert!(t
        .iter()
        .all(|t| t.journal.is_none() && t.before == "APPROVED"));

    let mut e = entry("block");
    e.batch_id = Some(id);
    e.seq = Some(1);
    let row = s.journal().append(&e).unwrap();
    s.batches()
        .add_finding(id, 1, Some(row), Finding::Unknown, "timeout")
        .unwrap();
    let t = s.batches().targets(id).unwrap();
    assert_eq!(t[1].journal, Some((row, Outcome::Planned)));
    assert_eq!(
        t[1].finding,
        Some((Finding::Unknown, Some(row), "timeout".into()))
    );
    s.journal().set_outcome(row, &Outcome::Succeeded).unwrap();
    assert_eq!(
        s.batches().targets(id).unwrap()[1].journal,
        Some((row, Outcome::Succeeded))
    );
    s.batches().close(id, true).unwrap();
    s.batches().close(id, false).unwrap();
    assert_eq!(
        s.batches().get(id).unwrap().unwrap().closed.as_deref(),
        Some("abandoned"),
        "the first close stands"
    );
    assert!(s.batches().open().unwrap().is_empty());
    drop(s);

    let conn = rusqlite::Connection::open(&path).unwrap();
    for sql in [
        "DELETE FROM batch".to_string(),
        "UPDATE batch_target SET resource_id = 'X'".to_string(),
        "DELETE FROM batch_finding".to_string(),
        "DELETE FROM batch_close".to_string(),
        format!("UPDATE journal SET batch_id = NULL WHERE id = {row}"),
    ] {
        let err = conn.execute(&sql, []).unwrap_err().to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
}
