//! `[host_checker.sasl]`: SASL PLAIN (RFC 6876 §3.8, RFC 4616) on the Host Checker's
//! PT-TLS listener — whether it is off, optional beside the device certificate, or
//! required with it — and the accounts, stored as salted PBKDF2 hashes, never in clear.

use crate::checks;
use crate::validation::{Problem, Report};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use ring::rand::SecureRandom as _;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::num::NonZeroU32;

/// Longest SASL user name, in bytes.
pub const SASL_USER_MAX: usize = 64;
/// Longest password accepted, in bytes (RFC 4616 bounds the field at 255 octets).
pub const SASL_PASSWORD_MAX: usize = 255;
/// PBKDF2-HMAC-SHA256 iterations of new hashes.
pub const SASL_HASH_ITERATIONS: u32 = 100_000;
const ITERATIONS_MIN: u32 = 10_000;
const ITERATIONS_MAX: u32 = 10_000_000;
const HASH_PREFIX: &str = "pbkdf2-sha256";
const SALT_LEN: usize = 16;
const HASH_LEN: usize = 32;

/// How a PT-TLS client authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SaslMode {
    /// The device certificate only; no SASL offered (the default).
    #[default]
    Off,
    /// A device certificate, or else a SASL PLAIN user (a session without a certificate
    /// is offered PLAIN; one with a certificate is not asked for a password).
    Optional,
    /// Both: the device certificate and a SASL PLAIN user.
    Required,
}

impl SaslMode {
    /// The mode's name in the configuration and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Optional => "optional",
            Self::Required => "required",
        }
    }
}

/// One SASL account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaslUser {
    /// 1 to 64 of `a-z A-Z 0-9 . _ @ - = , :` (strongSwan's client sends its identity,
    /// such as `CN=dev-1`); unique.
    pub name: String,
    /// `pbkdf2-sha256$ITERATIONS$SALT$HASH` (salt and hash in unpadded base64), as
    /// [`hash_password`] writes it.
    pub password_hash: String,
}

/// `[host_checker.sasl]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostCheckerSasl {
    /// `off` (default), `optional` or `required`; not `off` needs at least one user.
    pub mode: SaslMode,
    /// The accounts (`[[host_checker.sasl.users]]`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<SaslUser>,
}

impl HostCheckerSasl {
    /// Whether nothing is set (left out of the stored file).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// Whether `password` is the one of `user`; `false` for unknown users and bad hashes.
    pub fn verify(&self, user: &str, password: &[u8]) -> bool {
        self.users.iter().find(|u| u.name == user).is_some_and(|u| verify_password(&u.password_hash, password))
    }

    pub(crate) fn check(&self, at: &str, report: &mut Report) {
        let at = format!("{at}.sasl");
        if self.mode != SaslMode::Off && self.users.is_empty() {
            report.check(
                &at,
                "mode",
                Err(Problem::Requires {
                    value: self.mode.as_str().into(),
                    requirement: "at least one host_checker.sasl.users entry".into(),
                }),
            );
        }
        let mut names: HashMap<&str, usize> = HashMap::new();
        for (i, user) in self.users.iter().enumerate() {
            let here = format!("{at}.users[{i}]");
            report.check(&here, "name", user_name(&user.name));
            report.check(&here, "password_hash", parse_hash(&user.password_hash).map(drop));
            match names.entry(user.name.as_str()) {
                Entry::Occupied(first) => report.push(
                    format!("{here}.name"),
                    Problem::Duplicate { value: user.name.clone(), first: format!("{at}.users[{}].name", first.get()) },
                ),
                Entry::Vacant(slot) => {
                    slot.insert(i);
                }
            }
        }
    }
}

/// Checks a SASL user name.
pub(crate) fn user_name(name: &str) -> Result<(), Problem> {
    checks::charset(
        name,
        SASL_USER_MAX,
        |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-' | '=' | ',' | ':'),
        "only ASCII letters, digits, '.', '_', '@', '-', '=', ',' and ':' are allowed",
    )
}

/// A new salted hash of `password` in the stored format; refuses an empty or over-long
/// password.
pub fn hash_password(password: &str) -> Result<String, Problem> {
    if password.is_empty() {
        return Err(Problem::Empty);
    }
    if password.len() > SASL_PASSWORD_MAX {
        return Err(Problem::TooLong { len: password.len(), max: SASL_PASSWORD_MAX });
    }
    let mut salt = [0u8; SALT_LEN];
    ring::rand::SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| Problem::BadPasswordHash { reason: "the system random source failed" })?;
    let iterations = NonZeroU32::new(SASL_HASH_ITERATIONS).unwrap_or(NonZeroU32::MIN);
    let mut hash = [0u8; HASH_LEN];
    ring::pbkdf2::derive(ring::pbkdf2::PBKDF2_HMAC_SHA256, iterations, &salt, password.as_bytes(), &mut hash);
    Ok(format!(
        "{HASH_PREFIX}${}${}${}",
        SASL_HASH_ITERATIONS,
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(hash)
    ))
}

/// Whether `password` matches `stored` (compared in constant time); `false` when
/// `stored` is malformed.
pub fn verify_password(stored: &str, password: &[u8]) -> bool {
    let Ok((iterations, salt, hash)) = parse_hash(stored) else { return false };
    ring::pbkdf2::verify(ring::pbkdf2::PBKDF2_HMAC_SHA256, iterations, &salt, password, &hash).is_ok()
}

fn parse_hash(stored: &str) -> Result<(NonZeroU32, Vec<u8>, Vec<u8>), Problem> {
    let bad = |reason| Problem::BadPasswordHash { reason };
    let mut parts = stored.split('$');
    let (Some(HASH_PREFIX), Some(iterations), Some(salt), Some(hash), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("expected pbkdf2-sha256$ITERATIONS$SALT$HASH"));
    };
    let iterations = iterations
        .parse::<u32>()
        .ok()
        .filter(|n| (ITERATIONS_MIN..=ITERATIONS_MAX).contains(n))
        .and_then(NonZeroU32::new)
        .ok_or(bad("iterations must be 10000 to 10000000"))?;
    let salt = STANDARD_NO_PAD.decode(salt).map_err(|_| bad("the salt is not unpadded base64"))?;
    let hash = STANDARD_NO_PAD.decode(hash).map_err(|_| bad("the hash is not unpadded base64"))?;
    if salt.len() < SALT_LEN {
        return Err(bad("the salt is shorter than 16 bytes"));
    }
    if hash.len() != HASH_LEN {
        return Err(bad("the hash is not 32 bytes"));
    }
    Ok((iterations, salt, hash))
}
