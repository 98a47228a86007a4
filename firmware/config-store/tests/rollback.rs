//! `rollback N`, the kept history and its size.

mod common;

use common::{T0, commit_hostname, open, open_keeping, store_dir};
use postern_config_store::{KEEP_DEFAULT, RevisionKind, StoreError};

#[test]
fn rollback_loads_an_older_configuration_into_a_candidate_only() {
    let (_root, dir) = store_dir();
    let mut store = open(&dir);
    for (i, name) in ["one", "two", "three"].into_iter().enumerate() {
        commit_hostname(&mut store, name, T0 + i as u64);
    }
    for (n, expected) in [(0, "three"), (1, "two"), (2, "one"), (3, "postern")] {
        let candidate = store.rollback(n).expect("kept");
        assert_eq!(candidate.config().gateway.hostname, expected, "rollback {n}");
        assert_eq!(candidate.base_revision(), 4);
        assert_eq!(candidate.is_changed(), n != 0);
    }
    assert_eq!(store.running().gateway.hostname, "three", "rollback changes nothing");
    assert_eq!(store.revision(), 4);

    let candidate = store.rollback(2).expect("kept");
    let info = store.commit(&candidate, "alice", Some("back to one"), T0 + 9).expect("commits");
    assert_eq!((info.number, info.kind), (5, RevisionKind::Commit));
    assert_eq!(store.running().gateway.hostname, "one");
    assert_eq!(store.rollback(1).expect("kept").config().gateway.hostname, "three");
}

#[test]
fn rollback_beyond_the_history_names_the_range() {
    let (_root, dir) = store_dir();
    let mut store = open(&dir);
    commit_hostname(&mut store, "one", T0);
    let error = store.rollback(2).expect_err("only two revisions");
    assert!(
        matches!(&error, StoreError::RollbackOutOfRange { requested: 2, available } if *available == (0..=1)),
        "{error:?}"
    );
    assert_eq!(error.to_string(), "rollback 2: the history keeps rollback 0 to 1");
    assert!(store.rollback(usize::MAX).is_err());
    assert!(store.compare_rollback(5, store.running()).is_err());
}

#[test]
fn the_history_keeps_the_last_n_revisions() {
    let (_root, dir) = store_dir();
    let mut store = open_keeping(&dir, 3);
    for i in 0..6u64 {
        commit_hostname(&mut store, &format!("edge-{i}"), T0 + i);
    }
    let numbers: Vec<u64> = store.history().iter().map(|r| r.number).collect();
    assert_eq!(numbers, [7, 6, 5]);
    assert_eq!(store.rollback(2).expect("kept").config().gateway.hostname, "edge-3");
    assert!(matches!(store.rollback(3), Err(StoreError::RollbackOutOfRange { .. })));
    drop(store);
    let store = open_keeping(&dir, 3);
    let numbers: Vec<u64> = store.history().iter().map(|r| r.number).collect();
    assert_eq!(numbers, [7, 6, 5], "trimmed on disk too");
    assert_eq!(store.rollback(2).expect("kept").config().gateway.hostname, "edge-3");
}

#[test]
fn keeping_one_revision_still_commits_and_reverts() {
    let (_root, dir) = store_dir();
    let mut store = open_keeping(&dir, 1);
    commit_hostname(&mut store, "one", T0);
    assert_eq!(store.history().len(), 1);
    store.commit_confirmed(&common::with_hostname(&store, "two"), 1, "alice", None, T0).expect("commits");
    assert_eq!(store.history().len(), 1);
    store.tick(T0 + 60).expect("tick").expect("reverts");
    assert_eq!(store.running().gateway.hostname, "one");
    drop(store);
    let store = open_keeping(&dir, 1);
    assert_eq!((store.revision(), store.history().len()), (4, 1));
}

#[test]
fn the_default_history_is_rollback_0_to_49() {
    assert_eq!(KEEP_DEFAULT.get(), 50);
    let (_root, dir) = store_dir();
    let mut store = open(&dir);
    for i in 0..60u64 {
        commit_hostname(&mut store, &format!("edge-{i}"), T0 + i);
    }
    assert_eq!(store.history().len(), 50);
    assert_eq!(store.rollback(49).expect("kept").config().gateway.hostname, "edge-10");
    assert!(store.rollback(50).is_err());
}

#[test]
fn history_is_newest_first_with_who_when_and_comment() {
    let (_root, dir) = store_dir();
    let mut store = open(&dir);
    commit_hostname(&mut store, "one", T0);
    commit_hostname(&mut store, "two", T0 + 60);
    let history = store.history();
    let summary: Vec<(u64, u64, &str, Option<&str>)> =
        history.iter().map(|r| (r.number, r.committed_at, r.who.as_str(), r.comment.as_deref())).collect();
    assert_eq!(
        summary,
        [
            (3, T0 + 60, "admin", Some("hostname two")),
            (2, T0, "admin", Some("hostname one")),
            (1, 0, "system", Some("first revision")),
        ]
    );
}
