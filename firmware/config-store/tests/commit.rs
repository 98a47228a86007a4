//! `commit`: validation, conflicts, empty commits, and what a commit records.

mod common;

use common::{T0, commit_hostname, mirror, open, store_dir, with_hostname};
use postern_config::Config;
use postern_config_store::{COMMENT_MAX, CommitError, ConfigStore, RevisionKind};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[test]
fn a_new_store_starts_at_revision_1_with_the_initial_configuration() {
    let (_root, dir) = store_dir();
    let demo = Config::demo();
    let store = ConfigStore::open(&dir, demo.clone()).expect("opens").store;
    assert_eq!(store.revision(), 1);
    assert_eq!(store.running(), &demo);
    let history = store.history();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].kind, RevisionKind::Initial);
    assert_eq!(history[0].who, "system");
    assert_eq!(mirror(&dir), demo, "the mirror is written at once");
    assert_eq!(store.pending_confirmation(), None);
}

#[test]
fn a_commit_becomes_the_running_configuration_and_is_recorded() {
    let (_root, dir) = store_dir();
    let mut store = open(&dir);
    let mut candidate = store.candidate();
    assert!(!candidate.is_changed());
    candidate.config_mut().gateway.hostname = "edge-1".into();
    candidate.config_mut().device_cache.size = 5000;
    assert!(candidate.is_changed());
    assert_eq!(store.running(), &Config::default(), "a candidate changes nothing");

    let info = store.commit(&candidate, "alice", Some("rename"), T0).expect("commits");
    assert_eq!(info.number, 2);
    assert_eq!(info.committed_at, T0);
    assert_eq!(info.who, "alice");
    assert_eq!(info.comment.as_deref(), Some("rename"));
    assert_eq!(info.kind, RevisionKind::Commit);
    assert_eq!(info.confirms, None);
    assert_eq!(store.revision(), 2);
    assert_eq!(store.running(), candidate.config());
    assert_eq!(&mirror(&dir), candidate.config());
    assert_eq!(store.history()[0], info);
}

#[test]
fn an_invalid_candidate_is_refused_naming_every_setting_and_nothing_changes() {
    let (_root, dir) = store_dir();
    let mut store = open(&dir);
    commit_hostname(&mut store, "edge-1", T0);
    let before = (store.revision(), store.running().clone(), store.history());
    let mirror_before = std::fs::read(dir.join("running.toml")).expect("mirror");

    let mut candidate = store.candidate();
    candidate.config_mut().gateway.hostname = "bad_host".into();
    candidate.config_mut().uem.checkins.compliance_interval_secs = 1;
    let error = store.commit(&candidate, "alice", None, T0 + 10).expect_err("invalid");
    let CommitError::Invalid(errors) = &error else {
        panic!("expected Invalid, got {error:?}");
    };
    assert!(errors.get("gateway.hostname").is_some(), "{errors}");
    assert!(errors.get("uem.checkins.compliance_interval_secs").is_some(), "{errors}");
    let message = error.to_string();
    assert!(message.contains("gateway.hostname: "), "{message}");
    assert!(message.contains("uem.checkins.compliance_interval_secs: 1 is below the minimum 5"), "{message}");

    let confirmed = store.commit_confirmed(&candidate, 5, "alice", None, T0 + 10);
    assert!(matches!(confirmed, Err(CommitError::Invalid(_))), "{confirmed:?}");
    assert_eq!((store.revision(), store.running().clone(), store.history()), before);
    assert_eq!(store.pending_confirmation(), None);
    assert_eq!(std::fs::read(dir.join("running.toml")).expect("mirror"), mirror_before);
    drop(store);
    assert_eq!(open(&dir).revision(), 2, "nothing was stored");
}

#[test]
fn an_unchanged_candidate_has_nothing_to_commit() {
    let (_root, dir) = store_dir();
    let mut store = open(&dir);
    let candidate = store.candidate();
    assert!(matches!(store.commit(&candidate, "alice", None, T0), Err(CommitError::NoChanges)));
    assert!(matches!(store.commit_confirmed(&candidate, 5, "alice", None, T0), Err(CommitError::NoChanges)));
    let mut reverted = with_hostname(&store, "edge-1");
    reverted.config_mut().gateway.hostname = Config::default().gateway.hostname;
    assert!(matches!(store.commit(&reverted, "alice", None, T0), Err(CommitError::NoChanges)));
    assert_eq!(store.revision(), 1);
}

#[test]
fn a_second_session_committing_first_makes_the_other_conflict() {
    let (_root, dir) = store_dir();
    let mut store = open(&dir);
    let alice = with_hostname(&store, "alice-edge");
    let mut bob = store.candidate();
    bob.config_mut().device_cache.size = 42;
    store.commit(&alice, "alice", None, T0).expect("alice first");

    let error = store.commit(&bob, "bob", None, T0 + 5).expect_err("conflict");
    assert!(matches!(&error, CommitError::Conflict { who, revision: 2, base: 1 } if who == "alice"), "{error:?}");
    assert_eq!(
        error.to_string(),
        "configuration changed by alice at revision 2 since your edit began (at revision 1); nothing was committed"
    );
    assert!(matches!(store.commit_confirmed(&bob, 1, "bob", None, T0 + 5), Err(CommitError::Conflict { .. })));
    assert_eq!(store.running().gateway.hostname, "alice-edge");
    assert_eq!(store.revision(), 2);

    let mut again = store.candidate();
    again.config_mut().device_cache.size = 42;
    store.commit(&again, "bob", None, T0 + 6).expect("a fresh candidate commits");
    assert_eq!(store.running().gateway.hostname, "alice-edge");
    assert_eq!(store.running().device_cache.size, 42);
}

#[test]
fn no_conflict_when_the_running_configuration_came_back_to_the_base() {
    let (_root, dir) = store_dir();
    let mut store = open(&dir);
    let mut old = store.candidate();
    old.config_mut().device_cache.size = 7;
    commit_hostname(&mut store, "edge-1", T0);
    let back = store.rollback(1).expect("rollback 1");
    store.commit(&back, "alice", None, T0 + 1).expect("back to revision 1");
    assert_eq!(store.revision(), 3);
    let info = store.commit(&old, "bob", None, T0 + 2).expect("no conflict");
    assert_eq!(info.number, 4);
}

#[test]
fn who_and_comment_are_bounded_text() {
    let (_root, dir) = store_dir();
    let mut store = open(&dir);
    let candidate = with_hostname(&store, "edge-1");
    let long = "c".repeat(COMMENT_MAX + 1);
    let cases = [
        ("", None, "who"),
        ("al\u{1b}ice", None, "who"),
        ("alice", Some("two\nlines"), "comment"),
        ("alice", Some(long.as_str()), "comment"),
        ("alice", Some(""), "comment"),
    ];
    for (who, comment, field) in cases {
        let error = store.commit(&candidate, who, comment, T0).expect_err("refused");
        assert!(
            matches!(&error, CommitError::BadText { field: f, .. } if *f == field),
            "{who:?} {comment:?}: {error:?}"
        );
    }
    assert_eq!(store.revision(), 1);
    let fits = "c".repeat(COMMENT_MAX);
    store.commit(&candidate, "alice", Some(&fits), T0).expect("at the limit");
}

#[test]
fn commits_survive_reopening() {
    let (_root, dir) = store_dir();
    let mut store = open(&dir);
    commit_hostname(&mut store, "edge-1", T0);
    commit_hostname(&mut store, "edge-2", T0 + 60);
    let history = store.history();
    let running = store.running().clone();
    drop(store);
    let store = open(&dir);
    assert_eq!(store.revision(), 3);
    assert_eq!(store.running(), &running);
    assert_eq!(store.history(), history);
}

#[test]
fn a_second_open_of_the_same_store_waits_then_is_refused_by_path_not_recovered() {
    let (_root, dir) = store_dir();
    let _store = open(&dir);
    let started = Instant::now();
    let second = ConfigStore::open(&dir, Config::default());
    let waited = started.elapsed();
    let Err(error) = second else { panic!("a held store must not open twice") };
    assert!(matches!(error, postern_config_store::StoreError::Locked { .. }), "{error}");
    assert!(waited >= postern_sled_guard::LOCK_WAIT, "the lock is waited for, bounded: gave up after {waited:?}");
    let message = error.to_string();
    assert!(message.contains(&dir.display().to_string()), "{message}");
    assert!(message.contains("still locked after 5s"), "{message}");
    assert!(!dir.join("history.corrupt-1").exists());
}

#[test]
fn a_store_released_by_another_thread_while_waiting_is_opened() {
    let (_root, dir) = store_dir();
    let mut store = open(&dir);
    commit_hostname(&mut store, "edge-9", T0);
    let (held_tx, held_rx) = mpsc::channel();
    // Timed from before the holder exists: it lets go at least 300 ms later however the
    // threads are scheduled.
    let started = Instant::now();
    let holder = std::thread::spawn(move || {
        held_tx.send(()).expect("test thread listens");
        std::thread::sleep(Duration::from_millis(300));
        drop(store);
    });
    held_rx.recv().expect("holder started");
    let reopened = open(&dir);
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "the store was held, so opening must have waited: {:?}",
        started.elapsed()
    );
    assert_eq!(reopened.running().gateway.hostname, "edge-9");
    holder.join().expect("holder");
}

#[test]
fn drop_and_reopen_at_once_always_opens() {
    let (_root, dir) = store_dir();
    for i in 0..20u64 {
        let mut store = open(&dir);
        commit_hostname(&mut store, &format!("edge-{i}"), T0 + i);
    }
    assert_eq!(open(&dir).revision(), 21);
}
