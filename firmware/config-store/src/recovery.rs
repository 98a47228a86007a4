//! Opening the history and reading it back; when it is damaged, moving it aside (never
//! deleting it) and starting a new history from the mirror of the running configuration.

use crate::error::{Damage, StoreError};
use crate::history::{History, ReadFailure, StoredRevision};
use crate::mirror::{Mirror, Seal, fs_error, read_mirror, read_seal};
use crate::revision::{Pending, PendingConfirmation, RevisionInfo, RevisionKind};
use postern_config::Config;
use postern_sled_guard::{OpenFailure, Recovered, RecoveryError, open_or_move_aside};
use std::path::{Path, PathBuf};

/// The history's directory inside the store directory.
pub(crate) const HISTORY_DIR: &str = "history";
/// Who the store's own revisions are recorded as committed by.
pub(crate) const SYSTEM: &str = "system";

/// A damaged history was found at open, moved aside and replaced by a new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// Where the damaged history directory now is.
    pub moved_to: PathBuf,
    /// What was wrong with it.
    pub damage: Damage,
    /// Whether the running configuration came from the mirror file (`true`) or, with the
    /// mirror absent or unreadable too, from the initial configuration (`false`).
    pub from_mirror: bool,
}

/// The state of a history after open.
pub(crate) struct Loaded {
    pub(crate) history: History,
    /// The newest revision: the running one.
    pub(crate) newest: RevisionInfo,
    /// The other kept revisions, oldest first.
    pub(crate) older: Vec<RevisionInfo>,
    pub(crate) running: Config,
    pub(crate) pending: Option<Pending>,
    pub(crate) recovery: Option<Recovery>,
}

type Failure = OpenFailure<Damage>;

postern_sled_guard::engine_damage!(Damage);

enum Outcome {
    Existing(Box<Loaded>),
    Empty(History),
}

/// Opens the history in `dir`; an empty one starts with the mirror's configuration, or
/// `initial`; a damaged one is moved aside and a new one started from the mirror.
pub(crate) fn open_or_recover(dir: &Path, initial: &Config) -> Result<Loaded, StoreError> {
    let path = dir.join(HISTORY_DIR);
    let seal = read_seal(dir);
    let recovered = open_or_move_aside(&path, || load(&path, &seal), || History::open(&path).map_err(Failure::from));
    let (history, recovery) = match recovered {
        Ok(Recovered::Opened(Outcome::Existing(loaded))) => return Ok(*loaded),
        Ok(Recovered::Opened(Outcome::Empty(history))) => {
            let (running, _) = mirror_or(dir, initial);
            return start(history, running, seal.revision() + 1, RevisionKind::Initial, None);
        }
        Ok(Recovered::MovedAside { fresh, moved_to, damage }) => (fresh, (moved_to, damage)),
        Err(RecoveryError::Locked(source)) => return Err(locked(path, source)),
        Err(RecoveryError::MoveAside(e)) => return Err(fs_error(e)),
        Err(RecoveryError::Create { damage, failure }) => {
            return Err(StoreError::Create { path, damage, message: failure.to_string() });
        }
    };
    let (moved_to, damage) = recovery;
    let (running, from_mirror) = mirror_or(dir, initial);
    tracing::error!(
        path = %path.display(),
        moved_to = %moved_to.display(),
        damage = %damage,
        from_mirror,
        "configuration history is damaged: moved aside; starting a new history from the running configuration"
    );
    let recovery = Recovery { moved_to, damage, from_mirror };
    start(history, running, seal.revision() + 1, RevisionKind::Recovered, Some(recovery))
}

/// The mirror's configuration, or `initial` when there is none that loads; and whether
/// it came from the mirror.
fn mirror_or(dir: &Path, initial: &Config) -> (Config, bool) {
    match read_mirror(dir) {
        Mirror::Present(config) => (*config, true),
        Mirror::Absent => (initial.clone(), false),
        Mirror::Unreadable(error) => {
            tracing::error!(
                dir = %dir.display(),
                error = %error,
                "the running configuration's mirror does not load; using the initial configuration"
            );
            (initial.clone(), false)
        }
    }
}

/// Records `running` as revision `number`, the first of a new history.
fn start(
    history: History,
    running: Config,
    number: u64,
    kind: RevisionKind,
    recovery: Option<Recovery>,
) -> Result<Loaded, StoreError> {
    let comment = match &recovery {
        Some(r) => format!("history damaged ({}); started again", r.damage),
        None => "first revision".to_owned(),
    };
    let info =
        RevisionInfo { number, committed_at: 0, who: SYSTEM.to_owned(), comment: Some(comment), kind, confirms: None };
    let toml = running.to_toml_string().map_err(StoreError::Serialize)?;
    let revision = StoredRevision { info, toml };
    history.write(&revision, std::iter::empty(), None)?;
    Ok(Loaded { history, newest: revision.info, older: Vec::new(), running, pending: None, recovery })
}

fn locked(path: PathBuf, source: sled::Error) -> StoreError {
    StoreError::Locked { path, waited: postern_sled_guard::LOCK_WAIT, source }
}

fn inconsistent(reason: String) -> Failure {
    Failure::Damaged(Damage::Inconsistent { reason })
}

fn load(path: &Path, seal: &Seal) -> Result<Outcome, Failure> {
    let history = History::open(path).map_err(Failure::from)?;
    let contents = history.read_all().map_err(|failure| match failure {
        ReadFailure::Engine(error) => Failure::from(error),
        ReadFailure::Damaged(damage) => Failure::Damaged(damage),
    })?;
    let acknowledged = seal.revision();
    let mut revisions = contents.revisions;
    let Some(newest) = revisions.pop() else {
        if acknowledged > 0 {
            return Err(Failure::Damaged(Damage::LostCommits { newest: 0, acknowledged }));
        }
        if contents.pending.is_some() {
            return Err(inconsistent("a confirmation is pending in an empty history".into()));
        }
        return Ok(Outcome::Empty(history));
    };
    let newest_number = newest.info.number;
    if newest_number < acknowledged {
        return Err(Failure::Damaged(Damage::LostCommits { newest: newest_number, acknowledged }));
    }
    let running = Config::from_toml_str(&newest.toml)
        .map_err(|e| Failure::Damaged(Damage::BadRunning { revision: newest_number, reason: e.to_string() }))?;
    let pending = match contents.pending {
        None => None,
        Some(stored) if stored.revision != newest_number => {
            return Err(inconsistent(format!(
                "confirmation pending for revision {} but the newest is {newest_number}",
                stored.revision
            )));
        }
        Some(stored) => {
            let restore = Config::from_toml_str(&stored.restore_toml).map_err(|e| {
                inconsistent(format!("the configuration a pending confirmation restores does not load: {e}"))
            })?;
            Some(Pending {
                public: PendingConfirmation {
                    revision: stored.revision,
                    deadline: stored.deadline,
                    restores: stored.restores,
                },
                restore,
                restore_toml: stored.restore_toml,
            })
        }
    };
    Ok(Outcome::Existing(Box::new(Loaded {
        history,
        newest: newest.info,
        older: revisions.into_iter().map(|r| r.info).collect(),
        running,
        pending,
        recovery: None,
    })))
}
