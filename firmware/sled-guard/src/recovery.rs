//! The one move-aside recovery of the sled stores (device cache, configuration history):
//! open and read back; a store in use is an error, a damaged one is moved aside (never
//! deleted) and a fresh one opened in its place.

use std::path::{Path, PathBuf};

use crate::catch_panic;
use crate::is_locked;

/// A store's own description of damage, which must be able to describe the storage
/// engine's failures too.
pub trait EngineDamage: Sized {
    /// The engine returned an error while opening or reading.
    fn storage(message: String) -> Self;
    /// The engine panicked while opening or reading.
    fn panicked(message: String) -> Self;
}

/// Implements [`EngineDamage`] for a damage enum with `Storage { message }` and
/// `Panicked { message }` variants.
#[macro_export]
macro_rules! engine_damage {
    ($damage:ty) => {
        impl $crate::EngineDamage for $damage {
            fn storage(message: String) -> Self {
                Self::Storage { message }
            }

            fn panicked(message: String) -> Self {
                Self::Panicked { message }
            }
        }
    };
}

/// Why a store did not open: another handle holds it, or it is damaged.
#[derive(Debug)]
pub enum OpenFailure<D> {
    /// Another handle holds the store's lock: the store is in use, not damaged.
    Locked(sled::Error),
    /// The store is damaged; `D` says how.
    Damaged(D),
}

impl<D: EngineDamage> From<sled::Error> for OpenFailure<D> {
    fn from(error: sled::Error) -> Self {
        if is_locked(&error) { OpenFailure::Locked(error) } else { OpenFailure::Damaged(D::storage(error.to_string())) }
    }
}

/// Runs `f`, turning a panic of the storage engine into damage.
pub fn guarded<T, D: EngineDamage>(f: impl FnOnce() -> Result<T, OpenFailure<D>>) -> Result<T, OpenFailure<D>> {
    catch_panic(f).unwrap_or_else(|message| Err(OpenFailure::Damaged(D::panicked(message))))
}

/// What [`open_or_move_aside`] did.
#[derive(Debug)]
pub enum Recovered<T, F, D> {
    /// The store opened and read back.
    Opened(T),
    /// It was damaged: moved aside, and a fresh store opened in its place.
    MovedAside {
        /// The fresh store.
        fresh: F,
        /// Where the damaged store now is.
        moved_to: PathBuf,
        /// What was wrong with it.
        damage: D,
    },
}

/// Why recovery could not give a usable store.
#[derive(Debug)]
pub enum RecoveryError<D> {
    /// Another handle holds the store (at the first open or the fresh one).
    Locked(sled::Error),
    /// The damaged store could not be moved aside.
    MoveAside(postern_durable_fs::FsError),
    /// The fresh store could not be created either.
    Create {
        /// The damage found first.
        damage: D,
        /// Why the fresh store failed.
        failure: D,
    },
}

/// Opens a store with `load` (each panic caught); when it is damaged, moves `path` aside
/// and opens a fresh store with `fresh`.
pub fn open_or_move_aside<T, F, D: EngineDamage>(
    path: &Path,
    load: impl FnOnce() -> Result<T, OpenFailure<D>>,
    fresh: impl FnOnce() -> Result<F, OpenFailure<D>>,
) -> Result<Recovered<T, F, D>, RecoveryError<D>> {
    let damage = match guarded(load) {
        Ok(loaded) => return Ok(Recovered::Opened(loaded)),
        Err(OpenFailure::Locked(error)) => return Err(RecoveryError::Locked(error)),
        Err(OpenFailure::Damaged(damage)) => damage,
    };
    let moved_to = postern_durable_fs::move_aside(path).map_err(RecoveryError::MoveAside)?;
    match guarded(fresh) {
        Ok(fresh) => Ok(Recovered::MovedAside { fresh, moved_to, damage }),
        Err(OpenFailure::Locked(error)) => Err(RecoveryError::Locked(error)),
        Err(OpenFailure::Damaged(failure)) => Err(RecoveryError::Create { damage, failure }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Eq)]
    enum Toy {
        Storage(String),
        Panicked(String),
        Bad,
    }

    impl EngineDamage for Toy {
        fn storage(message: String) -> Self {
            Toy::Storage(message)
        }
        fn panicked(message: String) -> Self {
            Toy::Panicked(message)
        }
    }

    #[test]
    fn a_damaged_store_is_moved_aside_and_replaced_and_a_sound_one_is_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("store");
        std::fs::create_dir(&path).expect("dir");
        let kept: Result<Recovered<u8, u8, Toy>, _> = open_or_move_aside(&path, || Ok(1), || Ok(2));
        assert!(matches!(kept, Ok(Recovered::Opened(1))));
        assert!(path.is_dir(), "a sound store stays where it is");

        let recovered = open_or_move_aside::<u8, u8, Toy>(&path, || Err(OpenFailure::Damaged(Toy::Bad)), || Ok(2));
        let Ok(Recovered::MovedAside { fresh, moved_to, damage }) = recovered else {
            panic!("recovered: {recovered:?}")
        };
        assert_eq!((fresh, damage), (2, Toy::Bad));
        assert!(moved_to.is_dir() && !path.exists(), "the damaged store is kept beside, never deleted");
    }

    #[test]
    fn a_panic_is_damage_and_a_failing_fresh_store_reports_both() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("store");
        std::fs::create_dir(&path).expect("dir");
        let result =
            open_or_move_aside::<u8, u8, Toy>(&path, || panic!("engine bug"), || Err(OpenFailure::Damaged(Toy::Bad)));
        let Err(RecoveryError::Create { damage, failure }) = result else { panic!("{result:?}") };
        assert_eq!((damage, failure), (Toy::Panicked("engine bug".into()), Toy::Bad));
    }
}
