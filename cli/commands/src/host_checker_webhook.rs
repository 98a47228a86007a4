//! `host-checker remediation-webhook URL` and `host-checker remediation-webhook-ca FILE`
//! in CONFIG mode: where failed checks are POSTed (H6).

use crate::actions::{HC_WEBHOOK, HC_WEBHOOK_CA};
use crate::backend::{CliBackend, Outcome, failed};
use postern_cli_engine::{ArgKind, Invocation, Node, Value};

/// The two commands under `host-checker`.
pub(crate) fn config_nodes() -> [Node; 2] {
    [
        Node::keyword("remediation-webhook", "HTTPS URL that gets a JSON POST per failed check")
            .no_action(HC_WEBHOOK)
            .child(Node::arg("URL", ArgKind::Word { max_len: 2048 }, "https URL").action(HC_WEBHOOK)),
        Node::keyword("remediation-webhook-ca", "PEM file of the authorities trusted for the webhook")
            .no_action(HC_WEBHOOK_CA)
            .child(Node::arg("FILE", ArgKind::Word { max_len: 4096 }, "Absolute path").action(HC_WEBHOOK_CA)),
    ]
}

/// Edits the webhook settings in the candidate.
pub(crate) fn edit(session: &mut CliBackend, inv: &Invocation<'_>) -> Outcome {
    let no = inv.negated();
    let settings = &mut session.candidate().config_mut().host_checker;
    match inv.action() {
        HC_WEBHOOK => {
            settings.remediation_webhook_url =
                if no { None } else { inv.arg("URL").and_then(Value::as_str).map(Into::into) }
        }
        HC_WEBHOOK_CA => {
            settings.remediation_webhook_ca_file =
                if no { None } else { inv.arg("FILE").and_then(Value::as_str).map(Into::into) }
        }
        _ => return Err(failed("this command is not available")),
    }
    Ok(())
}

/// Their lines in `show running-config`.
pub(crate) fn render(settings: &postern_config::HostCheckerSettings, line: &mut impl FnMut(String)) {
    if let Some(url) = &settings.remediation_webhook_url {
        line(format!("host-checker remediation-webhook {url}"));
    }
    if let Some(file) = &settings.remediation_webhook_ca_file {
        line(format!("host-checker remediation-webhook-ca {}", file.display()));
    }
}
