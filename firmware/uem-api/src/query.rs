//! Query strings of the lookup and the two feeds: built by clients, parsed by servers.

use crate::Cursor;
use crate::limits::MAX_WAIT_SECS;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use postern_decision::{EasDeviceId, IdError, UserId};

/// Characters escaped in a query value or path segment: all but `A-Z a-z 0-9 - . _ ~`.
pub(crate) const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Longest query string a server reads.
const QUERY_MAX: usize = 2_048;

/// Why a query string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The query string is longer than allowed.
    #[error("query string is {len} bytes long; at most {max} are allowed")]
    TooLong {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A parameter this resource does not take.
    #[error("unknown query parameter `{0}`")]
    Unknown(String),
    /// A parameter given twice.
    #[error("query parameter `{0}` is given twice")]
    Repeated(&'static str),
    /// A value is not valid UTF-8 once decoded.
    #[error("query parameter `{0}` is not UTF-8")]
    NotUtf8(&'static str),
    /// A value is out of bounds.
    #[error("query parameter `{name}`: {source}")]
    BadId {
        /// The parameter.
        name: &'static str,
        /// What is wrong with it.
        #[source]
        source: IdError,
    },
    /// `wait` is not a whole number of seconds from 0 to 30.
    #[error("query parameter `wait` must be 0 to {MAX_WAIT_SECS} seconds")]
    BadWait,
    /// The lookup names neither an ActiveSync id nor a user.
    #[error("a lookup needs `activesync_id`, `user` or both")]
    NothingToLookUp,
}

/// `?activesync_id=…&user=…`: at least one of the two.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LookupQuery {
    /// The ActiveSync device id the device presented.
    pub activesync_id: Option<EasDeviceId>,
    /// The user the device presented.
    pub user: Option<UserId>,
}

/// `?cursor=…&wait=…` of the compliance and tunnel-action feeds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PollQuery {
    /// Where to continue; none for a full snapshot.
    pub cursor: Option<Cursor>,
    /// Seconds the server may hold the request while nothing has changed (0 to 30).
    pub wait_secs: u32,
}

fn pairs(query: &str) -> Result<impl Iterator<Item = (&str, &str)>, QueryError> {
    if query.len() > QUERY_MAX {
        return Err(QueryError::TooLong { len: query.len(), max: QUERY_MAX });
    }
    Ok(query.split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap_or((p, ""))))
}

fn decoded(name: &'static str, raw: &str) -> Result<String, QueryError> {
    let plus_as_space = raw.replace('+', " ");
    percent_decode_str(&plus_as_space).decode_utf8().map(|s| s.into_owned()).map_err(|_| QueryError::NotUtf8(name))
}

fn set_once<T>(slot: &mut Option<T>, name: &'static str, v: T) -> Result<(), QueryError> {
    if slot.replace(v).is_some() {
        return Err(QueryError::Repeated(name));
    }
    Ok(())
}

fn bad(name: &'static str) -> impl Fn(IdError) -> QueryError {
    move |source| QueryError::BadId { name, source }
}

impl LookupQuery {
    /// The query string, without `?`.
    pub fn to_query_string(&self) -> String {
        let mut parts = Vec::new();
        if let Some(id) = &self.activesync_id {
            parts.push(format!("activesync_id={}", utf8_percent_encode(id.as_str(), COMPONENT)));
        }
        if let Some(user) = &self.user {
            parts.push(format!("user={}", utf8_percent_encode(user.as_str(), COMPONENT)));
        }
        parts.join("&")
    }

    /// Parses a query string (without `?`).
    pub fn parse(query: &str) -> Result<Self, QueryError> {
        let (mut activesync_id, mut user) = (None, None);
        for (name, raw) in pairs(query)? {
            match name {
                "activesync_id" => {
                    let v = decoded("activesync_id", raw)?;
                    let id = EasDeviceId::new(&v).map_err(bad("activesync_id"))?;
                    set_once(&mut activesync_id, "activesync_id", id)?;
                }
                "user" => {
                    let v = decoded("user", raw)?;
                    set_once(&mut user, "user", UserId::new(&v).map_err(bad("user"))?)?;
                }
                other => return Err(QueryError::Unknown(truncated(other))),
            }
        }
        if activesync_id.is_none() && user.is_none() {
            return Err(QueryError::NothingToLookUp);
        }
        Ok(Self { activesync_id, user })
    }
}

impl PollQuery {
    /// The query string, without `?`.
    pub fn to_query_string(&self) -> String {
        match &self.cursor {
            Some(c) => format!("cursor={}&wait={}", c.as_str(), self.wait_secs),
            None => format!("wait={}", self.wait_secs),
        }
    }

    /// Parses a query string (without `?`); a missing `wait` is 0.
    pub fn parse(query: &str) -> Result<Self, QueryError> {
        let (mut cursor, mut wait) = (None, None);
        for (name, raw) in pairs(query)? {
            match name {
                "cursor" => {
                    let v = decoded("cursor", raw)?;
                    set_once(&mut cursor, "cursor", Cursor::new(&v).map_err(bad("cursor"))?)?;
                }
                "wait" => {
                    let secs = raw.parse::<u32>().ok().filter(|s| *s <= MAX_WAIT_SECS).ok_or(QueryError::BadWait)?;
                    set_once(&mut wait, "wait", secs)?;
                }
                other => return Err(QueryError::Unknown(truncated(other))),
            }
        }
        Ok(Self { cursor, wait_secs: wait.unwrap_or(0) })
    }
}

fn truncated(name: &str) -> String {
    name.chars().take(64).collect()
}
