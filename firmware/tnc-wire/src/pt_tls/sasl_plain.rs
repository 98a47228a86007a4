//! The SASL PLAIN message (RFC 4616): `[authzid] NUL authcid NUL passwd`, carried as the
//! initial response of a PT-TLS SASL Mechanism Selection (strongSwan's client sends it
//! there, with an empty authzid) or in SASL Authentication Data.

use alloc::{string::String, vec::Vec};
use core::fmt;

use crate::{WireError, bytes::text};

/// The mechanism's registered name.
pub const PLAIN: &str = "PLAIN";
/// Longest authzid, authcid and password, in octets (RFC 4616 §2).
pub const PLAIN_FIELD_MAX: usize = 255;

/// One PLAIN message. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SaslPlain {
    /// The identity to act as; empty: the authentication identity itself.
    pub authzid: String,
    /// The authentication identity (the user name).
    pub authcid: String,
    /// The password, as sent (UTF-8 by the RFC; compared as octets here).
    pub password: Vec<u8>,
}

impl fmt::Debug for SaslPlain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SaslPlain")
            .field("authzid", &self.authzid)
            .field("authcid", &self.authcid)
            .field("password", &"<redacted>")
            .finish()
    }
}

fn field(bytes: &[u8], what: &'static str, may_be_empty: bool) -> Result<(), WireError> {
    if bytes.len() > PLAIN_FIELD_MAX {
        return Err(WireError::TooLarge { what, len: bytes.len() as u64, max: PLAIN_FIELD_MAX as u64 });
    }
    if bytes.is_empty() && !may_be_empty {
        return Err(WireError::Invalid { what, reason: "empty" });
    }
    Ok(())
}

impl SaslPlain {
    /// Parses and validates one message: exactly two NUL separators, authcid and password
    /// 1 to 255 octets, authzid at most 255, identities UTF-8.
    pub fn parse(bytes: &[u8]) -> Result<Self, WireError> {
        let mut parts = bytes.split(|b| *b == 0);
        let (Some(authzid), Some(authcid), Some(password), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(WireError::Invalid { what: "SASL PLAIN message", reason: "not two NUL separators" });
        };
        field(authzid, "SASL PLAIN authzid", true)?;
        field(authcid, "SASL PLAIN authcid", false)?;
        field(password, "SASL PLAIN password", false)?;
        Ok(Self {
            authzid: text(authzid, "SASL PLAIN authzid")?,
            authcid: text(authcid, "SASL PLAIN authcid")?,
            password: password.to_vec(),
        })
    }

    /// Bytes of the emitted message.
    pub fn buffer_len(&self) -> usize {
        self.authzid.len() + 1 + self.authcid.len() + 1 + self.password.len()
    }

    /// Emits the message; refuses what [`Self::parse`] would refuse.
    pub fn to_bytes(&self) -> Result<Vec<u8>, WireError> {
        let mut out = Vec::with_capacity(self.buffer_len());
        out.extend_from_slice(self.authzid.as_bytes());
        out.push(0);
        out.extend_from_slice(self.authcid.as_bytes());
        out.push(0);
        out.extend_from_slice(&self.password);
        Self::parse(&out)?;
        Ok(out)
    }
}
