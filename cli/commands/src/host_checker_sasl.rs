//! `host-checker sasl-mode off|optional|required`, `host-checker sasl-user NAME password
//! PASSWORD` (hashed at once; the password is never stored) and `host-checker sasl-user
//! NAME password-hash HASH` (as `show running-config` prints it) in CONFIG mode.

use crate::actions::{HC_SASL_MODE, HC_SASL_USER, HC_SASL_USER_HASH};
use crate::backend::{CliBackend, Outcome, failed};
use postern_cli_engine::{ArgKind, Invocation, Node, Value};
use postern_config::{SASL_PASSWORD_MAX, SASL_USER_MAX, SaslMode, SaslUser, hash_password};

const MODES: &[&str] = &["off", "optional", "required"];

/// The commands under `host-checker`.
pub(crate) fn config_nodes() -> [Node; 2] {
    [
        Node::keyword(
            "sasl-mode",
            "SASL PLAIN on the PT-TLS listener: off, optional (instead of a certificate), required",
        )
        .no_action(HC_SASL_MODE)
        .child(Node::arg("MODE", ArgKind::OneOf(MODES), "off, optional or required").action(HC_SASL_MODE)),
        Node::keyword("sasl-user", "A SASL PLAIN account of the PT-TLS listener").child(
            Node::arg("NAME", ArgKind::Word { max_len: SASL_USER_MAX }, "User name: letters, digits . _ @ - = , :")
                .no_action(HC_SASL_USER)
                .children([
                    Node::keyword("password", "Set the password (stored as a salted hash)").child(
                        Node::arg("PASSWORD", ArgKind::Word { max_len: SASL_PASSWORD_MAX }, "Password, one word")
                            .action(HC_SASL_USER),
                    ),
                    Node::keyword("password-hash", "Set the stored hash (as show running-config prints it)").child(
                        Node::arg("HASH", ArgKind::Word { max_len: 512 }, "pbkdf2-sha256$ITERATIONS$SALT$HASH")
                            .action(HC_SASL_USER_HASH),
                    ),
                ]),
        ),
    ]
}

/// Edits the SASL settings in the candidate (checked at commit).
pub(crate) fn edit(session: &mut CliBackend, inv: &Invocation<'_>) -> Outcome {
    let no = inv.negated();
    let sasl = &mut session.candidate().config_mut().host_checker.sasl;
    match inv.action() {
        HC_SASL_MODE => {
            sasl.mode = match inv.arg("MODE").and_then(Value::as_str) {
                Some("optional") if !no => SaslMode::Optional,
                Some("required") if !no => SaslMode::Required,
                _ => SaslMode::Off,
            }
        }
        HC_SASL_USER | HC_SASL_USER_HASH => {
            let name = inv.arg("NAME").and_then(Value::as_str).unwrap_or_default().to_owned();
            if no {
                let before = sasl.users.len();
                sasl.users.retain(|u| u.name != name);
                if sasl.users.len() == before {
                    return Err(failed(format!("no SASL user {name}")));
                }
                return Ok(());
            }
            let password_hash = if inv.action() == HC_SASL_USER {
                let password = inv.arg("PASSWORD").and_then(Value::as_str).unwrap_or_default();
                hash_password(password).map_err(|e| failed(format!("password {e}")))?
            } else {
                inv.arg("HASH").and_then(Value::as_str).unwrap_or_default().to_owned()
            };
            match sasl.users.iter_mut().find(|u| u.name == name) {
                Some(user) => user.password_hash = password_hash,
                None => sasl.users.push(SaslUser { name, password_hash }),
            }
        }
        _ => return Err(failed("this command is not available")),
    }
    Ok(())
}

/// Their lines in `show running-config` (hashes only).
pub(crate) fn render(settings: &postern_config::HostCheckerSettings, line: &mut impl FnMut(String)) {
    if settings.sasl.mode != SaslMode::Off {
        line(format!("host-checker sasl-mode {}", settings.sasl.mode.as_str()));
    }
    for user in &settings.sasl.users {
        line(format!("host-checker sasl-user {} password-hash {}", user.name, user.password_hash));
    }
}
