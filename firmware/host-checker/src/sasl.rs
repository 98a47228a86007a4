//! The SASL phase of PT-TLS (RFC 6876 §3.8) on the verifier's side, with the PLAIN
//! mechanism (RFC 4616): sans-IO, it takes the client's SASL messages and says what to
//! answer. Layouts follow strongSwan's client (the PLAIN message as the initial response
//! of the Mechanism Selection; a retry after a failure starts from a new selection);
//! docs/host-checker.md says what was chosen where the RFC leaves room.

use std::fmt;
use std::sync::Arc;

use postern_tnc_wire::pt_tls::{
    PLAIN, PtTlsBody, SASL_ABORT, SASL_FAILURE, SASL_MECHANISM_FAILURE, SASL_SUCCESS, SaslPlain,
};

/// Checks a user name and password against the configured accounts.
pub trait PasswordCheck: Send + Sync {
    /// Whether `password` is `user`'s; `false` for an unknown user.
    fn check(&self, user: &str, password: &[u8]) -> bool;
}

/// The accounts SASL PLAIN authenticates against, and how many failed attempts a session
/// gets before it is closed.
#[derive(Clone)]
pub struct SaslAccounts {
    /// The password check.
    pub accounts: Arc<dyn PasswordCheck>,
    /// Failed attempts allowed per session (at least 1).
    pub max_attempts: u32,
}

impl fmt::Debug for SaslAccounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SaslAccounts").field("max_attempts", &self.max_attempts).finish_non_exhaustive()
    }
}

/// Default failed attempts per session.
pub const SASL_MAX_ATTEMPTS: u32 = 3;

/// Why one SASL attempt failed (never carries the password).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaslRejection {
    /// The client picked a mechanism other than PLAIN.
    Mechanism,
    /// The PLAIN message was malformed.
    Malformed,
    /// The authzid names someone other than the authcid.
    Authorization,
    /// Unknown user or wrong password (not told apart, to the client or in the log).
    Credentials,
}

impl fmt::Display for SaslRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Mechanism => "mechanism not offered",
            Self::Malformed => "malformed PLAIN message",
            Self::Authorization => "authorization identity differs from the user",
            Self::Credentials => "unknown user or wrong password",
        })
    }
}

/// What the SASL phase did with one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SaslStep {
    /// Send these; the phase goes on.
    Continue(Vec<PtTlsBody>),
    /// The user authenticated: send these (SASL Result success, then the empty mechanism
    /// list that ends the phase).
    Authenticated { user: String, replies: Vec<PtTlsBody> },
    /// An attempt failed; `last` when no attempt is left (the session then ends with a
    /// PT-TLS error after `replies`).
    Rejected { user: Option<String>, why: SaslRejection, attempt: u32, last: bool, replies: Vec<PtTlsBody> },
    /// The message does not belong in the SASL phase.
    Unexpected,
}

/// The verifier's SASL phase of one session.
pub(crate) struct SaslServer {
    accounts: SaslAccounts,
    failed: u32,
    /// PLAIN was selected without an initial response: the next Authentication Data
    /// carries the message.
    awaiting_data: bool,
}

/// The SASL Mechanisms message offering PLAIN.
pub(crate) fn offer() -> PtTlsBody {
    PtTlsBody::SaslMechanisms(vec![PLAIN.to_owned()])
}

fn result(code: u16) -> PtTlsBody {
    PtTlsBody::SaslResult { code, data: Vec::new() }
}

impl SaslServer {
    pub(crate) fn new(accounts: SaslAccounts) -> Self {
        Self { accounts, failed: 0, awaiting_data: false }
    }

    pub(crate) fn receive(&mut self, body: &PtTlsBody) -> SaslStep {
        match body {
            PtTlsBody::SaslMechanismSelection { mechanism, initial } if !self.awaiting_data => {
                if mechanism != PLAIN {
                    return self.reject(None, SaslRejection::Mechanism, SASL_MECHANISM_FAILURE);
                }
                if initial.is_empty() {
                    // RFC 4422 §5: no initial response, so an empty challenge asks for it.
                    self.awaiting_data = true;
                    return SaslStep::Continue(vec![PtTlsBody::SaslAuthenticationData(Vec::new())]);
                }
                self.plain(initial)
            }
            PtTlsBody::SaslAuthenticationData(data) if self.awaiting_data => {
                self.awaiting_data = false;
                self.plain(data)
            }
            _ => SaslStep::Unexpected,
        }
    }

    fn plain(&mut self, bytes: &[u8]) -> SaslStep {
        let Ok(plain) = SaslPlain::parse(bytes) else {
            return self.reject(None, SaslRejection::Malformed, SASL_FAILURE);
        };
        if !plain.authzid.is_empty() && plain.authzid != plain.authcid {
            return self.reject(Some(plain.authcid), SaslRejection::Authorization, SASL_FAILURE);
        }
        if !self.accounts.accounts.check(&plain.authcid, &plain.password) {
            return self.reject(Some(plain.authcid), SaslRejection::Credentials, SASL_FAILURE);
        }
        SaslStep::Authenticated {
            user: plain.authcid,
            replies: vec![result(SASL_SUCCESS), PtTlsBody::SaslMechanisms(Vec::new())],
        }
    }

    fn reject(&mut self, user: Option<String>, why: SaslRejection, code: u16) -> SaslStep {
        self.failed += 1;
        let last = self.failed >= self.accounts.max_attempts.max(1);
        // A failure is followed by the offer again, so that a client may pick anew
        // (strongSwan's client, which reads a one-octet result, then also retries); the
        // last one is an abort, and the session ends.
        let replies = if last { vec![result(SASL_ABORT)] } else { vec![result(code), offer()] };
        SaslStep::Rejected { user, why, attempt: self.failed, last, replies }
    }
}
