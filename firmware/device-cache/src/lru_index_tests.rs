use super::*;
use proptest::prelude::*;

fn cap(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

fn mru_keys<K: Clone + Hash + Eq, V>(index: &LruIndex<K, V>) -> Vec<K> {
    index.iter_mru().map(|(k, _)| k.clone()).collect()
}

#[test]
fn evicts_the_least_recently_used_key() {
    let mut index = LruIndex::new(cap(2));
    assert_eq!(index.insert("a", 1), Inserted::Added { evicted: None });
    assert_eq!(index.insert("b", 2), Inserted::Added { evicted: None });
    assert!(index.touch("a"));
    assert_eq!(index.insert("c", 3), Inserted::Added { evicted: Some(("b", 2)) });
    assert_eq!(mru_keys(&index), vec!["c", "a"]);
    assert_eq!(index.get("b"), None);
    assert_eq!(index.len(), 2);
}

#[test]
fn update_returns_the_old_value_and_refreshes_recency() {
    let mut index = LruIndex::new(cap(3));
    index.insert(1u8, 'x');
    index.insert(2u8, 'y');
    assert_eq!(index.insert(1u8, 'z'), Inserted::Updated('x'));
    assert_eq!(index.get(&1), Some(&'z'));
    assert_eq!(mru_keys(&index), vec![1, 2]);
    let lru: Vec<u8> = index.iter_lru().map(|(k, _)| *k).collect();
    assert_eq!(lru, vec![2, 1]);
}

#[test]
fn get_does_not_change_recency_but_touch_does() {
    let mut index = LruIndex::new(cap(2));
    index.insert(1u8, ());
    index.insert(2u8, ());
    assert!(index.get(&1).is_some());
    assert_eq!(index.insert(3u8, ()), Inserted::Added { evicted: Some((1, ())) });
    assert!(!index.touch(&1));
}

#[test]
fn removed_slots_are_reused() {
    let mut index = LruIndex::new(cap(4));
    for k in 0u32..4 {
        index.insert(k, k);
    }
    assert_eq!(index.remove(&1), Some(1));
    assert_eq!(index.remove(&1), None);
    index.insert(9, 9);
    assert_eq!(index.slots.len(), 4);
    assert_eq!(mru_keys(&index), vec![9, 3, 2, 0]);
}

#[test]
fn borrowed_lookup_finds_boxed_keys() {
    let mut index: LruIndex<Box<[u8]>, u8> = LruIndex::new(cap(2));
    index.insert(Box::from(&b"key"[..]), 7);
    assert_eq!(index.get(&b"key"[..]), Some(&7));
    assert!(index.contains(&b"key"[..]));
    assert_eq!(index.remove(&b"key"[..]), Some(7));
    assert!(index.is_empty());
}

#[test]
fn clear_empties_and_keeps_capacity() {
    let mut index = LruIndex::new(cap(3));
    index.insert(1u8, ());
    index.insert(2u8, ());
    index.clear();
    assert!(index.is_empty());
    assert_eq!(index.capacity().get(), 3);
    assert_eq!(index.iter_lru().count(), 0);
    index.insert(5u8, ());
    assert_eq!(mru_keys(&index), vec![5]);
}

/// The reference model: a vector ordered from the most to the least recently used.
struct Model {
    order: Vec<(u8, u16)>,
    capacity: usize,
}

impl Model {
    fn position(&self, k: u8) -> Option<usize> {
        self.order.iter().position(|(key, _)| *key == k)
    }

    fn insert(&mut self, k: u8, v: u16) -> Inserted<u8, u16> {
        if let Some(at) = self.position(k) {
            let (_, old) = self.order.remove(at);
            self.order.insert(0, (k, v));
            return Inserted::Updated(old);
        }
        let evicted = if self.order.len() >= self.capacity { self.order.pop() } else { None };
        self.order.insert(0, (k, v));
        Inserted::Added { evicted }
    }

    fn touch(&mut self, k: u8) -> bool {
        match self.position(k) {
            Some(at) => {
                let e = self.order.remove(at);
                self.order.insert(0, e);
                true
            }
            None => false,
        }
    }

    fn remove(&mut self, k: u8) -> Option<u16> {
        self.position(k).map(|at| self.order.remove(at).1)
    }
}

#[derive(Debug, Clone)]
enum Op {
    Insert(u8, u16),
    Touch(u8),
    Get(u8),
    Remove(u8),
    PopLru,
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0u8..24;
    prop_oneof![
        8 => (key.clone(), any::<u16>()).prop_map(|(k, v)| Op::Insert(k, v)),
        3 => key.clone().prop_map(Op::Touch),
        3 => key.clone().prop_map(Op::Get),
        3 => key.prop_map(Op::Remove),
        1 => Just(Op::PopLru),
        1 => Just(Op::Clear),
    ]
}

proptest! {
    #[test]
    fn behaves_like_the_model(capacity in 1u32..12, ops in proptest::collection::vec(op(), 0..200)) {
        let mut index = LruIndex::grouped(cap(capacity), |v: &u16| u64::from(*v % 4));
        let mut model = Model { order: Vec::new(), capacity: capacity as usize };
        for op in ops {
            match op {
                Op::Insert(k, v) => prop_assert_eq!(index.insert(k, v), model.insert(k, v)),
                Op::Touch(k) => prop_assert_eq!(index.touch(&k), model.touch(k)),
                Op::Get(k) => {
                    let expected = model.position(k).map(|at| model.order[at].1);
                    prop_assert_eq!(index.get(&k).copied(), expected);
                }
                Op::Remove(k) => prop_assert_eq!(index.remove(&k), model.remove(k)),
                Op::PopLru => prop_assert_eq!(index.pop_lru(), model.order.pop()),
                Op::Clear => {
                    index.clear();
                    model.order.clear();
                }
            }
            let mru: Vec<(u8, u16)> = index.iter_mru().map(|(k, v)| (*k, *v)).collect();
            prop_assert_eq!(&mru, &model.order);
            let mut lru: Vec<(u8, u16)> = index.iter_lru().map(|(k, v)| (*k, *v)).collect();
            lru.reverse();
            prop_assert_eq!(&lru, &model.order);
            prop_assert_eq!(index.len(), model.order.len());
            prop_assert!(index.slots.len() <= capacity as usize);
            // Groups follow inserts, updates that change a value's group, and removals.
            for tag in 0..4u64 {
                let mut grouped: Vec<(u8, u16)> = index.iter_group(tag).map(|(k, v)| (*k, *v)).collect();
                grouped.sort_unstable();
                let mut expected: Vec<(u8, u16)> =
                    model.order.iter().copied().filter(|(_, v)| tag != 0 && u64::from(*v % 4) == tag).collect();
                expected.sort_unstable();
                prop_assert_eq!(grouped, expected);
            }
            let tags: std::collections::HashSet<u64> =
                model.order.iter().map(|(_, v)| u64::from(*v % 4)).filter(|t| *t != 0).collect();
            prop_assert_eq!(index.group_tags(), tags);
        }
    }
}
