//! A change feed: numbered entries, trimmed to a bound, read through cursors.

use postern_uem_api::{Cursor, MAX_PAGE};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Numbered entries; cursors name the last sequence number a reader has seen.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Feed<T> {
    /// Sequence number of the newest entry (0: none yet).
    head: u64,
    /// Oldest sequence number a cursor may still name; older ones were trimmed.
    floor: u64,
    entries: VecDeque<(u64, T)>,
}

impl<T> Default for Feed<T> {
    fn default() -> Self {
        Self { head: 0, floor: 0, entries: VecDeque::new() }
    }
}

/// The entries after a cursor, and where the next read continues.
pub(crate) struct Page<'a, T> {
    pub(crate) items: Vec<&'a T>,
    pub(crate) last: u64,
    pub(crate) more: bool,
}

impl<T> Feed<T> {
    /// Appends an entry and trims the oldest beyond `limit`.
    pub(crate) fn push(&mut self, item: T, limit: usize) {
        self.head += 1;
        self.entries.push_back((self.head, item));
        self.trim(limit);
    }

    /// Drops the oldest entries beyond `limit`; cursors before them become invalid.
    pub(crate) fn trim(&mut self, limit: usize) {
        while self.entries.len() > limit {
            if let Some((seq, _)) = self.entries.pop_front() {
                self.floor = seq;
            }
        }
    }

    /// Sequence number of the newest entry.
    pub(crate) fn head(&self) -> u64 {
        self.head
    }

    /// The entries after `after`, at most [`MAX_PAGE`]; `None` if `after` is trimmed or
    /// in the future.
    pub(crate) fn after(&self, after: u64) -> Option<Page<'_, T>> {
        if after < self.floor || after > self.head {
            return None;
        }
        let start = self.entries.partition_point(|(seq, _)| *seq <= after);
        let mut items = Vec::new();
        let mut last = after;
        for (seq, item) in self.entries.iter().skip(start).take(MAX_PAGE) {
            items.push(item);
            last = *seq;
        }
        Some(Page { items, last, more: last < self.head })
    }
}

/// Which feed a cursor belongs to; cursors of one feed are refused by the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FeedKind {
    Compliance,
    Actions,
}

impl FeedKind {
    fn prefix(self) -> &'static str {
        match self {
            FeedKind::Compliance => "c",
            FeedKind::Actions => "a",
        }
    }
}

/// The cursor text for `seq` of this server's `epoch`: `c-EPOCH-SEQ` or `a-EPOCH-SEQ`.
pub(crate) fn cursor(kind: FeedKind, epoch: &str, seq: u64) -> Option<Cursor> {
    Cursor::new(&format!("{}-{epoch}-{seq}", kind.prefix())).ok()
}

/// The sequence number a cursor names, if it is of this feed and this server's epoch
/// (a state file started afresh gets a new epoch, so old cursors are refused).
pub(crate) fn parse_cursor(kind: FeedKind, epoch: &str, cursor: &Cursor) -> Option<u64> {
    let mut parts = cursor.as_str().splitn(3, '-');
    let (prefix, e, seq) = (parts.next()?, parts.next()?, parts.next()?);
    if prefix != kind.prefix() || e != epoch {
        return None;
    }
    seq.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimmed_cursors_are_refused_and_later_ones_answered() {
        let mut feed = Feed::default();
        for i in 0..10 {
            feed.push(i, 4);
        }
        assert!(feed.after(5).is_none(), "seq 5 was trimmed");
        let page = feed.after(6).map(|p| p.items.into_iter().copied().collect::<Vec<_>>());
        assert_eq!(page, Some(vec![6, 7, 8, 9]));
        assert!(feed.after(11).is_none(), "future cursor");
    }

    #[test]
    fn cursors_belong_to_one_feed_and_epoch() {
        let c = cursor(FeedKind::Compliance, "e1", 7);
        assert_eq!(c.as_ref().and_then(|c| parse_cursor(FeedKind::Compliance, "e1", c)), Some(7));
        assert_eq!(c.as_ref().and_then(|c| parse_cursor(FeedKind::Actions, "e1", c)), None);
        assert_eq!(c.as_ref().and_then(|c| parse_cursor(FeedKind::Compliance, "e2", c)), None);
    }
}
