//! Helpers shared by the store's tests.
#![allow(dead_code)]

use postern_config::Config;
use postern_config_store::{Candidate, ConfigStore, Opened, RevisionInfo};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

/// A fixed start of the test clock, in Unix seconds.
pub(crate) const T0: u64 = 1_750_000_000;

/// A store directory inside a fresh temporary directory.
pub(crate) fn store_dir() -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().expect("temp dir");
    let dir = root.path().join("config");
    (root, dir)
}

/// Opens the store in `dir` with the defaults as the initial configuration; it must be
/// healthy.
pub(crate) fn open(dir: &Path) -> ConfigStore {
    let Opened { store, recovery } = ConfigStore::open(dir, Config::default()).expect("opens");
    assert_eq!(recovery, None, "no damage expected");
    store
}

/// Opens the store in `dir` keeping `keep` revisions.
pub(crate) fn open_keeping(dir: &Path, keep: usize) -> ConfigStore {
    let keep = NonZeroUsize::new(keep).expect("not zero");
    ConfigStore::open_keeping(dir, Config::default(), keep).expect("opens").store
}

/// A candidate from `store` with the host name set to `hostname`.
pub(crate) fn with_hostname(store: &ConfigStore, hostname: &str) -> Candidate {
    let mut candidate = store.candidate();
    candidate.config_mut().gateway.hostname = hostname.to_owned();
    candidate
}

/// Commits the host name `hostname` as `who` at `now`.
pub(crate) fn commit_hostname(store: &mut ConfigStore, hostname: &str, now: u64) -> RevisionInfo {
    let candidate = with_hostname(store, hostname);
    store.commit(&candidate, "admin", Some(&format!("hostname {hostname}")), now).expect("commits")
}

/// The configuration in the store's mirror file.
pub(crate) fn mirror(dir: &Path) -> Config {
    Config::load(&dir.join("running.toml")).expect("the mirror loads")
}
