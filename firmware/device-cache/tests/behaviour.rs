//! What the cache acknowledges is kept across reopening; it stays within its capacity and
//! evicts the least recently used entries.

mod common;

use common::{eas, open, record, tunnel};
use postern_decision::{Channel, DeviceState, Provenance};
use postern_device_cache::{CacheError, CachedState, Opened};

#[test]
fn acknowledged_writes_survive_reopening() {
    let root = tempfile::tempdir().expect("temp dir");
    let path = root.path().join("cache");
    {
        let mut cache = open(&path, 100).cache;
        cache.upsert(&eas("A1"), &record(DeviceState::Allowed, 10)).expect("upsert");
        cache.upsert(&eas("A1"), &record(DeviceState::Blocked, 20)).expect("update");
        cache.upsert(&eas("Gone"), &record(DeviceState::Allowed, 30)).expect("upsert");
        assert!(cache.remove(&eas("Gone")).expect("remove"));
        assert!(!cache.remove(&eas("Never")).expect("remove absent"));
        let batch = vec![
            (tunnel("uem-1", "com.example.mail"), record(DeviceState::Quarantined, 40)),
            (eas("B2"), record(DeviceState::Wiped, 41)),
        ];
        assert!(cache.upsert_batch(&batch).expect("batch").is_empty());
    }
    let Opened { cache, recovery, evicted_at_open } = open(&path, 100);
    assert!(recovery.is_none());
    assert_eq!(evicted_at_open, 0);
    assert_eq!(cache.len(), 3);
    let blocked = CachedState { state: DeviceState::Blocked, provenance: Provenance::Uem, user_tag: 0, uem_tag: 0 };
    assert_eq!(cache.lookup(&eas("A1")), Some(blocked));
    assert_eq!(cache.record(&eas("A1")).expect("read"), Some(record(DeviceState::Blocked, 20)));
    assert_eq!(cache.lookup(&eas("Gone")), None);
    assert_eq!(cache.record(&eas("Gone")).expect("read"), None);
    assert_eq!(cache.lookup(&eas("B2")).map(|s| s.state), Some(DeviceState::Wiped));
    let t = tunnel("uem-1", "com.example.mail");
    assert_eq!(cache.record(&t).expect("read"), Some(record(DeviceState::Quarantined, 40)));
}

#[test]
fn evicts_the_least_recently_used_entry_from_memory_and_disk() {
    let root = tempfile::tempdir().expect("temp dir");
    let path = root.path().join("cache");
    let mut cache = open(&path, 3).cache;
    for (i, id) in ["A", "B", "C"].into_iter().enumerate() {
        assert!(cache.upsert(&eas(id), &record(DeviceState::Allowed, i as u64)).expect("upsert").is_empty());
    }
    assert!(cache.touch(&eas("A")));
    assert!(!cache.touch(&eas("Z")));
    let evicted = cache.upsert(&eas("D"), &record(DeviceState::Allowed, 9)).expect("upsert");
    assert_eq!(evicted, vec![eas("B")]);
    assert_eq!(cache.len(), 3);
    assert_eq!(cache.lookup(&eas("B")), None);
    drop(cache);
    let cache = open(&path, 3).cache;
    assert_eq!(cache.record(&eas("B")).expect("read"), None, "eviction is persisted too");
    assert_eq!(cache.len(), 3);
}

#[test]
fn a_batch_evicts_only_entries_it_does_not_name() {
    let root = tempfile::tempdir().expect("temp dir");
    let mut cache = open(&root.path().join("cache"), 3).cache;
    for (i, id) in ["A", "B", "C"].into_iter().enumerate() {
        cache.upsert(&eas(id), &record(DeviceState::Allowed, i as u64)).expect("upsert");
    }
    // "A" is the least recently used, but the batch names it, so it stays.
    let batch = vec![(eas("A"), record(DeviceState::Blocked, 5)), (eas("D"), record(DeviceState::Allowed, 6))];
    assert_eq!(cache.upsert_batch(&batch).expect("batch"), vec![eas("B")]);
    assert_eq!(cache.lookup(&eas("A")).map(|s| s.state), Some(DeviceState::Blocked));
    let too_big: Vec<_> = ["P", "Q", "R", "S"].iter().map(|id| (eas(id), record(DeviceState::Allowed, 1))).collect();
    assert!(matches!(cache.upsert_batch(&too_big), Err(CacheError::BatchTooLarge { distinct: 4, capacity: 3 })));
    assert_eq!(cache.len(), 3, "a refused batch changes nothing");
    assert!(cache.lookup(&eas("P")).is_none());
}

#[test]
fn after_a_restart_the_least_recently_written_go_first() {
    let root = tempfile::tempdir().expect("temp dir");
    let path = root.path().join("cache");
    {
        let mut cache = open(&path, 10).cache;
        // Written in key order, but with write times that put "C" oldest and "A" newest.
        for (id, ms) in [("A", 300), ("B", 200), ("C", 100), ("D", 250)] {
            cache.upsert(&eas(id), &record(DeviceState::Allowed, ms)).expect("upsert");
        }
    }
    let Opened { mut cache, evicted_at_open, .. } = open(&path, 3);
    assert_eq!(evicted_at_open, 1);
    assert_eq!(cache.lookup(&eas("C")), None, "the oldest write was dropped to fit the smaller capacity");
    let evicted = cache.upsert(&eas("E"), &record(DeviceState::Allowed, 400)).expect("upsert");
    assert_eq!(evicted, vec![eas("B")]);
    drop(cache);
    assert_eq!(open(&path, 3).cache.len(), 3);
}

#[test]
fn app_tunnels_are_listed_most_recent_first_up_to_a_limit() {
    let root = tempfile::tempdir().expect("temp dir");
    let mut cache = open(&root.path().join("cache"), 10).cache;
    cache.upsert(&tunnel("u1", "app.one"), &record(DeviceState::Allowed, 1)).expect("upsert");
    cache.upsert(&eas("E1"), &record(DeviceState::Allowed, 2)).expect("upsert");
    cache.upsert(&tunnel("u2", "app.two"), &record(DeviceState::Blocked, 3)).expect("upsert");
    cache.upsert(&tunnel("u3", "app.three"), &record(DeviceState::Allowed, 4)).expect("upsert");
    cache.touch(&tunnel("u1", "app.one"));
    let keys: Vec<_> = cache.app_tunnels(10).expect("list").into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, vec![tunnel("u1", "app.one"), tunnel("u3", "app.three"), tunnel("u2", "app.two")]);
    let two = cache.app_tunnels(2).expect("list");
    assert_eq!(two.len(), 2);
    assert_eq!(two[1].1, record(DeviceState::Allowed, 4));
    let devices = cache.entries(Channel::ActiveSync, 10).expect("list");
    assert_eq!(devices, vec![(eas("E1"), record(DeviceState::Allowed, 2))]);
}

#[test]
fn clear_empties_the_cache_durably() {
    let root = tempfile::tempdir().expect("temp dir");
    let path = root.path().join("cache");
    {
        let mut cache = open(&path, 10).cache;
        cache.upsert(&eas("A"), &record(DeviceState::Allowed, 1)).expect("upsert");
        cache.upsert(&tunnel("u", "app"), &record(DeviceState::Allowed, 1)).expect("upsert");
        cache.clear().expect("clear");
        assert!(cache.is_empty());
        cache.upsert(&eas("B"), &record(DeviceState::Blocked, 2)).expect("upsert after clear");
    }
    let Opened { cache, recovery, .. } = open(&path, 10);
    assert!(recovery.is_none());
    assert_eq!(cache.len(), 1);
    assert_eq!(cache.lookup(&eas("A")), None);
    assert_eq!(cache.capacity().get(), 10);
}

#[test]
fn a_resize_that_shrinks_evicts_the_least_recently_used_durably_and_one_that_grows_keeps_all() {
    let root = tempfile::tempdir().expect("temp dir");
    let path = root.path().join("cache");
    let mut cache = open(&path, 4).cache;
    for (i, id) in ["A", "B", "C", "D"].into_iter().enumerate() {
        cache.upsert(&eas(id), &record(DeviceState::Allowed, i as u64)).expect("upsert");
    }
    assert!(cache.touch(&eas("A")));
    let evicted = cache.resize(std::num::NonZeroU32::new(2).expect("non-zero")).expect("resize");
    assert_eq!(evicted, vec![eas("B"), eas("C")]);
    assert_eq!((cache.len(), cache.capacity().get()), (2, 2));
    let evicted = cache.resize(std::num::NonZeroU32::new(10).expect("non-zero")).expect("resize");
    assert!(evicted.is_empty());
    cache.upsert(&eas("E"), &record(DeviceState::Allowed, 9)).expect("upsert");
    assert_eq!(cache.len(), 3, "a grown cache takes new entries without evicting");
    drop(cache);
    let cache = open(&path, 10).cache;
    assert_eq!(cache.record(&eas("B")).expect("read"), None, "the shrink's evictions are persisted");
    assert!(cache.lookup(&eas("A")).is_some() && cache.lookup(&eas("D")).is_some());
}

#[test]
fn entries_are_found_by_their_uem_device_across_writes_evictions_and_reopening() {
    use postern_decision::UemDeviceId;
    use postern_device_cache::{DeviceRecord, uem_tag};
    let of = |uem: &str, state: DeviceState| {
        let mut r: DeviceRecord = record(state, 1);
        r.identity.uem_device_id = Some(UemDeviceId::new(uem).expect("id"));
        r
    };
    let tag = |uem: &str| uem_tag(Some(&UemDeviceId::new(uem).expect("id")));
    let keys = |cache: &postern_device_cache::DeviceCache, uem: &str| {
        let mut keys: Vec<String> =
            cache.entries_by_uem_tag(tag(uem)).expect("read").iter().map(|(k, _)| k.to_string()).collect();
        keys.sort();
        keys
    };
    let root = tempfile::tempdir().expect("temp dir");
    let path = root.path().join("cache");
    {
        let mut cache = open(&path, 4).cache;
        cache.upsert(&eas("A1"), &of("uem-a", DeviceState::Allowed)).expect("upsert");
        cache.upsert(&tunnel("uem-a", "com.example.mail"), &of("uem-a", DeviceState::Allowed)).expect("upsert");
        cache.upsert(&eas("B1"), &of("uem-b", DeviceState::Allowed)).expect("upsert");
        cache.upsert(&eas("N1"), &record(DeviceState::Allowed, 1)).expect("no UEM device id");
        assert_eq!(keys(&cache, "uem-a").len(), 2);
        assert_eq!(cache.uem_tags(), [tag("uem-a"), tag("uem-b")].into_iter().collect());
        // A record that now names another UEM device moves to that device.
        cache.upsert(&eas("B1"), &of("uem-c", DeviceState::Blocked)).expect("update");
        assert!(keys(&cache, "uem-b").is_empty());
        assert_eq!(keys(&cache, "uem-c").len(), 1);
    }
    let mut cache = open(&path, 4).cache;
    assert_eq!(keys(&cache, "uem-a").len(), 2, "rebuilt from the store at open");
    assert_eq!(keys(&cache, "uem-c").len(), 1);
    assert!(cache.remove(&eas("A1")).expect("remove"));
    assert_eq!(keys(&cache, "uem-a").len(), 1);
    // An eviction takes the entry out of its device's list too.
    cache.upsert(&eas("X1"), &of("uem-x", DeviceState::Allowed)).expect("upsert");
    cache.upsert(&eas("X2"), &of("uem-x", DeviceState::Allowed)).expect("evicts the least recent");
    assert_eq!(cache.len(), 4);
    let listed: usize = ["uem-a", "uem-c", "uem-x"].iter().map(|u| keys(&cache, u).len()).sum();
    let without_device = usize::from(cache.lookup(&eas("N1")).is_some());
    assert_eq!(listed, cache.len() - without_device, "every cached entry with a UEM device is listed once");
    assert_eq!(cache.entries_by_uem_tag(0).expect("read").len(), 0, "tag 0 is no device");
}
