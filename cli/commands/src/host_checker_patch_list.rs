//! The Host Checker's patch list in the CLI: its staging source in CONFIG mode,
//! `host-checker import patch-list SHA256` (pasted, taken into use at once) and
//! `show host-checker patch-list`.

use crate::actions::*;
use crate::backend::{CliBackend, Outcome, failed};
use core::fmt::Write;
use postern_cli_engine::{ArgKind, Invocation, Node, Value};

/// The daemon's patch list: imports by hand and its status.
pub trait PatchListControl: Send + Sync {
    /// Takes a pasted `postern-patch-list/1` document whose SHA-256 (hex) must be `sha256`
    /// into use and keeps it; says what was imported, or why nothing changed.
    fn import(&self, text: &str, sha256: &str) -> Result<String, String>;
    /// `show host-checker patch-list`: version, age, source and the last fetch's result.
    fn status(&self) -> String;
}

/// `host-checker patch-list …` and `host-checker import …` in CONFIG mode.
pub(crate) fn config_nodes() -> [Node; 2] {
    [
        Node::keyword("patch-list", "Where the vendor patch list is fetched from").children([
            Node::keyword("url", "Staging URL (https) fetched on an interval")
                .no_action(HC_PATCH_URL)
                .child(Node::arg("URL", ArgKind::Word { max_len: 2048 }, "https URL of the list").action(HC_PATCH_URL)),
            Node::keyword("ca-file", "PEM file of the authorities trusted for the staging server")
                .no_action(HC_PATCH_CA)
                .child(Node::arg("FILE", ArgKind::Word { max_len: 4096 }, "Absolute path").action(HC_PATCH_CA)),
            Node::keyword("interval", "Seconds between fetches (default 3600)").no_action(HC_PATCH_INTERVAL).child(
                Node::arg("SECONDS", ArgKind::Integer { min: 5, max: 604_800 }, "Seconds").action(HC_PATCH_INTERVAL),
            ),
        ]),
        Node::keyword("import", "Paste a patch list or a file's content, ended by a line `quit`").children([
            Node::keyword("patch-list", "A postern-patch-list/1 document, taken into use at once").child(
                Node::arg("SHA256", ArgKind::Word { max_len: 64 }, "The document's SHA-256, 64 hex digits")
                    .action(HC_PATCH_IMPORT)
                    .pastes(),
            ),
            Node::keyword("patch-list-ca", "PEM certificates of the authorities trusted for the staging server")
                .action(HC_PATCH_CA_IMPORT)
                .pastes(),
        ]),
    ]
}

/// `show host-checker patch-list`.
pub(crate) fn show_node() -> Node {
    Node::keyword("patch-list", "The patch list: version, age, source, last fetch").action(HC_SHOW_PATCH_LIST)
}

/// Edits the staging source in the candidate.
pub(crate) fn edit(session: &mut CliBackend, inv: &Invocation<'_>) -> Outcome {
    let no = inv.negated();
    let settings = &mut session.candidate().config_mut().host_checker;
    match inv.action() {
        HC_PATCH_URL => {
            settings.patch_list_url = if no { None } else { inv.arg("URL").and_then(Value::as_str).map(Into::into) }
        }
        HC_PATCH_CA => {
            settings.patch_list_ca_file =
                if no { None } else { inv.arg("FILE").and_then(Value::as_str).map(Into::into) }
        }
        HC_PATCH_INTERVAL => {
            settings.patch_list_interval_secs = if no {
                postern_config::PATCH_LIST_INTERVAL_SECS
            } else {
                inv.arg("SECONDS")
                    .and_then(Value::as_integer)
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| failed("SECONDS is out of range"))?
            }
        }
        _ => return Err(failed("this command is not available")),
    }
    Ok(())
}

/// `host-checker import patch-list SHA256` with the pasted document.
pub(crate) fn import(session: &mut CliBackend, inv: &Invocation<'_>, out: &mut dyn Write) -> Outcome {
    let text = inv.text().ok_or_else(|| failed("paste the patch list after the command, then a line `quit`"))?;
    let sha256 = inv.arg("SHA256").and_then(Value::as_str).ok_or_else(|| failed("SHA256 is missing"))?;
    let control = session.appliance().patch_list().ok_or_else(|| failed("this gateway keeps no patch list"))?;
    let done = control.import(text, sha256).map_err(|e| failed(format!("{e}; the patch list in use is unchanged")))?;
    writeln!(out, "{done}")?;
    Ok(())
}

/// `show host-checker patch-list`.
pub(crate) fn show(session: &mut CliBackend, out: &mut dyn Write) -> Outcome {
    match session.appliance().patch_list() {
        Some(control) => out.write_str(&control.status())?,
        None => writeln!(out, "This gateway keeps no patch list.")?,
    }
    Ok(())
}

/// `host-checker patch-list …` lines of `show running-config`.
pub(crate) fn render(settings: &postern_config::HostCheckerSettings, line: &mut impl FnMut(String)) {
    if let Some(url) = &settings.patch_list_url {
        line(format!("host-checker patch-list url {url}"));
    }
    if let Some(file) = &settings.patch_list_ca_file {
        line(format!("host-checker patch-list ca-file {}", file.display()));
    }
    if settings.patch_list_interval_secs != postern_config::PATCH_LIST_INTERVAL_SECS {
        line(format!("host-checker patch-list interval {}", settings.patch_list_interval_secs));
    }
}
