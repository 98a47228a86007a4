//! Bounded text fields of the API that the decision core has no type for.

use crate::limits::{CURSOR_MAX, TOKEN_MAX};
use postern_decision::IdError;
use serde::{Deserialize, Serialize};
use std::fmt;

fn check(kind: &'static str, s: &str, max: usize, ok: fn(char) -> bool) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty { kind });
    }
    if s.len() > max {
        return Err(IdError::TooLong { kind, len: s.len(), max });
    }
    match s.char_indices().find(|(_, c)| !ok(*c)) {
        Some((at, _)) => Err(IdError::BadChar { kind, at }),
        None => Ok(()),
    }
}

fn cursor_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~')
}

fn token_char(c: char) -> bool {
    // RFC 6750 b64token.
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/' | '=')
}

macro_rules! bounded_text {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $max:expr, $ok:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            #[doc = concat!("Validates and wraps a ", $kind, ".")]
            pub fn new(s: &str) -> Result<Self, IdError> {
                check($kind, s, $max, $ok)?;
                Ok(Self(s.to_owned()))
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                check($kind, &s, $max, $ok)?;
                Ok(Self(s))
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

bounded_text!(
    /// An opaque position in a change feed: 1 to 128 of `A-Z a-z 0-9 - _ . ~`, so it
    /// travels in a query string unescaped.
    Cursor, "cursor", CURSOR_MAX, cursor_char
);

/// A gateway's bearer token: 1 to 256 `b64token` characters (RFC 6750). Its `Debug`
/// output hides the value.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BearerToken(String);

impl BearerToken {
    /// Validates and wraps a token.
    pub fn new(s: &str) -> Result<Self, IdError> {
        check("bearer token", s, TOKEN_MAX, token_char)?;
        Ok(Self(s.to_owned()))
    }

    /// The token text (for the `Authorization` header).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Compares with presented text in time that does not depend on where they differ.
    pub fn matches(&self, presented: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), presented.as_bytes());
        let mut diff = a.len() ^ b.len();
        for (i, x) in a.iter().enumerate() {
            diff |= usize::from(x ^ b.get(i).copied().unwrap_or(0));
        }
        diff == 0
    }
}

impl TryFrom<String> for BearerToken {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        check("bearer token", &s, TOKEN_MAX, token_char)?;
        Ok(Self(s))
    }
}

impl From<BearerToken> for String {
    fn from(v: BearerToken) -> String {
        v.0
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerToken(..)")
    }
}

impl fmt::Debug for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cursor({})", self.0)
    }
}
