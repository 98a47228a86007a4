//! Context help (`?`) and Tab completion, computed from the text before the cursor.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::matcher::{ParseError, Position, walk};
use crate::value::ArgKind;

/// What `?` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Help {
    /// The words before the one being asked about do not match.
    Error { error: ParseError },
    /// After a space: the words that may follow, with their help, and whether Enter runs
    /// the line as it is (`<cr>`).
    Next { entries: Vec<(String, &'static str)>, cr: bool },
    /// Right after letters: the words that start so (empty: nothing does).
    Prefix { names: Vec<String> },
}

/// The values the system knows for an argument: (keywords before it, its name, the part
/// typed) → candidates.
pub(crate) type KnownValues<'k> = dyn Fn(&[&'static str], &'static str, &str) -> Vec<String> + 'k;

/// Most candidates Tab lists at once.
const LIST_MAX: usize = 64;

/// What Tab does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Completion {
    /// Insert this text at the cursor.
    Insert(String),
    /// Several words fit and share no longer prefix: list them.
    List(Vec<String>),
    /// Nothing to complete (bell).
    Nothing,
}

/// Splits the text before the cursor into the complete words and the partial last word.
fn split(before: &str) -> (&str, Option<(usize, &str)>) {
    if before.is_empty() || before.ends_with(' ') {
        return (before, None);
    }
    let start = before.rfind(' ').map_or(0, |i| i + 1);
    (&before[..start], Some((start, &before[start..])))
}

/// Context help for the text before the cursor.
pub(crate) fn help(start: Position<'_>, before: &str) -> Help {
    let (done, partial) = split(before);
    let position = match walk(start, done) {
        Ok(w) => w.position,
        Err(error) => return Help::Error { error },
    };
    match partial {
        None => {
            let mut entries: Vec<(String, &'static str)> = Vec::new();
            for c in position.candidates() {
                match c.arg() {
                    Some((_, ArgKind::OneOf(choices))) => {
                        entries.extend(choices.iter().map(|ch| (ch.to_string(), c.help())));
                    }
                    Some((name, kind)) => entries.push((kind.help_name(name).to_string(), c.help())),
                    None => entries.extend(c.keyword().map(|k| (k.to_string(), c.help()))),
                }
            }
            entries.sort();
            entries.dedup_by(|a, b| a.0 == b.0);
            Help::Next { entries, cr: position.runnable().is_some() }
        }
        Some((_, word)) => {
            let mut names = Vec::new();
            for c in position.candidates() {
                match c.arg() {
                    Some((_, ArgKind::OneOf(choices))) => {
                        names.extend(choices.iter().filter(|ch| ch.starts_with(word)).map(|ch| ch.to_string()));
                    }
                    Some((name, kind)) if kind.parse(word).is_some() => {
                        names.push(kind.help_name(name).to_string());
                    }
                    Some(_) => {}
                    None => names.extend(c.keyword().filter(|k| k.starts_with(word)).map(ToString::to_string)),
                }
            }
            names.sort();
            names.dedup();
            Help::Prefix { names }
        }
    }
}

/// Tab completion of the word before the cursor.
///
/// `known` gives the values the system knows for an argument (device ids, service names),
/// from the keywords typed before it, the argument's name and the part typed.
pub(crate) fn complete(start: Position<'_>, before: &str, known: &KnownValues<'_>) -> Completion {
    let (done, Some((_, word))) = split(before) else { return Completion::Nothing };
    let Ok(walked) = walk(start, done) else { return Completion::Nothing };
    let mut names: Vec<String> = Vec::new();
    for c in walked.position.candidates() {
        match c.arg() {
            Some((_, ArgKind::OneOf(choices))) => {
                names.extend(choices.iter().filter(|ch| ch.starts_with(word)).map(|ch| ch.to_string()));
            }
            Some((name, kind)) => {
                let values = known(&walked.keywords, name, word)
                    .into_iter()
                    .filter(|v| v.starts_with(word) && kind.parse(v).is_some());
                names.extend(values);
            }
            None => names.extend(c.keyword().filter(|k| k.starts_with(word)).map(|k| k.to_string())),
        }
    }
    names.sort_unstable();
    names.dedup();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    match names.as_slice() {
        [] => Completion::Nothing,
        [one] => Completion::Insert(alloc::format!("{} ", one.get(word.len()..).unwrap_or_default())),
        many => {
            let common = common_prefix(many);
            if common.len() > word.len() {
                Completion::Insert(common.get(word.len()..).unwrap_or_default().to_string())
            } else {
                let mut shown: Vec<String> = many.iter().take(LIST_MAX).map(|s| s.to_string()).collect();
                if many.len() > LIST_MAX {
                    shown.push(alloc::format!("({} more)", many.len() - LIST_MAX));
                }
                Completion::List(shown)
            }
        }
    }
}

fn common_prefix<'a>(names: &[&'a str]) -> &'a str {
    let Some(first) = names.first() else { return "" };
    let len = names
        .iter()
        .skip(1)
        .fold(first.len(), |len, n| first.bytes().zip(n.bytes()).take(len).take_while(|(a, b)| a == b).count());
    first.get(..len).unwrap_or_default()
}
