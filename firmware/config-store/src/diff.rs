//! `show configuration diff`: a line diff of two configurations' stored (TOML) forms, in
//! hunks with context, each headed by its line numbers and the TOML table it changes.

use postern_config::{Config, ConfigError};
use similar::{Algorithm, DiffOp, DiffTag, capture_diff_slices_deadline, group_diff_ops};
use std::fmt;
use std::time::{Duration, Instant};

/// Unchanged lines shown around each change.
const CONTEXT_LINES: usize = 3;
/// Longest time spent looking for the smallest diff; past it the diff is coarser, still
/// correct.
const DIFF_TIMEOUT: Duration = Duration::from_millis(500);

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffLine {
    /// The start of a hunk: where it is in each text (1-based line numbers and counts,
    /// as in a unified diff) and the TOML table its first change is in, if any.
    Hunk {
        /// First old line of the hunk.
        old_start: usize,
        /// Old lines in the hunk.
        old_len: usize,
        /// First new line of the hunk.
        new_start: usize,
        /// New lines in the hunk.
        new_len: usize,
        /// The `[table]` or `[[array]]` header the hunk's first change falls under.
        section: Option<String>,
    },
    /// A line both texts hold, shown for context (` ` prefix).
    Context(String),
    /// A line only the old text holds (`-` prefix).
    Removed(String),
    /// A line only the new text holds (`+` prefix).
    Added(String),
}

/// A line diff, old to new. Empty when the two are the same. Displayed as
/// `@@ -3,4 +3,4 @@ [gateway]` hunk headers followed by ` `, `-` and `+` lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    lines: Vec<DiffLine>,
}

impl Diff {
    /// Every line of the diff, hunk headers included.
    pub fn lines(&self) -> &[DiffLine] {
        &self.lines
    }

    /// Whether the two texts are the same.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The added and removed lines, without context or hunk headers, each with its `+`
    /// or `-` prefix.
    pub fn changes(&self) -> Vec<String> {
        self.lines
            .iter()
            .filter_map(|line| match line {
                DiffLine::Added(text) => Some(format!("+{text}")),
                DiffLine::Removed(text) => Some(format!("-{text}")),
                DiffLine::Hunk { .. } | DiffLine::Context(_) => None,
            })
            .collect()
    }
}

impl fmt::Display for DiffLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiffLine::Hunk { old_start, old_len, new_start, new_len, section } => {
                write!(f, "@@ -{old_start},{old_len} +{new_start},{new_len} @@")?;
                match section {
                    Some(section) => write!(f, " {section}"),
                    None => Ok(()),
                }
            }
            DiffLine::Context(text) => write!(f, " {text}"),
            DiffLine::Removed(text) => write!(f, "-{text}"),
            DiffLine::Added(text) => write!(f, "+{text}"),
        }
    }
}

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.lines {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}

/// The diff from `old` to `new`, over their stored TOML forms.
pub fn diff(old: &Config, new: &Config) -> Result<Diff, ConfigError> {
    Ok(diff_text(&old.to_toml_string()?, &new.to_toml_string()?))
}

/// The line diff from `old` to `new`.
pub fn diff_text(old: &str, new: &str) -> Diff {
    let old: Vec<&str> = old.lines().collect();
    let new: Vec<&str> = new.lines().collect();
    let deadline = Instant::now().checked_add(DIFF_TIMEOUT);
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &old, &new, deadline);
    let mut lines = Vec::new();
    for group in group_diff_ops(ops, CONTEXT_LINES) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let (old_from, new_from) = (first.old_range().start, first.new_range().start);
        let (old_len, new_len) =
            (last.old_range().end.saturating_sub(old_from), last.new_range().end.saturating_sub(new_from));
        lines.push(DiffLine::Hunk {
            old_start: start_number(old_from, old_len),
            old_len,
            new_start: start_number(new_from, new_len),
            new_len,
            section: section_of_first_change(&group, &old, &new),
        });
        for op in &group {
            let (tag, old_range, new_range) = op.as_tag_tuple();
            let olds = old.get(old_range).unwrap_or_default();
            let news = new.get(new_range).unwrap_or_default();
            let owned = |l: &&str| (*l).to_owned();
            match tag {
                DiffTag::Equal => lines.extend(olds.iter().map(owned).map(DiffLine::Context)),
                DiffTag::Delete => lines.extend(olds.iter().map(owned).map(DiffLine::Removed)),
                DiffTag::Insert => lines.extend(news.iter().map(owned).map(DiffLine::Added)),
                DiffTag::Replace => {
                    lines.extend(olds.iter().map(owned).map(DiffLine::Removed));
                    lines.extend(news.iter().map(owned).map(DiffLine::Added));
                }
            }
        }
    }
    Diff { lines }
}

/// A hunk's 1-based first line number; an empty range is numbered after the line before
/// it, as in a unified diff.
fn start_number(index: usize, len: usize) -> usize {
    if len == 0 { index } else { index + 1 }
}

/// The table header the group's first changed line falls under (or is): looked up in
/// the new text, or in the old one for a removal.
fn section_of_first_change(group: &[DiffOp], old: &[&str], new: &[&str]) -> Option<String> {
    let change = group.iter().find(|op| op.tag() != DiffTag::Equal)?;
    match change.tag() {
        DiffTag::Delete => section_at(old, change.old_range().start),
        _ => section_at(new, change.new_range().start),
    }
}

/// The last table header at or before line `index` of `lines`.
fn section_at(lines: &[&str], index: usize) -> Option<String> {
    lines
        .get(..=index)?
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| l.starts_with('[') && l.ends_with(']'))
        .map(str::to_owned)
}
