//! Reopening a cache that another handle still holds: opening waits for the lock, bounded,
//! and then reports the held cache by its path (never as damage).

mod common;

use common::{config, eas, open, record};
use postern_decision::DeviceState;
use postern_device_cache::{CacheError, DeviceCache};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Opens the cache at `path` in a thread and holds it until told to let go.
fn hold(path: &std::path::Path) -> (mpsc::Sender<()>, std::thread::JoinHandle<()>) {
    let (held_tx, held_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let path = path.to_path_buf();
    let holder = std::thread::spawn(move || {
        let opened = open(&path, 100);
        held_tx.send(()).expect("test thread listens");
        let _ = release_rx.recv();
        drop(opened);
    });
    held_rx.recv().expect("the holder opened the cache");
    (release_tx, holder)
}

#[test]
fn a_cache_released_while_waiting_is_opened() {
    let root = tempfile::tempdir().expect("temp dir");
    let path = root.path().join("cache");
    {
        let mut cache = open(&path, 100).cache;
        cache.upsert(&eas("Kept"), &record(DeviceState::Allowed, 1)).expect("upsert");
    }
    let (release, holder) = hold(&path);
    // Timed from before the releaser exists: the cache is let go at least 300 ms later
    // however the threads are scheduled.
    let started = Instant::now();
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        release.send(()).expect("holder listens");
    });
    let mut waiting = config(&path, 100);
    waiting.lock_wait = Duration::from_secs(60);
    let opened = DeviceCache::open(&waiting).expect("opens once the holder lets go");
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "the cache was held, so opening must have waited: {:?}",
        started.elapsed()
    );
    assert!(opened.recovery.is_none(), "a held cache is not damaged");
    assert!(opened.cache.lookup(&eas("Kept")).is_some());
    releaser.join().expect("releaser");
    holder.join().expect("holder");
}

#[test]
fn a_cache_held_past_the_bound_is_reported_by_its_path() {
    let root = tempfile::tempdir().expect("temp dir");
    let path = root.path().join("cache");
    let (release, holder) = hold(&path);
    let mut waiting = config(&path, 100);
    waiting.lock_wait = Duration::from_millis(400);
    let started = Instant::now();
    let error = DeviceCache::open(&waiting).err().expect("still held");
    let waited = started.elapsed();
    release.send(()).expect("holder listens");
    holder.join().expect("holder");
    assert!(matches!(error, CacheError::Locked { .. }), "{error}");
    assert!(waited >= Duration::from_millis(400), "gave up early: {waited:?}");
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("still locked after 400ms"), "{message}");
    assert!(!root.path().join("cache.corrupt-1").exists(), "nothing moved aside");
}

/// Dropping a cache and opening it again at once, many times: the reopen always succeeds
/// (sled lets go of its lock in the background, after `drop` returns).
#[test]
fn drop_and_reopen_at_once_always_opens() {
    let root = tempfile::tempdir().expect("temp dir");
    let path = root.path().join("cache");
    for i in 0..20u64 {
        let mut cache = open(&path, 100).cache;
        cache.upsert(&eas(&format!("D{i}")), &record(DeviceState::Allowed, i)).expect("upsert");
        assert_eq!(cache.len() as u64, i + 1);
    }
}
