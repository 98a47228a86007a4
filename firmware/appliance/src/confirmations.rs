//! The automatic revert of a `commit confirmed` that was not confirmed in time: the daemon
//! asks every [`CHECK_EVERY`]. The store makes the revert and publishes the restored
//! configuration to the services (which apply it); the TLS identity is applied here, and
//! the revert is logged.

use postern_config::Config;
use postern_config_store::SharedStore;
use std::time::Duration;

/// How often the daemon asks: a revert takes effect within this of its deadline (deadlines
/// are whole seconds). Asking costs a lock and a comparison while nothing is pending.
pub(crate) const CHECK_EVERY: Duration = Duration::from_millis(250);

/// Reverts an unconfirmed `commit confirmed` whose deadline has passed at `now` (Unix
/// seconds), then serves the restored TLS identity with `apply_tls`. Returns the revert's
/// revision, if one was made. Failures are logged: the next call tries again.
pub(crate) fn revert_if_due(
    store: &SharedStore,
    apply_tls: impl FnOnce(&Config) -> Result<(), String>,
    now: u64,
) -> Option<u64> {
    let reverted = match store.tick(now) {
        Ok(Some(info)) => info,
        Ok(None) => return None,
        Err(error) => {
            tracing::error!(%error, "reverting an unconfirmed commit failed; retried at the next check");
            return None;
        }
    };
    tracing::warn!(
        revision = reverted.number,
        who = %reverted.who,
        "commit confirmed was not confirmed in time: configuration rolled back and applied"
    );
    let running = store.lock().running().clone();
    if let Err(reason) = apply_tls(&running) {
        tracing::error!(%reason, "the rolled-back TLS certificate could not be applied; the previous one is still served");
    }
    Some(reverted.number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use postern_config_store::{ConfigStore, RevisionKind};
    use std::cell::RefCell;

    const T0: u64 = 1_800_000_000;

    #[test]
    fn a_due_revert_is_published_and_its_tls_identity_applied_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let opened = ConfigStore::open(&dir.path().join("config"), Config::default()).expect("store");
        let store = SharedStore::new(opened.store);
        let before = store.lock().running().clone();
        let mut candidate = store.lock().candidate();
        candidate.config_mut().gateway.hostname = "trial".into();
        candidate.config_mut().tls.min_version = postern_config::TlsVersion::Tls13;
        store.lock().commit_confirmed(&candidate, 1, "alice", None, T0).expect("commits");
        let mut published = store.subscribe();
        published.borrow_and_update();
        let applied = RefCell::new(Vec::new());
        let apply = |config: &Config| {
            applied.borrow_mut().push(config.clone());
            Ok(())
        };

        assert_eq!(revert_if_due(&store, apply, T0 + 59), None, "not before the deadline");
        assert!(applied.borrow().is_empty() && !published.has_changed().expect("sender alive"));

        let revision = revert_if_due(&store, apply, T0 + 60).expect("reverted at the deadline");
        let history = store.lock().history();
        assert_eq!((history[0].number, history[0].kind), (revision, RevisionKind::AutomaticRollback { reverted: 2 }));
        assert!(published.has_changed().expect("sender alive"), "the services are told");
        assert_eq!(**published.borrow_and_update(), before);
        assert_eq!(*applied.borrow(), [before], "the restored TLS identity is applied");

        let failing = |_: &Config| Err("unreadable".to_owned());
        assert_eq!(revert_if_due(&store, failing, T0 + 3600), None, "nothing more to revert");
        assert_eq!(applied.borrow().len(), 1);
    }
}
