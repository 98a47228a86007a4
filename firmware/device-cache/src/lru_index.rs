//! A bounded, in-memory least-recently-used index: a hash table of `u32` slot numbers over
//! a slab of slots that form an intrusive doubly linked list (most recent at the head).
//!
//! Every operation is O(1). The structure does no I/O; the persistent cache drives it.

use core::borrow::Borrow;
use core::hash::{BuildHasher, Hash};
use core::num::NonZeroU32;
use hashbrown::HashTable;
use std::hash::RandomState;

/// Marks the end of a list (no slot).
const NIL: u32 = u32::MAX;

/// The largest capacity an index accepts: slot numbers are `u32` and `u32::MAX` is reserved.
pub const MAX_INDEX_CAPACITY: u32 = u32::MAX - 1;

struct Slot<K, V> {
    /// `None` while the slot is on the free list.
    entry: Option<(K, V)>,
    prev: u32,
    next: u32,
}

/// What [`LruIndex::insert`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted<K, V> {
    /// The key was present; its previous value is returned and it is now the most recent.
    Updated(V),
    /// The key was new; when the index was full, the least recently used entry was evicted.
    Added {
        /// The entry evicted to make room, if any.
        evicted: Option<(K, V)>,
    },
}

/// A bounded map that remembers the order in which its keys were last used and evicts the
/// least recently used key when a new key arrives while it is full. Entries can also be
/// found by a group tag their value carries (see [`LruIndex::grouped`]).
pub struct LruIndex<K, V> {
    slots: Vec<Slot<K, V>>,
    table: HashTable<u32>,
    /// Slot numbers by the group tag of their value (tag 0: in no group).
    groups: HashTable<u32>,
    group_of: fn(&V) -> u64,
    hasher: RandomState,
    head: u32,
    tail: u32,
    free: u32,
    len: u32,
    capacity: NonZeroU32,
}

impl<K: Hash + Eq, V> LruIndex<K, V> {
    /// An empty index that holds at most `capacity` entries (capped at [`MAX_INDEX_CAPACITY`]).
    pub fn new(capacity: NonZeroU32) -> Self {
        Self::grouped(capacity, |_| 0)
    }

    /// An empty index whose entries can also be listed by `group_of(value)`, a tag (0 for
    /// none) that many keys may share; [`LruIndex::iter_group`] lists them in O(group size).
    pub fn grouped(capacity: NonZeroU32, group_of: fn(&V) -> u64) -> Self {
        let capacity = NonZeroU32::new(capacity.get().min(MAX_INDEX_CAPACITY)).unwrap_or(NonZeroU32::MIN);
        Self {
            slots: Vec::new(),
            table: HashTable::new(),
            groups: HashTable::new(),
            group_of,
            hasher: RandomState::new(),
            head: NIL,
            tail: NIL,
            free: NIL,
            len: 0,
            capacity,
        }
    }

    /// Makes room for `additional` more entries without reallocating (never beyond the
    /// capacity).
    pub fn reserve(&mut self, additional: usize) {
        let room = (self.capacity.get() - self.len) as usize;
        let additional = additional.min(room);
        self.slots.reserve(additional);
        let Self { table, slots, hasher, .. } = self;
        table.reserve(additional, |&i| slot_hash(hasher, slots, i));
    }

    /// How many entries the index holds.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether the index holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The most entries the index holds before it evicts.
    pub fn capacity(&self) -> NonZeroU32 {
        self.capacity
    }

    /// The value for `key`, without changing its recency.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let at = self.find(key)?;
        self.entry(at).map(|(_, v)| v)
    }

    /// Whether `key` is present.
    pub fn contains<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.find(key).is_some()
    }

    /// Marks `key` as the most recently used; returns whether it was present.
    pub fn touch<Q>(&mut self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self.find(key) {
            Some(at) => {
                self.unlink(at);
                self.push_front(at);
                true
            }
            None => false,
        }
    }

    /// Marks `key` as the most recently used and lets `update` change its value in place;
    /// returns whether it was present.
    pub fn touch_with<Q>(&mut self, key: &Q, update: impl FnOnce(&mut V)) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let Some(at) = self.find(key) else { return false };
        self.unlink(at);
        self.push_front(at);
        let group_of = self.group_of;
        let tags = self.slots.get_mut(at as usize).and_then(|slot| slot.entry.as_mut()).map(|(_, v)| {
            let before = group_of(v);
            update(v);
            (before, group_of(v))
        });
        if let Some((before, after)) = tags.filter(|(before, after)| before != after) {
            self.ungroup(at, before);
            self.group(at, after);
        }
        true
    }

    /// Inserts or replaces the value for `key` and makes it the most recently used.
    pub fn insert(&mut self, key: K, value: V) -> Inserted<K, V> {
        if let Some(at) = self.find::<K>(&key) {
            self.unlink(at);
            self.push_front(at);
            let group = (self.group_of)(&value);
            let old = self
                .slots
                .get_mut(at as usize)
                .and_then(|slot| slot.entry.as_mut())
                .map(|(_, v)| core::mem::replace(v, value));
            if let Some(old) = &old {
                let before = (self.group_of)(old);
                if before != group {
                    self.ungroup(at, before);
                    self.group(at, group);
                }
            }
            // `find` only returns occupied slots, so `old` is always there.
            return match old {
                Some(old) => Inserted::Updated(old),
                None => Inserted::Added { evicted: None },
            };
        }
        let evicted = if self.len >= self.capacity.get() { self.pop_lru() } else { None };
        let hash = self.hasher.hash_one(&key);
        let group = (self.group_of)(&value);
        let at = self.allocate(key, value);
        let Self { table, slots, hasher, .. } = self;
        table.insert_unique(hash, at, |&i| slot_hash(hasher, slots, i));
        self.group(at, group);
        self.push_front(at);
        self.len += 1;
        Inserted::Added { evicted }
    }

    /// Removes `key`; returns its value if it was present.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hasher.hash_one(key);
        let Self { table, slots, .. } = self;
        let found = table.find_entry(hash, |&i| slot_key_is(slots, i, key)).ok()?;
        let (at, _) = found.remove();
        self.release(at).map(|(_, v)| v)
    }

    /// Removes and returns the least recently used entry.
    pub fn pop_lru(&mut self) -> Option<(K, V)> {
        let at = self.tail;
        let (key, _) = self.entry(at)?;
        let hash = self.hasher.hash_one(key);
        let Self { table, .. } = self;
        if let Ok(found) = table.find_entry(hash, |&i| i == at) {
            found.remove();
        }
        self.release(at)
    }

    /// Changes the capacity; when it shrinks below the entries held, the least recently
    /// used go first and are returned.
    pub fn set_capacity(&mut self, capacity: NonZeroU32) -> Vec<(K, V)> {
        let mut evicted = Vec::new();
        while self.len > capacity.get() {
            match self.pop_lru() {
                Some(entry) => evicted.push(entry),
                None => break,
            }
        }
        self.capacity = capacity;
        evicted
    }

    /// Removes every entry; the capacity stays.
    pub fn clear(&mut self) {
        self.slots.clear();
        self.table.clear();
        self.groups.clear();
        self.head = NIL;
        self.tail = NIL;
        self.free = NIL;
        self.len = 0;
    }

    /// Entries from the most to the least recently used.
    pub fn iter_mru(&self) -> Walk<'_, K, V> {
        Walk { index: self, at: self.head, towards_tail: true }
    }

    /// Entries from the least to the most recently used (the eviction order).
    pub fn iter_lru(&self) -> Walk<'_, K, V> {
        Walk { index: self, at: self.tail, towards_tail: false }
    }

    /// The entries whose value's group tag is `tag` (none for tag 0), in no set order.
    pub fn iter_group(&self, tag: u64) -> impl Iterator<Item = (&K, &V)> {
        let group_of = self.group_of;
        let hash = if tag == 0 { None } else { Some(mix(tag)) };
        hash.into_iter()
            .flat_map(|hash| self.groups.iter_hash(hash))
            .filter_map(|&at| self.entry(at))
            .filter(move |(_, v)| group_of(v) == tag)
            .map(|(k, v)| (k, v))
    }

    /// The distinct group tags of the entries, each once, in no set order.
    pub fn group_tags(&self) -> std::collections::HashSet<u64> {
        self.groups.iter().filter_map(|&at| self.entry(at)).map(|(_, v)| (self.group_of)(v)).collect()
    }

    fn group(&mut self, at: u32, tag: u64) {
        if tag == 0 {
            return;
        }
        let Self { groups, slots, group_of, .. } = self;
        groups.insert_unique(mix(tag), at, |&i| slot_group_hash(*group_of, slots, i));
    }

    fn ungroup(&mut self, at: u32, tag: u64) {
        if tag == 0 {
            return;
        }
        if let Ok(found) = self.groups.find_entry(mix(tag), |&i| i == at) {
            found.remove();
        }
    }

    fn find<Q>(&self, key: &Q) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hasher.hash_one(key);
        self.table.find(hash, |&i| slot_key_is(&self.slots, i, key)).copied()
    }

    fn entry(&self, at: u32) -> Option<&(K, V)> {
        self.slots.get(at as usize).and_then(|slot| slot.entry.as_ref())
    }

    fn allocate(&mut self, key: K, value: V) -> u32 {
        if let Some(slot) = self.slots.get_mut(self.free as usize) {
            let at = self.free;
            self.free = slot.next;
            slot.entry = Some((key, value));
            slot.prev = NIL;
            slot.next = NIL;
            return at;
        }
        // `len < capacity <= MAX_INDEX_CAPACITY` and the free list is empty, so the slab
        // holds fewer than `u32::MAX` slots and the new number fits.
        let at = u32::try_from(self.slots.len()).unwrap_or(NIL);
        self.slots.push(Slot { entry: Some((key, value)), prev: NIL, next: NIL });
        at
    }

    /// Unlinks slot `at` from the recency list and its group and puts it on the free list.
    fn release(&mut self, at: u32) -> Option<(K, V)> {
        if let Some(tag) = self.entry(at).map(|(_, v)| (self.group_of)(v)) {
            self.ungroup(at, tag);
        }
        self.unlink(at);
        let free = self.free;
        let slot = self.slots.get_mut(at as usize)?;
        let entry = slot.entry.take();
        slot.next = free;
        self.free = at;
        self.len = self.len.saturating_sub(1);
        entry
    }

    fn unlink(&mut self, at: u32) {
        let Some(slot) = self.slots.get(at as usize) else {
            return;
        };
        let (prev, next) = (slot.prev, slot.next);
        match self.slots.get_mut(prev as usize) {
            Some(p) => p.next = next,
            None => self.head = next,
        }
        match self.slots.get_mut(next as usize) {
            Some(n) => n.prev = prev,
            None => self.tail = prev,
        }
        if let Some(slot) = self.slots.get_mut(at as usize) {
            slot.prev = NIL;
            slot.next = NIL;
        }
    }

    fn push_front(&mut self, at: u32) {
        let old_head = self.head;
        if let Some(slot) = self.slots.get_mut(at as usize) {
            slot.prev = NIL;
            slot.next = old_head;
        }
        match self.slots.get_mut(old_head as usize) {
            Some(h) => h.prev = at,
            None => self.tail = at,
        }
        self.head = at;
    }
}

fn slot_key_is<K: Borrow<Q>, Q: Eq + ?Sized, V>(slots: &[Slot<K, V>], at: u32, key: &Q) -> bool {
    slots.get(at as usize).and_then(|slot| slot.entry.as_ref()).is_some_and(|(k, _)| k.borrow() == key)
}

fn slot_hash<K: Hash, V>(hasher: &RandomState, slots: &[Slot<K, V>], at: u32) -> u64 {
    match slots.get(at as usize).and_then(|slot| slot.entry.as_ref()) {
        Some((k, _)) => hasher.hash_one(k),
        None => 0,
    }
}

fn slot_group_hash<K, V>(group_of: fn(&V) -> u64, slots: &[Slot<K, V>], at: u32) -> u64 {
    match slots.get(at as usize).and_then(|slot| slot.entry.as_ref()) {
        Some((_, v)) => mix(group_of(v)),
        None => 0,
    }
}

/// Spreads a tag's bits over the hash (splitmix64's finaliser): the table reads both ends.
fn mix(tag: u64) -> u64 {
    let mut z = tag.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// An iterator over an [`LruIndex`] in recency order.
pub struct Walk<'a, K, V> {
    index: &'a LruIndex<K, V>,
    at: u32,
    towards_tail: bool,
}

impl<'a, K, V> Iterator for Walk<'a, K, V> {
    type Item = (&'a K, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        let slot = self.index.slots.get(self.at as usize)?;
        self.at = if self.towards_tail { slot.next } else { slot.prev };
        slot.entry.as_ref().map(|(k, v)| (k, v))
    }
}

#[cfg(test)]
#[path = "lru_index_tests.rs"]
mod tests;
