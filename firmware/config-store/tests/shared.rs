//! The shared store: every new running configuration (commit, commit confirmed, the revert
//! of an unconfirmed one) is published, in order; a refused commit publishes nothing; a
//! poisoned lock is taken over.

mod common;

use common::{T0, open, store_dir, with_hostname};
use postern_config_store::{RevisionKind, SharedStore};
use std::sync::Arc;

#[test]
fn commits_and_the_automatic_revert_are_published_and_refusals_are_not() {
    let (_root, dir) = store_dir();
    let shared = SharedStore::new(open(&dir));
    let mut published = shared.subscribe();
    assert_eq!(published.borrow_and_update().gateway.hostname, shared.lock().running().gateway.hostname);

    let candidate = with_hostname(&shared.lock(), "edge-1");
    shared.lock().commit(&candidate, "alice", None, T0).expect("commits");
    assert!(published.has_changed().expect("sender alive"), "a commit is published");
    assert_eq!(published.borrow_and_update().gateway.hostname, "edge-1");

    let unchanged = shared.lock().candidate();
    assert!(shared.lock().commit(&unchanged, "alice", None, T0 + 1).is_err(), "nothing to commit");
    assert!(!published.has_changed().expect("sender alive"), "a refused commit publishes nothing");

    let candidate = with_hostname(&shared.lock(), "trial");
    shared.lock().commit_confirmed(&candidate, 1, "alice", None, T0 + 2).expect("commits");
    assert_eq!(published.borrow_and_update().gateway.hostname, "trial", "a commit confirmed is published");

    assert_eq!(shared.tick(T0 + 61).expect("tick"), None, "not before the deadline");
    assert!(!published.has_changed().expect("sender alive"));
    let reverted = shared.tick(T0 + 62).expect("tick").expect("reverted at the deadline");
    assert_eq!(reverted.kind, RevisionKind::AutomaticRollback { reverted: 3 });
    assert!(published.has_changed().expect("sender alive"), "the revert is published");
    assert_eq!(published.borrow_and_update().gateway.hostname, "edge-1");
    assert_eq!(shared.tick(T0 + 3600).expect("tick"), None, "reverted once");
}

#[test]
fn a_panic_while_the_store_is_locked_does_not_lock_everyone_out() {
    let (_root, dir) = store_dir();
    let shared = Arc::new(SharedStore::new(open(&dir)));
    let holder = shared.clone();
    let panicked = std::thread::spawn(move || {
        let _held = holder.lock();
        panic!("a session fails while it holds the store");
    })
    .join();
    assert!(panicked.is_err(), "the holder panicked");
    let candidate = with_hostname(&shared.lock(), "after-panic");
    shared.lock().commit(&candidate, "alice", None, T0).expect("the store is still usable");
    assert_eq!(shared.subscribe().borrow().gateway.hostname, "after-panic");
}
