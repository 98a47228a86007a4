//! Pasting what a setting would name a file for, on a sealed appliance with no file
//! transfer: `activesync import backend-ca`, `apptunnel import client-ca`,
//! `host-checker import patch-list-ca`, `accs import portal-ca`, `accs import token`, and in `uem`
//! mode `import ca`, `import credentials`, `import client-secret`. Each is checked, stored
//! in the state directory (mode 0600) and named in the candidate; `commit` applies it.
//! `show running-config` describes each such file by fingerprint, never by content.

use crate::actions::{
    ACCS_CA_IMPORT, ACCS_TOKEN_IMPORT, ACTIVESYNC_CA_IMPORT, HC_PATCH_CA_IMPORT, TUNNEL_CA_IMPORT, UEM_CA_IMPORT,
    UEM_CREDENTIALS_IMPORT, UEM_SECRET_IMPORT,
};
use crate::backend::{CliBackend, Outcome, failed};
use core::fmt::Write;
use postern_cli_engine::Invocation;
use postern_config::{Config, Connector};
use postern_tls_identity::{IdentityError, describe_authorities};
use std::path::{Path, PathBuf};

fn refused(error: &IdentityError) -> postern_cli_engine::CommandError {
    failed(format!("{error}; nothing was changed"))
}

/// Runs one of the import commands with its pasted text.
pub(crate) fn run(session: &mut CliBackend, inv: &Invocation<'_>, out: &mut dyn Write) -> Outcome {
    let text = inv.text().ok_or_else(|| failed("paste the text after the command, then a line `quit`"))?;
    let imports = crate::tls::tls_of(session)?.imports();
    let action = inv.action();
    // Where the stored file goes, checked before anything is written.
    let connector = &session.candidate().config().uem.connector;
    match (action, connector) {
        (UEM_CA_IMPORT, Connector::Static(_)) => {
            return Err(failed("a static UEM has no certificate: choose connector postern-api or graph first"));
        }
        (UEM_CREDENTIALS_IMPORT, c) if !matches!(c, Connector::PosternApi(_)) => {
            return Err(failed("credentials apply to connector postern-api only"));
        }
        (UEM_SECRET_IMPORT, c) if !matches!(c, Connector::Graph(_)) => {
            return Err(failed("a client secret applies to connector graph only"));
        }
        _ => {}
    }
    let path = if matches!(action, UEM_CREDENTIALS_IMPORT | UEM_SECRET_IMPORT | ACCS_TOKEN_IMPORT) {
        let path = imports.store_secret(text).map_err(|e| refused(&e))?;
        writeln!(out, "Secret imported (kept readable only by the gateway); `commit` to use it.")?;
        path
    } else {
        let stored = imports.store_authorities(text).map_err(|e| refused(&e))?;
        for c in &stored.certificates {
            writeln!(out, "Trusted: subject {}, SHA-256 {}, valid until {}.", c.subject, c.sha256, c.not_after)?;
        }
        writeln!(out, "{} certificate(s) imported; `commit` to use them.", stored.certificates.len())?;
        stored.path
    };
    let config = session.candidate().config_mut();
    let slot = match (action, &mut config.uem.connector) {
        (ACTIVESYNC_CA_IMPORT, _) => &mut config.activesync.backend_ca_file,
        (TUNNEL_CA_IMPORT, _) => &mut config.apptunnel.client_ca_file,
        (HC_PATCH_CA_IMPORT, _) => &mut config.host_checker.patch_list_ca_file,
        (ACCS_CA_IMPORT, _) => &mut config.accs.ca_file,
        (ACCS_TOKEN_IMPORT, _) => &mut config.accs.token_file,
        (UEM_CA_IMPORT, Connector::PosternApi(api)) => &mut api.ca_file,
        (UEM_CA_IMPORT, Connector::Graph(graph)) => &mut graph.ca_file,
        (UEM_CREDENTIALS_IMPORT, Connector::PosternApi(api)) => &mut api.gateway_credentials,
        (UEM_SECRET_IMPORT, Connector::Graph(graph)) => {
            graph.client_secret_file = path;
            return Ok(());
        }
        _ => return Err(failed("this import does not apply to the configured UEM connector")),
    };
    *slot = Some(path);
    tracing::info!(action = action.0, "file imported into the candidate");
    Ok(())
}

/// `show running-config` comment lines for every setting that names a file: certificates
/// by subject and fingerprint, secrets only as present or missing.
pub(crate) fn running_comments(config: &Config) -> Vec<String> {
    let mut authorities: Vec<(&str, &PathBuf)> = Vec::new();
    let mut secrets: Vec<(&str, &PathBuf)> = Vec::new();
    authorities.extend(config.activesync.backend_ca_file.as_ref().map(|p| ("activesync backend-ca", p)));
    authorities.extend(config.apptunnel.client_ca_file.as_ref().map(|p| ("apptunnel client-ca", p)));
    authorities.extend(config.host_checker.patch_list_ca_file.as_ref().map(|p| ("host-checker patch-list ca", p)));
    authorities.extend(
        config.host_checker.remediation_webhook_ca_file.as_ref().map(|p| ("host-checker remediation-webhook-ca", p)),
    );
    authorities.extend(config.accs.ca_file.as_ref().map(|p| ("accs ca-file", p)));
    secrets.extend(config.accs.token_file.as_ref().map(|p| ("accs token-file", p)));
    match &config.uem.connector {
        Connector::PosternApi(api) => {
            authorities.extend(api.ca_file.as_ref().map(|p| ("uem ca", p)));
            secrets.extend(api.gateway_credentials.as_ref().map(|p| ("uem credentials", p)));
        }
        Connector::Graph(graph) => {
            authorities.extend(graph.ca_file.as_ref().map(|p| ("uem ca", p)));
            secrets.push(("uem client-secret", &graph.client_secret_file));
        }
        Connector::Static(_) => {}
    }
    let mut lines: Vec<String> =
        authorities.into_iter().map(|(setting, path)| authority_comment(setting, path)).collect();
    lines.extend(secrets.into_iter().map(|(setting, path)| secret_comment(setting, path)));
    lines
}

fn authority_comment(setting: &str, path: &Path) -> String {
    match describe_authorities(path) {
        Ok(certificates) => {
            let listed: Vec<String> =
                certificates.iter().map(|c| format!("{} SHA-256 {}", c.subject, c.sha256)).collect();
            format!("! {setting}: {}", listed.join("; "))
        }
        Err(e) => format!("! {setting}: unusable ({e})"),
    }
}

fn secret_comment(setting: &str, path: &Path) -> String {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => format!("! {setting}: installed"),
        Ok(_) => format!("! {setting}: {} is not a file", path.display()),
        Err(e) => format!("! {setting}: missing ({e})"),
    }
}
