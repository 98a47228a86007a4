//! A damaged cache on disk is reported, moved aside (never deleted) and replaced by an
//! empty, working cache.

mod common;

use common::{eas, open, record, tunnel};
use postern_decision::DeviceState;
use postern_device_cache::{CacheError, Damage, DeviceCache, Opened, StoredKey};
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A cache directory holding `n` acknowledged records, closed again.
fn populated(root: &Path, n: u64) -> PathBuf {
    let path = root.join("cache");
    let Opened { mut cache, recovery, .. } = open(&path, 10_000);
    assert!(recovery.is_none());
    for i in 0..n {
        cache.upsert(&eas(&format!("D{i}")), &record(DeviceState::Allowed, i)).expect("upsert");
    }
    cache.upsert(&tunnel("uem-1", "com.example.app"), &record(DeviceState::Blocked, n)).expect("upsert");
    path
}

/// Opens the damaged cache and checks the recovery contract; returns the damage found.
///
/// `exact` names a file that must be kept byte for byte. sled rewrites a damaged log tail
/// while it opens, before any damage can be seen, so only files it has not touched (its
/// configuration, the seal) can be compared exactly; the others must still be there.
fn recover(path: &Path, exact: Option<(&str, Vec<u8>)>) -> Damage {
    let seal = std::fs::read(path.join("postern-seal")).expect("seal exists before the damage is found");
    let Opened { mut cache, recovery, .. } = open(path, 10_000);
    let recovery = recovery.expect("damage must be reported");
    assert_eq!(recovery.moved_to, path.with_file_name("cache.corrupt-1"));
    assert!(recovery.moved_to.is_dir(), "damaged copy must be kept");
    assert!(recovery.moved_to.join("db").exists(), "damaged data file must be kept");
    assert_eq!(std::fs::read(recovery.moved_to.join("postern-seal")).expect("seal kept"), seal);
    if let Some((file, bytes)) = exact {
        let kept = std::fs::read(recovery.moved_to.join(file)).expect("damaged file kept");
        assert_eq!(kept, bytes, "damaged file must be kept as it was");
    }
    assert!(cache.is_empty(), "the replacement cache starts empty");
    assert_eq!(cache.lookup(&eas("D0")), None);
    cache.upsert(&eas("After"), &record(DeviceState::Blocked, 1)).expect("new cache takes writes");
    drop(cache);
    let Opened { cache, recovery: again, .. } = open(path, 10_000);
    assert!(again.is_none(), "the replacement cache is healthy");
    assert_eq!(cache.len(), 1);
    let mut second_config = common::config(path, 10_000);
    second_config.lock_wait = Duration::from_millis(200);
    let second = DeviceCache::open(&second_config);
    assert!(matches!(second, Err(CacheError::Locked { .. })), "a second handle is refused, not recovered");
    assert!(!path.with_file_name("cache.corrupt-2").exists());
    recovery.damage
}

fn overwrite(path: &Path, bytes: &[u8]) -> Vec<u8> {
    std::fs::write(path, bytes).expect("overwrite");
    bytes.to_vec()
}

#[test]
fn garbage_over_the_data_file_is_recovered() {
    let root = tempfile::tempdir().expect("temp dir");
    let path = populated(root.path(), 300);
    let len = std::fs::metadata(path.join("db")).expect("db exists").len();
    let garbage: Vec<u8> = (0..len).map(|i| (i.wrapping_mul(2_654_435_761) >> 7) as u8).collect();
    overwrite(&path.join("db"), &garbage);
    let damage = recover(&path, None);
    assert!(!matches!(damage, Damage::BadKey { .. } | Damage::BadRecord { .. }), "{damage:?}");
}

#[test]
fn garbage_over_the_config_file_is_recovered() {
    let root = tempfile::tempdir().expect("temp dir");
    let path = populated(root.path(), 10);
    let kept = overwrite(&path.join("conf"), b"\xff\x00not a sled config\x13\x37");
    recover(&path, Some(("conf", kept)));
}

#[test]
fn a_flipped_region_inside_the_data_file_is_recovered() {
    let root = tempfile::tempdir().expect("temp dir");
    let path = populated(root.path(), 300);
    let mut bytes = std::fs::read(path.join("db")).expect("read db");
    let at = bytes.len() / 3;
    bytes[at..at + 64].iter_mut().for_each(|b| *b ^= 0x5a);
    overwrite(&path.join("db"), &bytes);
    recover(&path, None);
}

#[test]
fn a_truncated_data_file_is_recovered() {
    let root = tempfile::tempdir().expect("temp dir");
    let path = populated(root.path(), 300);
    let file = OpenOptions::new().write(true).open(path.join("db")).expect("open db");
    let len = file.metadata().expect("metadata").len();
    file.set_len(len / 2).expect("truncate");
    drop(file);
    // sled reads a truncated log as a torn tail and opens without error: only the seal
    // shows that acknowledged writes are gone.
    let damage = recover(&path, None);
    assert!(matches!(damage, Damage::LostWrites { sealed_seq: 301, .. }), "{damage:?}");
}

#[test]
fn a_directory_where_the_data_file_should_be_is_recovered() {
    let root = tempfile::tempdir().expect("temp dir");
    let path = populated(root.path(), 10);
    std::fs::remove_file(path.join("db")).expect("remove db");
    std::fs::create_dir(path.join("db")).expect("make dir");
    let damage = recover(&path, None);
    assert!(matches!(damage, Damage::Storage { .. }), "{damage:?}");
    assert!(path.with_file_name("cache.corrupt-1").join("db").is_dir());
}

#[test]
fn a_file_where_the_cache_directory_should_be_is_recovered() {
    let root = tempfile::tempdir().expect("temp dir");
    let path = root.path().join("cache");
    std::fs::write(&path, b"not a directory").expect("write file");
    let Opened { cache, recovery, .. } = open(&path, 10);
    let recovery = recovery.expect("damage must be reported");
    assert_eq!(std::fs::read(&recovery.moved_to).expect("kept"), b"not a directory");
    assert!(cache.is_empty());
}

#[test]
fn a_missing_seal_is_reported() {
    let root = tempfile::tempdir().expect("temp dir");
    let path = populated(root.path(), 5);
    std::fs::remove_file(path.join("postern-seal")).expect("remove seal");
    let Opened { recovery, .. } = open(&path, 10);
    assert_eq!(recovery.map(|r| r.damage), Some(Damage::SealMissing));
}

#[test]
fn an_undecodable_record_is_reported() {
    let root = tempfile::tempdir().expect("temp dir");
    let path = populated(root.path(), 5);
    {
        let config = sled::Config::new().path(&path);
        let db = postern_sled_guard::open(&config, postern_sled_guard::LOCK_WAIT).expect("raw open");
        let key = eas("D3").encode().expect("key encodes");
        db.insert(key.as_slice(), &b"\x09future format"[..]).expect("raw insert");
        db.flush().expect("raw flush");
    }
    let Opened { cache, recovery, .. } = open(&path, 10);
    let damage = recovery.map(|r| r.damage);
    assert!(matches!(damage, Some(Damage::BadRecord { ref key, .. }) if key == "activesync:D3"), "{damage:?}");
    assert!(cache.is_empty());
}

#[test]
fn repeated_recoveries_keep_every_damaged_copy() {
    let root = tempfile::tempdir().expect("temp dir");
    let path = root.path().join("cache");
    for n in 1..=3 {
        drop(open(&path, 10));
        overwrite(&path.join("conf"), format!("garbage {n}").as_bytes());
        let Opened { recovery, .. } = open(&path, 10);
        let moved_to = recovery.expect("damage reported").moved_to;
        assert_eq!(moved_to, root.path().join(format!("cache.corrupt-{n}")));
    }
    for n in 1..=3 {
        let kept = std::fs::read(root.path().join(format!("cache.corrupt-{n}/conf"))).expect("kept");
        assert_eq!(kept, format!("garbage {n}").as_bytes());
    }
}
