//! `[[users]]`: who may log in to the CLI over SSH, with which keys and privilege.

use crate::checks;
use crate::ssh_key;
use crate::validation::{Problem, Report};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// Longest user name, in bytes.
pub const USER_NAME_MAX: usize = 32;

/// One CLI user (`[[users]]`). With no users configured, only the serial console can
/// configure the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// The login name. Required; 1 to 32 lower-case ASCII letters, digits, `-` and `_`,
    /// not starting with `-`; unique across the users.
    pub name: String,
    /// What the user may do. Default `operator`.
    #[serde(default)]
    pub privilege: Privilege,
    /// The user's OpenSSH public keys, one line each (`ssh-ed25519 AAAA… comment`).
    /// Default: none, and the user cannot log in over SSH. Accepted types: `ssh-ed25519`,
    /// `ecdsa-sha2-nistp256/384/521`, and `ssh-rsa` of at least 2048 bits; no options
    /// before the type; at most 8 KiB per line. A key may belong to one user only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ssh_keys: Vec<String>,
}

/// A CLI privilege level (the decision core's).
pub use postern_decision::Privilege;

/// Checks every user, then that names and keys are unique across them.
pub(crate) fn check(users: &[User], report: &mut Report) {
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut keys: HashMap<ssh_key::KeyId<'_>, String> = HashMap::new();
    for (i, user) in users.iter().enumerate() {
        let at = format!("users[{i}]");
        report.check(&at, "name", user_name(&user.name));
        match names.entry(user.name.as_str()) {
            Entry::Occupied(first) => report.push(
                format!("{at}.name"),
                Problem::Duplicate { value: user.name.clone(), first: format!("users[{}].name", first.get()) },
            ),
            Entry::Vacant(slot) => {
                slot.insert(i);
            }
        }
        for (k, line) in user.ssh_keys.iter().enumerate() {
            let here = format!("{at}.ssh_keys[{k}]");
            match ssh_key::check(line) {
                Err(problem) => report.push(here, problem),
                Ok(id) => match keys.entry(id) {
                    Entry::Occupied(first) => report.push(
                        here,
                        Problem::Duplicate {
                            value: format!("{} key {}", id.0, abbreviated(id.1)),
                            first: first.get().clone(),
                        },
                    ),
                    Entry::Vacant(slot) => {
                        slot.insert(here);
                    }
                },
            }
        }
    }
}

fn user_name(name: &str) -> Result<(), Problem> {
    checks::charset(
        name,
        USER_NAME_MAX,
        |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_',
        "only lower-case ASCII letters, digits, '-' and '_' are allowed",
    )?;
    if name.starts_with('-') {
        return Err(Problem::BadChar { found: '-', at: 0, allowed: "a name may not start with '-'" });
    }
    Ok(())
}

/// The start and end of a long base64 key, for messages.
fn abbreviated(encoded: &str) -> String {
    match (encoded.get(..12), encoded.get(encoded.len().saturating_sub(8)..)) {
        (Some(head), Some(tail)) if encoded.len() > 24 => format!("{head}…{tail}"),
        _ => encoded.to_owned(),
    }
}
