//! What is wrong with a configuration, setting by setting.

use std::fmt;

/// What is wrong with one setting's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// A number is smaller than its minimum.
    #[error("{value} is below the minimum {min}")]
    BelowMin {
        /// The value found.
        value: u64,
        /// The smallest value allowed.
        min: u64,
    },
    /// A number is larger than its maximum.
    #[error("{value} is above the maximum {max}")]
    AboveMax {
        /// The value found.
        value: u64,
        /// The largest value allowed.
        max: u64,
    },
    /// A text is empty where a value is required.
    #[error("is empty")]
    Empty,
    /// A text is longer than allowed.
    #[error("is {len} bytes long; at most {max} are allowed")]
    TooLong {
        /// Its length in bytes.
        len: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// A text holds a character it may not hold.
    #[error("holds {found:?} at byte {at}; {allowed}")]
    BadChar {
        /// The offending character.
        found: char,
        /// Its byte offset.
        at: usize,
        /// Which characters are allowed.
        allowed: &'static str,
    },
    /// A host name breaks the RFC 1123 label rules.
    #[error("is not an RFC 1123 host name label: {reason}")]
    BadHostname {
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// A URL uses a scheme other than `https`.
    #[error("uses scheme `{scheme}`; only https is allowed")]
    NotHttps {
        /// The scheme found.
        scheme: String,
    },
    /// A URL is malformed.
    #[error("is not a valid https URL: {reason}")]
    BadUrl {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A file system path is relative.
    #[error("`{path}` is not an absolute path")]
    NotAbsolute {
        /// The path found.
        path: String,
    },
    /// A value that must be unique repeats an earlier one.
    #[error("`{value}` is already used by {first}")]
    Duplicate {
        /// The repeated value.
        value: String,
        /// The dotted path of the setting that holds it first.
        first: String,
    },
    /// A value needs another setting to be set a certain way.
    #[error("{value} needs {requirement}")]
    Requires {
        /// The value found.
        value: String,
        /// The other setting and the value it needs.
        requirement: String,
    },
    /// A setting is absent although another setting needs it.
    #[error("is required when {because}")]
    Missing {
        /// The other setting that needs it, e.g. `tls.certificate_file is set`.
        because: String,
    },
    /// A setting this version stores but cannot yet put into effect: refused at commit.
    #[error("is not supported yet: {why}")]
    Unsupported {
        /// What is missing for it to have an effect.
        why: &'static str,
    },
    /// A Host Checker policy or rule that cannot be evaluated.
    #[error("{reason}")]
    BadPolicy {
        /// What is wrong, naming the rule.
        reason: String,
    },
    /// An identifier the decision core refuses, for a reason the variants above do not name.
    #[error("{reason}")]
    BadIdentifier {
        /// The decision core's reason.
        reason: String,
    },
    /// A value cannot stand together with another setting's value.
    #[error("conflicts with {with}: {reason}")]
    Conflicts {
        /// The dotted path of the other setting.
        with: String,
        /// Why the two cannot stand together.
        reason: &'static str,
    },
    /// A network interface name breaks the Linux rules.
    #[error("is not a Linux interface name: {reason}")]
    BadInterfaceName {
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// An IP address, or an address with a prefix length, is malformed or unusable.
    #[error("is not a usable {expected}: {reason}")]
    BadAddress {
        /// What was expected, e.g. `address/prefix (like 192.0.2.10/24)`.
        expected: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A default gateway lies outside every network of its interface.
    #[error("{gateway} is not in the network of any {family} address of this interface")]
    GatewayOffLink {
        /// The gateway address.
        gateway: String,
        /// `IPv4` or `IPv6`.
        family: &'static str,
    },
    /// A back-end server is not a valid `host:port`.
    #[error("is not a `host:port` server: {reason}")]
    BadServer {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An SSH public key line is malformed, of an unsupported type or too weak.
    #[error("is not an accepted OpenSSH public key line: {reason}")]
    BadSshKey {
        /// What is wrong with it.
        reason: String,
    },
    /// A stored password hash is not in the accepted format.
    #[error("is not a password hash this version accepts: {reason}")]
    BadPasswordHash {
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// One offending setting: its dotted path and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct ValidationError {
    /// Dotted path of the setting, e.g. `uem.checkins.compliance_interval_secs` or
    /// `uem.connector.devices[2].user`.
    pub path: String,
    /// What is wrong with it.
    pub problem: Problem,
}

/// Every offending setting of a configuration, in tree order. Never empty when returned
/// as an error.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ValidationErrors(Vec<ValidationError>);

impl ValidationErrors {
    /// The offending settings, in tree order.
    pub fn errors(&self) -> &[ValidationError] {
        &self.0
    }

    /// How many settings are wrong.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The error for the setting at `path`, if that setting is wrong.
    pub fn get(&self, path: &str) -> Option<&ValidationError> {
        self.0.iter().find(|e| e.path == path)
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// Collects problems while a configuration tree is walked.
#[derive(Debug, Default)]
pub(crate) struct Report(Vec<ValidationError>);

impl Report {
    /// Records `result` for the setting `at.field` if it is a problem.
    pub(crate) fn check(&mut self, at: &str, field: &str, result: Result<(), Problem>) {
        if let Err(problem) = result {
            self.push(format!("{at}.{field}"), problem);
        }
    }

    /// Records a problem for the setting at the full dotted `path`.
    pub(crate) fn push(&mut self, path: String, problem: Problem) {
        self.0.push(ValidationError { path, problem });
    }

    /// Ok when nothing was recorded, otherwise every recorded problem.
    pub(crate) fn finish(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() { Ok(()) } else { Err(ValidationErrors(self.0)) }
    }
}
