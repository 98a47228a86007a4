//! Lists with a maximum length that decoding enforces while it reads.

use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};
use serde::{Serialize, Serializer};
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;

/// A list was longer than its documented maximum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("list has {len} entries; at most {max} are allowed")]
#[non_exhaustive]
pub struct ListTooLong {
    /// Its length.
    pub len: usize,
    /// The maximum.
    pub max: usize,
}

/// A list of at most `MAX` entries; decoding stops at entry `MAX + 1` with an error.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BoundedList<T, const MAX: usize>(Vec<T>);

impl<T, const MAX: usize> BoundedList<T, MAX> {
    /// Wraps a list, refusing one longer than `MAX`.
    pub fn new(items: Vec<T>) -> Result<Self, ListTooLong> {
        if items.len() > MAX {
            return Err(ListTooLong { len: items.len(), max: MAX });
        }
        Ok(Self(items))
    }

    /// An empty list.
    pub const fn empty() -> Self {
        Self(Vec::new())
    }

    /// The entries, by value.
    pub fn into_vec(self) -> Vec<T> {
        self.0
    }
}

impl<T, const MAX: usize> Default for BoundedList<T, MAX> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<T, const MAX: usize> Deref for BoundedList<T, MAX> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T, const MAX: usize> IntoIterator for BoundedList<T, MAX> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<T: Serialize, const MAX: usize> Serialize for BoundedList<T, MAX> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

struct BoundedVisitor<T, const MAX: usize>(PhantomData<T>);

impl<'de, T: Deserialize<'de>, const MAX: usize> Visitor<'de> for BoundedVisitor<T, MAX> {
    type Value = BoundedList<T, MAX>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list of at most {MAX} entries")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let hint = seq.size_hint().unwrap_or(0).min(MAX).min(1024);
        let mut items = Vec::with_capacity(hint);
        while let Some(item) = seq.next_element()? {
            if items.len() == MAX {
                return Err(serde::de::Error::custom(ListTooLong { len: MAX + 1, max: MAX }));
            }
            items.push(item);
        }
        Ok(BoundedList(items))
    }
}

impl<'de, T: Deserialize<'de>, const MAX: usize> Deserialize<'de> for BoundedList<T, MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(BoundedVisitor::<T, MAX>(PhantomData))
    }
}
