//! A bounded map whose entries expire: Postern's pending AuthnRequests and the assertion
//! ids already used. When full, expired entries go first; an unexpired one is never dropped
//! to make room (the insert is refused instead), so nothing that still matters is forgotten.

use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// The store is full of entries that have not expired.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{what} store full ({capacity} unexpired entries)")]
pub struct StoreFull {
    /// What the store holds.
    pub what: &'static str,
    /// Its capacity.
    pub capacity: usize,
}

/// A map from ids to values, each until its expiry, holding at most `capacity` entries.
#[derive(Debug)]
pub struct ExpiringStore<V> {
    what: &'static str,
    capacity: usize,
    entries: HashMap<String, (DateTime<Utc>, V)>,
}

impl<V> ExpiringStore<V> {
    /// An empty store named `what` (for errors) holding at most `capacity` entries.
    pub fn new(what: &'static str, capacity: usize) -> Self {
        Self { what, capacity, entries: HashMap::new() }
    }

    /// Number of entries, expired or not.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the store holds no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether `key` is held and unexpired at `now`.
    pub fn contains(&self, key: &str, now: DateTime<Utc>) -> bool {
        self.entries.get(key).is_some_and(|(expires, _)| now < *expires)
    }

    /// The value of `key` if held and unexpired at `now`.
    pub fn get(&self, key: &str, now: DateTime<Utc>) -> Option<&V> {
        self.entries.get(key).filter(|(expires, _)| now < *expires).map(|(_, value)| value)
    }

    /// How many unexpired entries at `now` satisfy `predicate`.
    pub fn count_live(&self, now: DateTime<Utc>, predicate: impl Fn(&V) -> bool) -> usize {
        self.entries.values().filter(|(expires, value)| now < *expires && predicate(value)).count()
    }

    /// Holds `value` under `key` until `expires`; refuses when full of unexpired entries.
    pub fn insert(
        &mut self,
        key: String,
        expires: DateTime<Utc>,
        value: V,
        now: DateTime<Utc>,
    ) -> Result<(), StoreFull> {
        if self.entries.len() >= self.capacity && !self.entries.contains_key(&key) {
            self.entries.retain(|_, (expiry, _)| now < *expiry);
            if self.entries.len() >= self.capacity {
                return Err(StoreFull { what: self.what, capacity: self.capacity });
            }
        }
        self.entries.insert(key, (expires, value));
        Ok(())
    }

    /// Removes `key` and returns its value if it had not expired at `now`.
    pub fn take(&mut self, key: &str, now: DateTime<Utc>) -> Option<V> {
        self.entries.remove(key).filter(|(expires, _)| now < *expires).map(|(_, value)| value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn entries_expire_and_are_taken_once() {
        let now = Utc::now();
        let mut store = ExpiringStore::new("test", 4);
        store.insert("a".into(), now + TimeDelta::seconds(10), 1, now).expect("room");
        assert!(store.contains("a", now));
        assert!(!store.contains("a", now + TimeDelta::seconds(10)));
        assert_eq!(store.take("a", now), Some(1));
        assert_eq!(store.take("a", now), None);
        store.insert("b".into(), now + TimeDelta::seconds(10), 2, now).expect("room");
        assert_eq!(store.take("b", now + TimeDelta::seconds(11)), None);
    }

    #[test]
    fn a_full_store_drops_expired_entries_but_never_live_ones() {
        let now = Utc::now();
        let mut store = ExpiringStore::new("test", 2);
        store.insert("old".into(), now + TimeDelta::seconds(1), (), now).expect("room");
        store.insert("live".into(), now + TimeDelta::seconds(60), (), now).expect("room");
        let later = now + TimeDelta::seconds(5);
        store.insert("new".into(), now + TimeDelta::seconds(60), (), later).expect("expired one dropped");
        assert_eq!(store.len(), 2);
        assert_eq!(
            store.insert("more".into(), now + TimeDelta::seconds(60), (), later),
            Err(StoreFull { what: "test", capacity: 2 })
        );
        assert!(store.contains("live", later) && store.contains("new", later));
    }
}
