//! Fixed-capacity command history, browsed with the arrow keys.

use heapless::{Deque, String};

use crate::editor::LINE_MAX;

/// How many lines the history keeps; older lines are forgotten first.
pub const HISTORY_LEN: usize = 32;

/// One line of history.
pub(crate) type HistoryLine = String<LINE_MAX>;

/// The history of one session: newest last, bounded to [`HISTORY_LEN`] lines.
#[derive(Debug, Default)]
pub(crate) struct History {
    lines: Deque<HistoryLine, HISTORY_LEN>,
    /// While browsing: how many steps back from the newest line (1 = newest).
    position: usize,
}

impl History {
    /// Records a submitted line (blank lines and repeats of the newest line are skipped).
    pub(crate) fn record(&mut self, line: &str) {
        self.position = 0;
        let line = line.trim();
        if line.is_empty() || self.lines.back().is_some_and(|last| last.as_str() == line) {
            return;
        }
        let mut entry = HistoryLine::new();
        if entry.push_str(line).is_err() {
            return;
        }
        if self.lines.is_full() {
            self.lines.pop_front();
        }
        // Cannot fail: a slot was just freed when full.
        let _ = self.lines.push_back(entry);
    }

    /// Steps one line back in time; `None` at the oldest line.
    pub(crate) fn older(&mut self) -> Option<&str> {
        if self.position >= self.lines.len() {
            return None;
        }
        self.position += 1;
        self.current()
    }

    /// Steps one line forward; `Some(None)` when leaving the newest line for the draft,
    /// `None` when not browsing.
    pub(crate) fn newer(&mut self) -> Option<Option<&str>> {
        match self.position {
            0 => None,
            1 => {
                self.position = 0;
                Some(None)
            }
            _ => {
                self.position -= 1;
                Some(self.current())
            }
        }
    }

    /// Whether the user is browsing (the line shown came from history).
    pub(crate) fn browsing(&self) -> bool {
        self.position > 0
    }

    /// Stops browsing (after an edit or a new line).
    pub(crate) fn reset(&mut self) {
        self.position = 0;
    }

    /// All lines, oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().map(|l| l.as_str())
    }

    fn current(&self) -> Option<&str> {
        let index = self.lines.len().checked_sub(self.position)?;
        self.lines.iter().nth(index).map(|l| l.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::{HISTORY_LEN, History};
    use alloc::format;
    use alloc::vec::Vec;

    #[test]
    fn browse_back_and_forth() {
        let mut h = History::default();
        h.record("one");
        h.record("two");
        h.record("two");
        h.record("  ");
        assert_eq!(h.older(), Some("two"));
        assert_eq!(h.older(), Some("one"));
        assert_eq!(h.older(), None);
        assert_eq!(h.newer(), Some(Some("two")));
        assert_eq!(h.newer(), Some(None));
        assert_eq!(h.newer(), None);
    }

    #[test]
    fn oldest_lines_are_forgotten() {
        let mut h = History::default();
        for i in 0..HISTORY_LEN + 5 {
            h.record(&format!("line {i}"));
        }
        let lines: Vec<&str> = h.iter().collect();
        assert_eq!(lines.len(), HISTORY_LEN);
        assert_eq!(lines.first().copied(), Some("line 5"));
        assert_eq!(lines.last().map(|s| alloc::string::String::from(*s)), Some(format!("line {}", HISTORY_LEN + 4)));
    }
}
