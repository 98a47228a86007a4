//! Opening sled stores defensively: panics inside the engine caught, a held lock told from
//! damage, and a lock that a just-dropped handle still holds waited out (bounded).

mod recovery;

pub use recovery::{EngineDamage, OpenFailure, Recovered, RecoveryError, guarded, open_or_move_aside};

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

/// How long [`open`] waits, by default, for a store's lock to be released.
///
/// sled 0.34 releases its file lock only when its background thread lets go of the last
/// handle, some time after `drop` returns; a store reopened at once in the same process
/// can find it still held for a moment.
pub const LOCK_WAIT: Duration = Duration::from_secs(5);

/// The longest pause between two attempts while waiting for a lock.
const MAX_PAUSE: Duration = Duration::from_millis(100);

/// Runs `f`, turning a panic inside it (sled panics on some damaged files) into
/// `Err(message)`.
pub fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-text panic payload".to_owned())
    })
}

/// Whether sled refused to open the store because another handle holds its lock (a store
/// in use is not a damaged store). sled 0.34 has no error kind for it, only the text.
pub fn is_locked(error: &sled::Error) -> bool {
    matches!(error, sled::Error::Io(e) if e.to_string().contains("could not acquire lock"))
}

/// Opens the store `config` describes. While its lock is held, tries again (pausing 5 ms,
/// then longer, up to 100 ms) until `wait` has passed; then returns the lock error, which
/// [`is_locked`] recognises. Any other error is returned at once.
pub fn open(config: &sled::Config, wait: Duration) -> Result<sled::Db, sled::Error> {
    let deadline = Instant::now() + wait;
    let mut pause = Duration::from_millis(5);
    loop {
        match config.open() {
            Err(error) if is_locked(&error) => {
                let now = Instant::now();
                if now >= deadline {
                    return Err(error);
                }
                std::thread::sleep(pause.min(deadline - now));
                pause = (pause * 2).min(MAX_PAUSE);
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn a_panic_becomes_its_message() {
        assert_eq!(catch_panic(|| 7), Ok(7));
        let caught = catch_panic(|| -> u8 { std::panic::panic_any(String::from("broken page")) });
        assert_eq!(caught, Err("broken page".to_owned()));
    }

    #[test]
    fn a_second_open_is_a_lock_not_damage() {
        let dir = tempfile::tempdir().expect("temp dir");
        let _first = sled::open(dir.path()).expect("first open");
        let second = sled::open(dir.path()).expect_err("the store is held");
        assert!(is_locked(&second), "{second}");
    }

    /// A store held by another thread: `open` waits for it, then gets it.
    #[test]
    fn open_waits_for_a_lock_released_in_time() {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = sled::Config::new().path(dir.path());
        let (held_tx, held_rx) = mpsc::channel();
        let holder = {
            let config = config.clone();
            std::thread::spawn(move || {
                let db = config.open().expect("holder opens");
                held_tx.send(()).expect("main thread listens");
                std::thread::sleep(Duration::from_millis(300));
                drop(db);
            })
        };
        held_rx.recv().expect("holder opened the store");
        let started = Instant::now();
        let db = open(&config, Duration::from_secs(60)).expect("opens once the holder lets go");
        assert!(
            started.elapsed() >= Duration::from_millis(250),
            "the store was held, so the open must have waited: {:?}",
            started.elapsed()
        );
        db.insert(b"k", b"v").expect("the store works");
        holder.join().expect("holder thread");
    }

    /// A store held for longer than the bound: `open` gives up after the bound with the
    /// lock error, not earlier and not as damage.
    #[test]
    fn open_gives_up_after_the_bound() {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = sled::Config::new().path(dir.path());
        let (held_tx, held_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let holder = {
            let config = config.clone();
            std::thread::spawn(move || {
                let db = config.open().expect("holder opens");
                held_tx.send(()).expect("main thread listens");
                let _ = release_rx.recv();
                drop(db);
            })
        };
        held_rx.recv().expect("holder opened the store");
        let started = Instant::now();
        let error = open(&config, Duration::from_millis(400)).expect_err("still held");
        let waited = started.elapsed();
        release_tx.send(()).expect("holder listens");
        holder.join().expect("holder thread");
        assert!(is_locked(&error), "{error}");
        assert!(waited >= Duration::from_millis(400), "gave up early: {waited:?}");
    }
}
