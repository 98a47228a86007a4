//! Argument kinds and the typed values a command line yields.

use alloc::string::{String, ToString};

/// What an argument accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArgKind {
    /// One word of printable ASCII, at most `max_len` bytes.
    Word {
        /// Longest accepted word.
        max_len: usize,
    },
    /// A decimal integer in `min..=max`.
    Integer {
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
    },
    /// One of a fixed set of words, abbreviable like keywords.
    OneOf(&'static [&'static str]),
    /// An IPv4 address, `A.B.C.D`.
    Ipv4,
    /// An IPv4 address with a prefix length, `A.B.C.D/N`.
    Ipv4Prefix,
    /// The rest of the line, verbatim (inner spaces kept), at most `max_len` bytes.
    Rest {
        /// Longest accepted text.
        max_len: usize,
    },
}

/// A typed argument value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Value {
    /// A word ([`ArgKind::Word`]).
    Word(String),
    /// An integer ([`ArgKind::Integer`]).
    Integer(i64),
    /// The chosen word, spelled in full ([`ArgKind::OneOf`]).
    Choice(&'static str),
    /// An IPv4 address ([`ArgKind::Ipv4`]).
    Ipv4([u8; 4]),
    /// An IPv4 address and prefix length ([`ArgKind::Ipv4Prefix`]).
    Ipv4Prefix {
        /// The address.
        addr: [u8; 4],
        /// The prefix length, 0..=32.
        len: u8,
    },
    /// The rest of the line ([`ArgKind::Rest`]).
    Text(String),
}

impl Value {
    /// The value as text, for words, choices and rest-of-line arguments.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Word(s) | Value::Text(s) => Some(s),
            Value::Choice(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an integer.
    pub fn as_integer(&self) -> Option<i64> {
        match self {
            Value::Integer(i) => Some(*i),
            _ => None,
        }
    }
}

/// How a word relates to a choice list: the unique choice it abbreviates, if any.
pub(crate) fn pick_choice(choices: &'static [&'static str], word: &str) -> Option<&'static str> {
    if let Some(exact) = choices.iter().find(|c| **c == word) {
        return Some(exact);
    }
    let mut found = choices.iter().filter(|c| c.starts_with(word));
    match (found.next(), found.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

impl ArgKind {
    /// Parses one word (or, for [`ArgKind::Rest`], the rest of the line).
    pub(crate) fn parse(&self, text: &str) -> Option<Value> {
        if text.is_empty() || !text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return None;
        }
        match self {
            ArgKind::Word { max_len } => {
                (text.len() <= *max_len && !text.contains(' ')).then(|| Value::Word(text.to_string()))
            }
            ArgKind::Integer { min, max } => {
                let n = parse_integer(text)?;
                (*min..=*max).contains(&n).then_some(Value::Integer(n))
            }
            ArgKind::OneOf(choices) => pick_choice(choices, text).map(Value::Choice),
            ArgKind::Ipv4 => parse_ipv4(text).map(Value::Ipv4),
            ArgKind::Ipv4Prefix => {
                let (addr, len) = text.split_once('/')?;
                let len = parse_digits(len).filter(|l| *l <= 32)?;
                Some(Value::Ipv4Prefix { addr: parse_ipv4(addr)?, len: u8::try_from(len).ok()? })
            }
            ArgKind::Rest { max_len } => (text.len() <= *max_len).then(|| Value::Text(text.to_string())),
        }
    }

    /// How the argument is shown in help: `<0-49>` for integers, otherwise its name.
    pub(crate) fn help_name(&self, name: &'static str) -> HelpName {
        match self {
            ArgKind::Integer { min, max } => HelpName::Range(*min, *max),
            _ => HelpName::Name(name),
        }
    }

    /// Whether the argument takes the rest of the line.
    pub(crate) fn is_rest(&self) -> bool {
        matches!(self, ArgKind::Rest { .. })
    }
}

/// The label of an argument in help output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HelpName {
    Name(&'static str),
    Range(i64, i64),
}

impl core::fmt::Display for HelpName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            HelpName::Name(n) => f.write_str(n),
            HelpName::Range(a, b) => write!(f, "<{a}-{b}>"),
        }
    }
}

fn parse_digits(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn parse_integer(text: &str) -> Option<i64> {
    match text.strip_prefix('-') {
        Some(rest) => i64::try_from(parse_digits(rest)?).ok().map(|n| -n),
        None => i64::try_from(parse_digits(text)?).ok(),
    }
}

fn parse_ipv4(text: &str) -> Option<[u8; 4]> {
    let mut addr = [0u8; 4];
    let mut parts = text.split('.');
    for octet in &mut addr {
        let part = parts.next()?;
        if part.len() > 3 {
            return None;
        }
        *octet = u8::try_from(parse_digits(part)?).ok()?;
    }
    parts.next().is_none().then_some(addr)
}

#[cfg(test)]
mod tests {
    use super::{ArgKind, Value};

    #[test]
    fn integers_respect_their_range() {
        let k = ArgKind::Integer { min: 0, max: 49 };
        assert_eq!(k.parse("49"), Some(Value::Integer(49)));
        assert_eq!(k.parse("50"), None);
        assert_eq!(k.parse("-1"), None);
        assert_eq!(k.parse("4x"), None);
        assert_eq!(k.parse("99999999999999999999999"), None);
        let signed = ArgKind::Integer { min: -5, max: 5 };
        assert_eq!(signed.parse("-5"), Some(Value::Integer(-5)));
    }

    #[test]
    fn addresses_and_prefixes() {
        assert_eq!(ArgKind::Ipv4.parse("10.0.0.1"), Some(Value::Ipv4([10, 0, 0, 1])));
        assert_eq!(ArgKind::Ipv4.parse("10.0.0.256"), None);
        assert_eq!(ArgKind::Ipv4.parse("10.0.0"), None);
        assert_eq!(ArgKind::Ipv4.parse("10.0.0.1.2"), None);
        assert_eq!(
            ArgKind::Ipv4Prefix.parse("192.168.1.1/24"),
            Some(Value::Ipv4Prefix { addr: [192, 168, 1, 1], len: 24 })
        );
        assert_eq!(ArgKind::Ipv4Prefix.parse("192.168.1.1/33"), None);
        assert_eq!(ArgKind::Ipv4Prefix.parse("192.168.1.1"), None);
    }

    #[test]
    fn words_choices_and_text() {
        assert_eq!(ArgKind::Word { max_len: 3 }.parse("abcd"), None);
        assert_eq!(ArgKind::Word { max_len: 3 }.parse("abc"), Some(Value::Word("abc".into())));
        let k = ArgKind::OneOf(&["block", "blackhole", "allow"]);
        assert_eq!(k.parse("a"), Some(Value::Choice("allow")));
        assert_eq!(k.parse("bl"), None);
        assert_eq!(k.parse("blo"), Some(Value::Choice("block")));
        assert_eq!(ArgKind::Rest { max_len: 10 }.parse("a b c"), Some(Value::Text("a b c".into())));
        assert_eq!(ArgKind::Rest { max_len: 10 }.parse("é"), None);
    }
}
