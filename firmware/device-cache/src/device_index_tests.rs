use super::*;
use postern_decision::{DeviceState, Provenance};
use proptest::prelude::*;

fn state(tag: u64) -> CachedState {
    CachedState { state: DeviceState::Allowed, provenance: Provenance::Uem, user_tag: 0, uem_tag: tag }
}

fn key(k: u8) -> Box<[u8]> {
    Box::from(&[1, k][..])
}

fn all_mru(index: &DeviceIndex) -> Vec<(u8, u64)> {
    let keys = index.mru_keys_where(usize::MAX, |_, _| true);
    keys.iter().map(|k| (k[1], index.get(k).map_or(u64::MAX, |s| s.uem_tag))).collect()
}

#[test]
fn recency_is_one_order_across_shards() {
    let index = DeviceIndex::new(NonZeroU32::new(100).expect("non-zero"));
    // Enough keys that every shard holds several.
    for k in 0..96u8 {
        index.insert(key(k), state(u64::from(k)));
    }
    index.touch(&key(10));
    assert!(index.lookup_touching(&key(20), |_| true).is_some());
    assert!(index.lookup_touching(&key(0), |_| false).is_some());
    let expected: Vec<u8> = [20u8, 10].into_iter().chain((0..96).rev().filter(|k| *k != 10 && *k != 20)).collect();
    assert_eq!(all_mru(&index).iter().map(|(k, _)| *k).collect::<Vec<_>>(), expected);
    let lru: Vec<u8> = index.lru_keys(3, |k| k[1] == 1).iter().map(|k| k[1]).collect();
    assert_eq!(lru, vec![0, 2, 3]);
    assert_eq!(index.pop_lru().map(|(k, _)| k[1]), Some(0));
    assert_eq!(index.len(), 95);
}

/// The reference model: keys from the most to the least recently used.
#[derive(Default)]
struct Model {
    order: Vec<(u8, u64)>,
}

impl Model {
    fn position(&self, k: u8) -> Option<usize> {
        self.order.iter().position(|(key, _)| *key == k)
    }

    fn front(&mut self, k: u8) -> Option<u64> {
        let at = self.position(k)?;
        let e = self.order.remove(at);
        self.order.insert(0, e);
        Some(e.1)
    }
}

#[derive(Debug, Clone)]
enum Op {
    Insert(u8, u64),
    Touch(u8),
    Lookup(u8, bool),
    Remove(u8),
    PopLru,
    SetCapacity(u32),
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0u8..40;
    prop_oneof![
        8 => (key.clone(), 0u64..4).prop_map(|(k, v)| Op::Insert(k, v)),
        3 => key.clone().prop_map(Op::Touch),
        3 => (key.clone(), any::<bool>()).prop_map(|(k, t)| Op::Lookup(k, t)),
        3 => key.prop_map(Op::Remove),
        1 => Just(Op::PopLru),
        1 => (1u32..30).prop_map(Op::SetCapacity),
        1 => Just(Op::Clear),
    ]
}

proptest! {
    #[test]
    fn behaves_like_one_lru_list(ops in proptest::collection::vec(op(), 0..200)) {
        let index = DeviceIndex::new(NonZeroU32::new(64).expect("non-zero"));
        let mut model = Model::default();
        for op in ops {
            match op {
                Op::Insert(k, v) => {
                    let old = model.position(k).map(|at| model.order.remove(at).1);
                    model.order.insert(0, (k, v));
                    prop_assert_eq!(index.insert(key(k), state(v)).map(|s| s.uem_tag), old);
                }
                Op::Touch(k) => prop_assert_eq!(index.touch(&key(k)), model.front(k).is_some()),
                Op::Lookup(k, touch) => {
                    let expected = if touch { model.front(k) } else { model.position(k).map(|at| model.order[at].1) };
                    prop_assert_eq!(index.lookup_touching(&key(k), |_| touch).map(|s| s.uem_tag), expected);
                }
                Op::Remove(k) => {
                    let expected = model.position(k).map(|at| model.order.remove(at).1);
                    prop_assert_eq!(index.remove(&key(k)).map(|s| s.uem_tag), expected);
                }
                Op::PopLru => prop_assert_eq!(index.pop_lru().map(|(k, s)| (k[1], s.uem_tag)), model.order.pop()),
                Op::SetCapacity(n) => {
                    let evicted: Vec<(u8, u64)> =
                        index.set_capacity(NonZeroU32::new(n).expect("non-zero")).iter().map(|(k, s)| (k[1], s.uem_tag)).collect();
                    let keep = model.order.len().min(n as usize);
                    let mut expected = model.order.split_off(keep);
                    expected.reverse();
                    prop_assert_eq!(evicted, expected);
                    prop_assert_eq!(index.capacity().get(), n);
                }
                Op::Clear => {
                    index.clear();
                    model.order.clear();
                }
            }
            prop_assert_eq!(&all_mru(&index), &model.order);
            let lru: Vec<u8> = index.lru_keys(5, |k| k[1] % 3 == 0).iter().map(|k| k[1]).collect();
            let expected: Vec<u8> = model.order.iter().rev().map(|(k, _)| *k).filter(|k| k % 3 != 0).take(5).collect();
            prop_assert_eq!(lru, expected);
            prop_assert_eq!(index.len(), model.order.len());
            for tag in 0..4u64 {
                let mut grouped: Vec<u8> = index.group_keys(tag).iter().map(|k| k[1]).collect();
                grouped.sort_unstable();
                let mut expected: Vec<u8> =
                    model.order.iter().filter(|(_, v)| tag != 0 && *v == tag).map(|(k, _)| *k).collect();
                expected.sort_unstable();
                prop_assert_eq!(grouped, expected);
            }
            let tags: HashSet<u64> = model.order.iter().map(|(_, v)| *v).filter(|t| *t != 0).collect();
            prop_assert_eq!(index.group_tags(), tags);
        }
    }
}
