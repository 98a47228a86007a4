//! Opening sled stores defensively: panics inside the engine caught, a held lock told from damage.

use std::panic::{AssertUnwindSafe, catch_unwind};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
