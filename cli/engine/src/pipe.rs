//! Output filters after `show` commands: `| include RE`, `| exclude RE`, `| begin RE`,
//! `| count [RE]`, with the Junos spellings `| match` and `| except`. Filters chain left
//! to right; `count` must come last.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use regex_automata::meta::Regex;

use crate::help::{Completion, Help};

/// The filter keywords, with what `?` says of each.
pub(crate) const FILTERS: &[(&str, &str)] = &[
    ("begin", "Begin with the line that matches"),
    ("count", "Count the lines (that match)"),
    ("except", "Exclude lines that match (same as exclude)"),
    ("exclude", "Exclude lines that match"),
    ("include", "Include lines that match"),
    ("match", "Include lines that match (same as include)"),
];

/// What `?` shows after ` | ` (`word` is the filter typed so far).
pub(crate) fn help(word: &str) -> Help {
    if word.is_empty() {
        return Help::Next { entries: FILTERS.iter().map(|(k, h)| ((*k).into(), *h)).collect(), cr: false };
    }
    Help::Prefix { names: FILTERS.iter().filter(|(k, _)| k.starts_with(word)).map(|(k, _)| (*k).into()).collect() }
}

/// What Tab does after ` | `.
pub(crate) fn complete(word: &str) -> Completion {
    let found: Vec<&str> = FILTERS.iter().map(|(k, _)| *k).filter(|k| k.starts_with(word)).collect();
    match found.as_slice() {
        [] => Completion::Nothing,
        [one] => Completion::Insert(format!("{} ", &one[word.len()..])),
        many => Completion::List(many.iter().map(|k| (*k).into()).collect()),
    }
}

/// Longest regular expression a filter accepts.
const PATTERN_MAX: usize = 256;

/// One filter stage.
#[derive(Debug)]
enum Stage {
    Include(Regex),
    Exclude(Regex),
    Begin { pattern: Regex, started: bool },
    Count { pattern: Option<Regex>, lines: usize },
}

/// Why the filters after `|` cannot be used; the engine prints it as `% …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PipeError(pub(crate) String);

/// Splits `line` at the first ` | ` that starts a filter; returns the command part and the
/// filter text (without the leading `|`). A `|` inside an argument that is not followed by
/// a filter keyword stays part of the command.
pub(crate) fn split(line: &str) -> (&str, Option<&str>) {
    let mut from = 0;
    while let Some(at) = line[from..].find('|').map(|i| i + from) {
        let before_ok = at == 0 || line[..at].ends_with(' ');
        let word = line[at + 1..].trim_start().split(' ').next().unwrap_or("");
        if before_ok && keyword(word).is_ok() {
            return (line[..at].trim_end(), Some(&line[at + 1..]));
        }
        from = at + 1;
    }
    (line, None)
}

/// The filter keyword that `word` abbreviates uniquely.
fn keyword(word: &str) -> Result<&'static str, PipeError> {
    if word.is_empty() {
        return Err(PipeError("Expected a filter after `|`: begin, count, exclude, include".into()));
    }
    if let Some((exact, _)) = FILTERS.iter().find(|(k, _)| *k == word) {
        return Ok(canonical(exact));
    }
    // Aliases are one filter: `exc` is `exclude` even though `except` starts so too.
    let mut found = FILTERS.iter().map(|(k, _)| *k).filter(|k| k.starts_with(word)).map(canonical);
    match (found.next(), found.next()) {
        (Some(k), None) => Ok(k),
        (Some(a), Some(b)) if a == b => Ok(a),
        (Some(_), Some(_)) => Err(PipeError(format!("Ambiguous filter `{word}`"))),
        _ => Err(PipeError(format!("Unknown filter `{word}`: use begin, count, exclude or include"))),
    }
}

/// The IOS name of a Junos alias.
fn canonical(filter: &'static str) -> &'static str {
    match filter {
        "match" => "include",
        "except" => "exclude",
        other => other,
    }
}

fn compile(filter: &str, pattern: &str) -> Result<Regex, PipeError> {
    if pattern.len() > PATTERN_MAX {
        return Err(PipeError(format!("The expression after `| {filter}` is longer than {PATTERN_MAX} characters")));
    }
    // ASCII classes (`\d`, `\w`): the appliance carries no Unicode tables.
    let syntax = regex_automata::util::syntax::Config::new().unicode(false).utf8(false);
    Regex::builder()
        .syntax(syntax)
        .build(pattern)
        .map_err(|e| PipeError(format!("Invalid regular expression after `| {filter}`: {e}")))
}

/// A chain of filters, fed the command's output and writing what passes to `inner`.
pub(crate) struct Pipe<'o> {
    stages: Vec<Stage>,
    partial: String,
    inner: &'o mut dyn fmt::Write,
}

impl fmt::Debug for Pipe<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipe").field("stages", &self.stages).finish_non_exhaustive()
    }
}

/// Parses the filter text after the first `|` (`include x | count`).
pub(crate) fn parse(text: &str) -> Result<Vec<(&'static str, Option<String>)>, PipeError> {
    let mut parsed = Vec::new();
    for part in text.split(" | ") {
        let part = part.trim();
        let (word, pattern) = part.split_once(' ').map_or((part, ""), |(w, p)| (w, p.trim()));
        let filter = keyword(word)?;
        if parsed.iter().any(|(f, _)| *f == "count") {
            return Err(PipeError("`| count` must be the last filter".into()));
        }
        let pattern = match (filter, pattern.is_empty()) {
            ("count", true) => None,
            (_, true) => return Err(PipeError(format!("`| {filter}` needs a regular expression"))),
            (_, false) => Some(pattern.into()),
        };
        parsed.push((filter, pattern));
    }
    Ok(parsed)
}

impl<'o> Pipe<'o> {
    /// Builds the chain from the filter text after the first `|`.
    pub(crate) fn new(text: &str, inner: &'o mut dyn fmt::Write) -> Result<Self, PipeError> {
        let mut stages = Vec::new();
        for (filter, pattern) in parse(text)? {
            let regex = pattern.as_deref().map(|p| compile(filter, p)).transpose()?;
            stages.push(match (filter, regex) {
                ("count", pattern) => Stage::Count { pattern, lines: 0 },
                ("begin", Some(pattern)) => Stage::Begin { pattern, started: false },
                ("exclude", Some(r)) => Stage::Exclude(r),
                (_, Some(r)) => Stage::Include(r),
                (_, None) => unreachable!("only count goes without an expression"),
            });
        }
        Ok(Self { stages, partial: String::new(), inner })
    }

    fn line(&mut self, line: &str) -> fmt::Result {
        for stage in &mut self.stages {
            let pass = match stage {
                Stage::Include(r) => r.is_match(line),
                Stage::Exclude(r) => !r.is_match(line),
                Stage::Begin { pattern, started } => {
                    *started = *started || pattern.is_match(line);
                    *started
                }
                Stage::Count { pattern, lines } => {
                    if pattern.as_ref().is_none_or(|r| r.is_match(line)) {
                        *lines += 1;
                    }
                    false
                }
            };
            if !pass {
                return Ok(());
            }
        }
        self.inner.write_str(line)?;
        self.inner.write_str("\n")
    }

    /// Passes on a last line without a line end, and the count if the chain counts.
    pub(crate) fn finish(mut self) -> fmt::Result {
        if !self.partial.is_empty() {
            let last = core::mem::take(&mut self.partial);
            self.line(&last)?;
        }
        if let Some(Stage::Count { lines, .. }) = self.stages.last() {
            let lines = *lines;
            writeln!(self.inner, "Count: {lines} line{}", if lines == 1 { "" } else { "s" })?;
        }
        Ok(())
    }
}

impl fmt::Write for Pipe<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut rest = s;
        while let Some(end) = rest.find('\n') {
            let (head, tail) = rest.split_at(end);
            if self.partial.is_empty() {
                self.line(head.trim_end_matches('\r'))?;
            } else {
                let mut whole = core::mem::take(&mut self.partial);
                whole.push_str(head);
                self.line(whole.trim_end_matches('\r'))?;
            }
            rest = &tail[1..];
        }
        self.partial.push_str(rest);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use fmt::Write as _;

    fn run(filters: &str, text: &str) -> Result<String, PipeError> {
        let mut out = String::new();
        let mut pipe = Pipe::new(filters, &mut out)?;
        pipe.write_str(text).expect("filtered");
        pipe.finish().expect("filtered");
        Ok(out)
    }

    const TEXT: &str = "interface eth0\n ip address 10.0.0.1/24\ninterface eth1\n shutdown\nhostname gw\n";

    #[test]
    fn include_exclude_begin_and_count() {
        assert_eq!(run(" include ^interface", TEXT).expect("filtered"), "interface eth0\ninterface eth1\n");
        assert_eq!(run(" match eth", TEXT).expect("filtered"), "interface eth0\ninterface eth1\n");
        assert_eq!(run(" exclude ^\\s", TEXT).expect("filtered"), "interface eth0\ninterface eth1\nhostname gw\n");
        assert_eq!(run(" except ^\\s", TEXT).expect("filtered"), run(" exclude ^\\s", TEXT).expect("filtered"));
        assert_eq!(run(" begin eth1", TEXT).expect("filtered"), "interface eth1\n shutdown\nhostname gw\n");
        assert_eq!(run(" count", TEXT).expect("filtered"), "Count: 5 lines\n");
        assert_eq!(run(" count ^interface", TEXT).expect("filtered"), "Count: 2 lines\n");
    }

    #[test]
    fn filters_chain_and_abbreviate() {
        assert_eq!(run(" inc interface | exc eth0", TEXT).expect("filtered"), "interface eth1\n");
        assert_eq!(run(" i interface | cou", TEXT).expect("filtered"), "Count: 2 lines\n");
        assert_eq!(run(" include eth0|eth1", TEXT).expect("filtered"), "interface eth0\ninterface eth1\n");
        assert_eq!(run(" include \\d+\\.\\d", TEXT).expect("filtered"), " ip address 10.0.0.1/24\n");
    }

    #[test]
    fn output_split_across_writes_is_filtered_by_whole_lines() {
        let mut out = String::new();
        let mut pipe = Pipe::new(" include eth1", &mut out).expect("filtered");
        for piece in ["interf", "ace eth", "0\ninterface e", "th1\nhost", "name eth1"] {
            pipe.write_str(piece).expect("filtered");
        }
        pipe.finish().expect("filtered");
        assert_eq!(out, "interface eth1\nhostname eth1\n");
    }

    #[test]
    fn mistakes_are_named() {
        let err = |f: &str| run(f, TEXT).expect_err("refused").0;
        assert!(err(" include").contains("needs a regular expression"));
        assert!(err(" c x | e x").contains("must be the last"));
        assert!(err(" grep x").contains("Unknown filter"));
        assert!(err(" count | include x").contains("must be the last"));
        assert!(err(" include (").contains("Invalid regular expression"));
        assert!(err(&(" include ".to_string() + &"a".repeat(300))).contains("longer than"));
    }

    #[test]
    fn split_finds_the_first_filter_only() {
        assert_eq!(split("show running-config | include eth"), ("show running-config", Some(" include eth")));
        assert_eq!(split("show running-config|include eth"), ("show running-config|include eth", None));
        assert_eq!(split("description a | zzz"), ("description a | zzz", None));
        assert_eq!(split("show x | b y | count"), ("show x", Some(" b y | count")));
    }
}
