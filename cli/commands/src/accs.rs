//! The administrative portal in the CLI (A1, A2): its CA and token files and the
//! federation listener's address and public URL in CONFIG mode, `accs config-fetch update`
//! (fetches at once and waits for the result), `show accs` and `show accs reports` (A3).

use crate::actions::*;
use crate::backend::{CliBackend, Outcome, failed};
use core::fmt::Write;
use postern_cli_engine::{ArgKind, Invocation, Node, Value};
/// The daemon's portal sync.
pub trait AccsControl: Send + Sync {
    /// Fetches from the portal now (with the running settings), applies a new profile and
    /// says what it did, or why nothing changed; returns when the fetch is done.
    fn fetch_now(&self) -> Result<String, String>;
    /// The sync's state for `show accs`: last attempt and its result, last success, and
    /// the profile in use (revision, tenant, pairings and rules one line each), and one
    /// line about the sign-in reports.
    fn status(&self) -> String;
    /// The sign-in reports for `show accs reports`: pending, oldest, bound and drops, the
    /// last upload attempt and its result, the last success.
    fn reports(&self) -> String;
    /// Whether this gateway can serve the SAML federation listener; without it the
    /// `accs federation` settings are refused, as they would have no effect.
    fn serves_federation(&self) -> bool;
    /// The federation sessions for `show accs sessions` (A5): the live sessions Postern
    /// issued and the revocations under way or recently done.
    fn sessions(&self) -> String {
        "This gateway keeps no federation sessions.\n".into()
    }
}

/// `accs ca-file`, `accs token-file`, `accs import portal-ca|token`,
/// `accs federation listen|url|revocation-ca-file` in CONFIG mode.
pub(crate) fn config_nodes() -> [Node; 4] {
    let path = || ArgKind::Word { max_len: 4096 };
    [
        Node::keyword("federation", "The SAML federation listener").children([
            Node::keyword("listen", "Address of the federation listener (HTTPS)")
                .no_action(ACCS_FEDERATION_LISTEN)
                .child(
                    Node::arg("ADDRESS", ArgKind::Word { max_len: 64 }, "IP:PORT, e.g. 0.0.0.0:8443 or [::]:8443")
                        .action(ACCS_FEDERATION_LISTEN),
                ),
            Node::keyword("url", "Postern's public base URL for federation").no_action(ACCS_FEDERATION_URL).child(
                Node::arg("URL", ArgKind::Word { max_len: 2048 }, "https://HOST[:PORT], e.g. https://sso.example.com")
                    .action(ACCS_FEDERATION_URL),
            ),
            Node::keyword(
                "revocation-ca-file",
                "PEM file of the authorities trusted for session revocation (SPs' Single Logout, Graph)",
            )
            .no_action(ACCS_REVOCATION_CA_FILE)
            .child(Node::arg("FILE", path(), "Absolute path").action(ACCS_REVOCATION_CA_FILE)),
        ]),
        Node::keyword("ca-file", "PEM file of the authorities trusted for the portal (pinned)")
            .no_action(ACCS_CA_FILE)
            .child(Node::arg("FILE", path(), "Absolute path").action(ACCS_CA_FILE)),
        Node::keyword("token-file", "File holding the gateway's bearer token for the portal")
            .no_action(ACCS_TOKEN_FILE)
            .child(Node::arg("FILE", path(), "Absolute path").action(ACCS_TOKEN_FILE)),
        Node::keyword("import", "Paste a file's content, ended by a line `quit`").children([
            Node::keyword("portal-ca", "PEM certificates of the authorities trusted for the portal")
                .action(ACCS_CA_IMPORT)
                .pastes(),
            Node::keyword("token", "The gateway's bearer token for the portal").action(ACCS_TOKEN_IMPORT).pastes(),
        ]),
    ]
}

/// `show accs`, `show accs reports` and `show accs sessions`.
pub(crate) fn show_node() -> Node {
    Node::keyword("accs", "Portal sync: last attempt, last success, the profile in use").action(ACCS_SHOW).children([
        Node::keyword("reports", "Sign-in reports: pending, oldest, dropped, last upload and its result")
            .action(ACCS_REPORTS),
        Node::keyword("sessions", "Federation sessions issued to cloud services, and revocations (A5)")
            .action(ACCS_SESSIONS),
    ])
}

/// Edits the CA or token file in the candidate.
pub(crate) fn edit(session: &mut CliBackend, inv: &Invocation<'_>) -> Outcome {
    let word = |name: &str| if inv.negated() { None } else { inv.arg(name).and_then(Value::as_str) };
    let federation = matches!(inv.action(), ACCS_FEDERATION_LISTEN | ACCS_FEDERATION_URL | ACCS_REVOCATION_CA_FILE);
    if federation && !inv.negated() && session.appliance().accs().is_some_and(|control| !control.serves_federation()) {
        return Err(failed(
            "this gateway's posternd is built without the SAML federation listener (the appliance image does not ship it yet); nothing was changed",
        ));
    }
    let settings = &mut session.candidate().config_mut().accs;
    match inv.action() {
        ACCS_CA_FILE => settings.ca_file = word("FILE").map(Into::into),
        ACCS_TOKEN_FILE => settings.token_file = word("FILE").map(Into::into),
        ACCS_FEDERATION_LISTEN => {
            settings.federation_listen = word("ADDRESS")
                .map(|text| {
                    text.parse()
                        .map_err(|_| failed(format!("`{text}` is not an address and port (IP:PORT, [IPv6]:PORT)")))
                })
                .transpose()?;
        }
        ACCS_FEDERATION_URL => settings.federation_url = word("URL").map(Into::into),
        ACCS_REVOCATION_CA_FILE => settings.revocation_ca_file = word("FILE").map(Into::into),
        _ => return Err(failed("this command is not available")),
    }
    Ok(())
}

/// `accs config-fetch update`: fetches now with the running settings and prints the result.
pub(crate) fn fetch(session: &mut CliBackend, out: &mut dyn Write) -> Outcome {
    if session.appliance().store().running().accs.portal_url.is_none() {
        return Err(failed("no administrative portal is configured (accs portal URL); nothing was fetched"));
    }
    let control = session.appliance().accs().ok_or_else(|| failed("this gateway does not sync with a portal"))?;
    match control.fetch_now() {
        Ok(done) => {
            writeln!(out, "{done}")?;
            Ok(())
        }
        Err(reason) => Err(failed(reason)),
    }
}

/// `show accs`.
pub(crate) fn show(session: &mut CliBackend, out: &mut dyn Write) -> Outcome {
    let accs = session.appliance().store().running().accs.clone();
    match &accs.portal_url {
        Some(url) => writeln!(out, "Portal: {url} (every {} s)", accs.sync_interval_secs)?,
        None => writeln!(out, "Portal: none configured (accs portal URL)")?,
    }
    match session.appliance().accs() {
        Some(control) => out.write_str(&control.status())?,
        None => writeln!(out, "This gateway does not sync with a portal.")?,
    }
    Ok(())
}

/// `show accs reports`.
pub(crate) fn show_reports(session: &mut CliBackend, out: &mut dyn Write) -> Outcome {
    match session.appliance().accs() {
        Some(control) => out.write_str(&control.reports())?,
        None => writeln!(out, "This gateway does not report sign-ins.")?,
    }
    Ok(())
}

/// `show accs sessions`.
pub(crate) fn show_sessions(session: &mut CliBackend, out: &mut dyn Write) -> Outcome {
    match session.appliance().accs() {
        Some(control) => out.write_str(&control.sessions())?,
        None => writeln!(out, "This gateway keeps no federation sessions.")?,
    }
    Ok(())
}

/// `accs …` lines of `show running-config` (the token file's path, never the token).
pub(crate) fn render(settings: &postern_config::AccsSettings, line: &mut impl FnMut(String)) {
    if let Some(url) = &settings.portal_url {
        line(format!("accs portal {url}"));
    }
    if let Some(file) = &settings.ca_file {
        line(format!("accs ca-file {}", file.display()));
    }
    if let Some(file) = &settings.token_file {
        line(format!("accs token-file {}", file.display()));
    }
    line(format!("accs sync-interval {}", settings.sync_interval_secs));
    if let Some(addr) = &settings.federation_listen {
        line(format!("accs federation listen {addr}"));
    }
    if let Some(url) = &settings.federation_url {
        line(format!("accs federation url {url}"));
    }
    if let Some(file) = &settings.revocation_ca_file {
        line(format!("accs federation revocation-ca-file {}", file.display()));
    }
}
