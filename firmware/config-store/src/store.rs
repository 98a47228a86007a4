//! The store: the running configuration, its kept history, candidates, rollback and diff.

use crate::candidate::Candidate;
use crate::diff::{Diff, diff};
use crate::error::StoreError;
use crate::history::History;
use crate::mirror::{Mirror, Seal, read_mirror, read_seal, write_mirror, write_seal};
use crate::recovery::{Loaded, Recovery, open_or_recover};
use crate::revision::{Pending, PendingConfirmation, RevisionInfo};
use postern_config::Config;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

/// Revisions kept by default: `rollback 0` to `rollback 49`.
pub const KEEP_DEFAULT: NonZeroUsize = NonZeroUsize::new(50).expect("50 is not zero");

/// The configuration store of one gateway: the running configuration, every kept
/// revision, and a pending `commit confirmed`. One process opens it at a time.
pub struct ConfigStore {
    pub(crate) dir: PathBuf,
    pub(crate) history: History,
    pub(crate) keep: NonZeroUsize,
    /// The running revision.
    pub(crate) newest: RevisionInfo,
    /// The other kept revisions, oldest first.
    pub(crate) older: Vec<RevisionInfo>,
    pub(crate) running: Config,
    pub(crate) pending: Option<Pending>,
}

/// An opened store, and what was done if its history was damaged.
pub struct Opened {
    /// The store.
    pub store: ConfigStore,
    /// Set when the history was damaged, moved aside and started again.
    pub recovery: Option<Recovery>,
}

impl ConfigStore {
    /// Opens the store in `dir` (created if needed), keeping [`KEEP_DEFAULT`] revisions.
    /// A store with no history starts one: revision 1 is the configuration in
    /// `dir/running.toml` if there is one, otherwise `initial`. A damaged history is moved
    /// aside and a new one started from `running.toml`. Call [`ConfigStore::tick`] next: a
    /// `commit confirmed` pending before a restart may be due.
    pub fn open(dir: &Path, initial: Config) -> Result<Opened, StoreError> {
        Self::open_keeping(dir, initial, KEEP_DEFAULT)
    }

    /// As [`ConfigStore::open`], keeping the last `keep` revisions.
    pub fn open_keeping(dir: &Path, initial: Config, keep: NonZeroUsize) -> Result<Opened, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
            op: "create the store directory",
            path: dir.to_path_buf(),
            source,
        })?;
        let Loaded { history, newest, older, running, pending, recovery } = open_or_recover(dir, &initial)?;
        let store = Self { dir: dir.to_path_buf(), history, keep, newest, older, running, pending };
        store.reconcile_files();
        Ok(Opened { store, recovery })
    }

    /// Brings the mirror and the seal in line with the history (after an interrupted
    /// commit, a lost mirror or a new history). Failures are logged: commits report them.
    fn reconcile_files(&self) {
        match read_mirror(&self.dir) {
            Mirror::Present(config) if *config == self.running => {}
            found => {
                if matches!(found, Mirror::Present(_)) {
                    tracing::warn!(
                        revision = self.revision(),
                        "the running configuration's mirror differs from the history (an interrupted commit); rewriting it"
                    );
                }
                if let Err(e) = write_mirror(&self.dir, &self.running) {
                    tracing::error!(error = %e, "cannot write the running configuration's mirror");
                }
            }
        }
        if read_seal(&self.dir) != Seal::Revision(self.revision()) {
            if let Err(e) = write_seal(&self.dir, self.revision()) {
                tracing::error!(error = %e, "cannot record the committed revision number");
            }
        }
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The running configuration: the newest revision.
    pub fn running(&self) -> &Config {
        &self.running
    }

    /// The running revision's number.
    pub fn revision(&self) -> u64 {
        self.newest.number
    }

    /// How many revisions are kept at most.
    pub fn keep(&self) -> NonZeroUsize {
        self.keep
    }

    /// The kept revisions, newest (`rollback 0`) first.
    pub fn history(&self) -> Vec<RevisionInfo> {
        std::iter::once(&self.newest).chain(self.older.iter().rev()).cloned().collect()
    }

    /// The pending `commit confirmed`, if one awaits confirmation.
    pub fn pending_confirmation(&self) -> Option<PendingConfirmation> {
        self.pending.as_ref().map(|p| p.public.clone())
    }

    /// A new candidate: a copy of the running configuration.
    pub fn candidate(&self) -> Candidate {
        Candidate::new(self.revision(), self.running.clone(), self.running.clone())
    }

    /// `rollback n`: a new candidate holding the configuration of `n` commits back (0 is
    /// the running one), to review with a diff and then commit. Nothing changes until
    /// that commit.
    pub fn rollback(&self, n: usize) -> Result<Candidate, StoreError> {
        let config = self.revision_config(n)?;
        Ok(Candidate::new(self.revision(), self.running.clone(), config))
    }

    /// The configuration of `n` commits back (0 is the running one).
    pub fn revision_config(&self, n: usize) -> Result<Config, StoreError> {
        let number = self.number_back(n)?;
        if n == 0 {
            return Ok(self.running.clone());
        }
        let stored = self.history.revision(number)?;
        Config::from_toml_str(&stored.toml)
            .map_err(|source| StoreError::RevisionUnreadable { revision: number, source })
    }

    /// What committing `candidate` would change in the running configuration.
    pub fn compare_candidate(&self, candidate: &Candidate) -> Result<Diff, StoreError> {
        diff(&self.running, candidate.config()).map_err(StoreError::Serialize)
    }

    /// What changed from the configuration of `n` commits back to `config` (the running
    /// configuration, or a candidate).
    pub fn compare_rollback(&self, n: usize, config: &Config) -> Result<Diff, StoreError> {
        diff(&self.revision_config(n)?, config).map_err(StoreError::Serialize)
    }

    /// The revision number of `n` commits back.
    fn number_back(&self, n: usize) -> Result<u64, StoreError> {
        if n == 0 {
            return Ok(self.newest.number);
        }
        self.older
            .len()
            .checked_sub(n)
            .and_then(|index| self.older.get(index))
            .map(|r| r.number)
            .ok_or(StoreError::RollbackOutOfRange { requested: n, available: 0..=self.older.len() })
    }
}
