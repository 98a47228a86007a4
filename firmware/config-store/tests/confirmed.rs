//! `commit confirmed N`: kept when confirmed in time, reverted at the deadline otherwise,
//! also across a restart.

mod common;

use common::{T0, commit_hostname, mirror, open, store_dir, with_hostname};
use postern_config_store::{CONFIRM_MINUTES, CommitError, PendingConfirmation, RevisionKind};

#[test]
fn a_confirmation_before_the_deadline_keeps_the_commit() {
    let (_root, dir) = store_dir();
    let mut store = open(&dir);
    let candidate = with_hostname(&store, "edge-1");
    let info = store.commit_confirmed(&candidate, 5, "alice", Some("try"), T0).expect("commits");
    assert_eq!(info.kind, RevisionKind::CommitConfirmed { deadline: T0 + 300 });
    assert_eq!(store.running().gateway.hostname, "edge-1", "it runs at once");
    assert_eq!(
        store.pending_confirmation(),
        Some(PendingConfirmation { revision: 2, deadline: T0 + 300, restores: 1 })
    );
    assert_eq!(store.tick(T0 + 299).expect("tick"), None);

    let confirm = store.candidate();
    let confirmed = store.commit(&confirm, "alice", None, T0 + 120).expect("a plain commit with no changes confirms");
    assert_eq!(confirmed.confirms, Some(2));
    assert_eq!(confirmed.number, 3);
    assert_eq!(store.pending_confirmation(), None);
    assert_eq!(store.tick(T0 + 10_000).expect("tick"), None, "nothing to revert");
    assert_eq!(store.running().gateway.hostname, "edge-1");
    assert!(matches!(store.commit(&store.candidate(), "alice", None, T0 + 10_001), Err(CommitError::NoChanges)));
}

#[test]
fn a_commit_with_changes_also_confirms() {
    let (_root, dir) = store_dir();
    let mut store = open(&dir);
    let candidate = with_hostname(&store, "edge-1");
    store.commit_confirmed(&candidate, 1, "alice", None, T0).expect("commits");
    let info = commit_hostname(&mut store, "edge-2", T0 + 30);
    assert_eq!(info.confirms, Some(2));
    assert_eq!(store.tick(T0 + 3_600).expect("tick"), None);
    assert_eq!(store.running().gateway.hostname, "edge-2");
}

#[test]
fn no_confirmation_reverts_at_the_deadline() {
    let (_root, dir) = store_dir();
    let mut store = open(&dir);
    commit_hostname(&mut store, "stable", T0);
    let before = store.running().clone();
    let candidate = with_hostname(&store, "risky");
    store.commit_confirmed(&candidate, 10, "alice", None, T0 + 1).expect("commits");
    let deadline = T0 + 1 + 600;
    assert_eq!(store.tick(deadline - 1).expect("tick"), None);
    assert_eq!(store.running().gateway.hostname, "risky");

    let revert = store.tick(deadline).expect("tick").expect("reverts at the deadline");
    assert_eq!(revert.number, 4);
    assert_eq!(revert.kind, RevisionKind::AutomaticRollback { reverted: 3 });
    assert_eq!(revert.who, "system");
    assert_eq!(revert.committed_at, deadline);
    assert!(revert.comment.as_deref().is_some_and(|c| c.contains("revision 2")));
    assert_eq!(store.running(), &before);
    assert_eq!(mirror(&dir), before);
    assert_eq!(store.pending_confirmation(), None);
    assert_eq!(store.tick(deadline + 1).expect("tick"), None, "reverts once");
    let kinds: Vec<RevisionKind> = store.history().iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [
            RevisionKind::AutomaticRollback { reverted: 3 },
            RevisionKind::CommitConfirmed { deadline },
            RevisionKind::Commit,
            RevisionKind::Initial
        ]
    );
}

#[test]
fn a_restart_inside_the_window_still_reverts() {
    let (_root, dir) = store_dir();
    let mut store = open(&dir);
    let candidate = with_hostname(&store, "risky");
    store.commit_confirmed(&candidate, 2, "alice", None, T0).expect("commits");
    drop(store);

    let mut store = open(&dir);
    assert_eq!(store.running().gateway.hostname, "risky");
    let pending = store.pending_confirmation().expect("still pending after a restart");
    assert_eq!((pending.revision, pending.deadline), (2, T0 + 120));
    assert_eq!(store.tick(T0 + 60).expect("tick"), None);
    let revert = store.tick(T0 + 120).expect("tick").expect("reverts");
    assert_eq!(revert.kind, RevisionKind::AutomaticRollback { reverted: 2 });
    assert_eq!(store.running().gateway.hostname, "postern");
    drop(store);

    let store = open(&dir);
    assert_eq!(store.pending_confirmation(), None, "the revert is durable");
    assert_eq!(store.running().gateway.hostname, "postern");
}

#[test]
fn a_restart_after_the_deadline_reverts_at_the_first_tick() {
    let (_root, dir) = store_dir();
    let mut store = open(&dir);
    store.commit_confirmed(&with_hostname(&store, "risky"), 1, "alice", None, T0).expect("commits");
    drop(store);
    let mut store = open(&dir);
    assert!(store.tick(T0 + 86_400).expect("tick").is_some());
    assert_eq!(store.running().gateway.hostname, "postern");
}

#[test]
fn a_second_commit_confirmed_extends_and_still_restores_the_first_base() {
    let (_root, dir) = store_dir();
    let mut store = open(&dir);
    store.commit_confirmed(&with_hostname(&store, "one"), 1, "alice", None, T0).expect("first");
    let second = store.commit_confirmed(&with_hostname(&store, "two"), 5, "alice", None, T0 + 30).expect("second");
    assert_eq!(second.number, 3);
    assert_eq!(
        store.pending_confirmation(),
        Some(PendingConfirmation { revision: 3, deadline: T0 + 330, restores: 1 })
    );
    assert_eq!(store.tick(T0 + 60).expect("tick"), None, "the first deadline is gone");
    let extend =
        store.commit_confirmed(&store.candidate(), 10, "alice", None, T0 + 300).expect("no changes extend the window");
    assert_eq!(extend.kind, RevisionKind::CommitConfirmed { deadline: T0 + 900 });
    assert_eq!(store.tick(T0 + 899).expect("tick"), None);
    let revert = store.tick(T0 + 900).expect("tick").expect("reverts");
    assert_eq!(revert.kind, RevisionKind::AutomaticRollback { reverted: 4 });
    assert_eq!(store.running().gateway.hostname, "postern");
}

#[test]
fn a_candidate_of_the_reverted_commit_conflicts() {
    let (_root, dir) = store_dir();
    let mut store = open(&dir);
    store.commit_confirmed(&with_hostname(&store, "risky"), 1, "alice", None, T0).expect("commits");
    let late = store.candidate();
    store.tick(T0 + 60).expect("tick").expect("reverts");
    let error = store.commit(&late, "alice", None, T0 + 61).expect_err("too late");
    assert!(matches!(&error, CommitError::Conflict { who, revision: 3, base: 2 } if who == "system"), "{error:?}");
}

#[test]
fn minutes_are_1_to_60() {
    let (_root, dir) = store_dir();
    let mut store = open(&dir);
    let candidate = with_hostname(&store, "edge-1");
    for minutes in [0, 61, u32::MAX] {
        let error = store.commit_confirmed(&candidate, minutes, "alice", None, T0).expect_err("out of range");
        assert!(matches!(error, CommitError::ConfirmMinutes { minutes: m, .. } if m == minutes), "{error:?}");
        assert!(error.to_string().contains("1 to 60"), "{error}");
    }
    assert_eq!(store.revision(), 1);
    let (shortest, longest) = (*CONFIRM_MINUTES.start(), *CONFIRM_MINUTES.end());
    store.commit_confirmed(&candidate, shortest, "alice", None, T0).expect("1 minute");
    assert_eq!(store.pending_confirmation().map(|p| p.deadline), Some(T0 + 60));
    store.commit_confirmed(&store.candidate(), longest, "alice", None, T0).expect("60 minutes");
    assert_eq!(store.pending_confirmation().map(|p| p.deadline), Some(T0 + 3_600));
}
