//! The gateway's TLS identity in the CLI: `show tls`, `tls import certificate|key` (pasted
//! PEM), the key-matches-certificate check before a commit, and handing a committed change
//! to the daemon at once.

use crate::actions::TLS_IMPORT_CERT;
use crate::backend::{CliBackend, Outcome, failed};
use core::fmt::Write;
use postern_cli_engine::Invocation;
use postern_config::Config;
use postern_tls_identity::{IdentityError, ImportDir, check_files, read_chain, summarize};
use std::path::PathBuf;

/// Where the served certificate comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsSource {
    /// The identity the gateway made for itself (no certificate configured).
    SelfMade,
    /// A certificate and key the configuration names (imported or given as files).
    Installed,
}

/// The certificate served now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedTls {
    /// Where it comes from.
    pub source: TlsSource,
    /// The certificate chain file.
    pub certificate: PathBuf,
}

/// The daemon's side of the TLS identity.
pub trait TlsControl: Send + Sync {
    /// Where pasted certificates and keys are kept.
    fn imports(&self) -> ImportDir;
    /// The certificate served now (or, without a listener, the one that would be).
    fn served(&self) -> ServedTls;
    /// Serves what `running` names, or the self-made identity when it names nothing, from
    /// now on. On an error the previous pair stays in use; the message says why.
    fn apply(&self, running: &Config) -> Result<(), String>;
}

pub(crate) fn tls_of(session: &CliBackend) -> Result<&dyn TlsControl, postern_cli_engine::CommandError> {
    session.appliance().tls().ok_or_else(|| failed("this gateway has no TLS identity to manage"))
}

fn refused(error: &IdentityError) -> postern_cli_engine::CommandError {
    failed(format!("{error}; nothing was changed"))
}

/// `tls import certificate` / `tls import key`, with the pasted PEM.
pub(crate) fn import(session: &mut CliBackend, inv: &Invocation<'_>, out: &mut dyn Write) -> Outcome {
    let text = inv.text().ok_or_else(|| failed("paste the PEM text after the command, then a line `quit`"))?;
    let imports = tls_of(session)?.imports();
    if inv.action() == TLS_IMPORT_CERT {
        let stored = imports.store_certificate(text).map_err(|e| refused(&e))?;
        let tls = &mut session.candidate().config_mut().tls;
        tls.certificate_file = Some(stored.path.clone());
        let s = &stored.summary;
        writeln!(out, "Certificate imported: subject {}, issuer {}, SHA-256 {}.", s.subject, s.issuer, s.sha256)?;
        match &tls.key_file {
            Some(key) if check_files(&stored.path, key).is_ok() => {
                writeln!(out, "The configured key matches it; `commit` to serve it.")?
            }
            _ => writeln!(out, "Now paste its private key with `tls import key`, then `commit`.")?,
        }
        tracing::info!(sha256 = %s.sha256, subject = %s.subject, "TLS certificate imported into the candidate");
        return Ok(());
    }
    let chain = match &session.candidate().config().tls.certificate_file {
        Some(path) => Some(read_chain(path).map_err(|e| refused(&e))?),
        None => None,
    };
    let path = imports.store_key(text, chain.as_deref()).map_err(|e| refused(&e))?;
    session.candidate().config_mut().tls.key_file = Some(path);
    match chain {
        Some(_) => {
            writeln!(out, "Private key imported; it matches the candidate's certificate. `commit` to serve them.")?
        }
        None => writeln!(
            out,
            "Private key imported. Now paste its certificate with `tls import certificate`, then `commit`."
        )?,
    }
    tracing::info!("TLS private key imported into the candidate");
    Ok(())
}

/// Before a commit: a certificate and key the candidate changes must belong together.
pub(crate) fn check_candidate(candidate: &Config, running: &Config) -> Outcome {
    let (new, old) = (&candidate.tls, &running.tls);
    if (&new.certificate_file, &new.key_file) == (&old.certificate_file, &old.key_file) {
        return Ok(());
    }
    if let (Some(cert), Some(key)) = (&new.certificate_file, &new.key_file) {
        check_files(cert, key).map_err(|e| failed(format!("tls: {e}; nothing was committed")))?;
    }
    Ok(())
}

/// After a commit: the daemon serves the committed pair at once.
pub(crate) fn apply(session: &CliBackend, out: &mut dyn Write) -> Outcome {
    if let Some(tls) = session.appliance().tls() {
        let running = session.appliance().store().running().clone();
        if let Err(reason) = tls.apply(&running) {
            writeln!(out, "% The TLS certificate could not be applied ({reason}); the previous one is still served.")?;
        }
    }
    Ok(())
}

fn source_name(source: TlsSource) -> &'static str {
    match source {
        TlsSource::SelfMade => "self-made (this gateway's own identity, made on first boot)",
        TlsSource::Installed => "installed",
    }
}

/// `show tls`: which certificate is served and what its leaf says.
pub(crate) fn show(session: &mut CliBackend, out: &mut dyn Write) -> Outcome {
    let served = tls_of(session)?.served();
    writeln!(out, "Served certificate: {}", source_name(served.source))?;
    writeln!(out, "  File:        {}", served.certificate.display())?;
    let chain = read_chain(&served.certificate).map_err(|e| failed(e.to_string()))?;
    let leaf = chain.first().ok_or_else(|| failed("the chain is empty"))?;
    let s = summarize(leaf).map_err(|e| failed(e.to_string()))?;
    writeln!(out, "  Subject:     {}", s.subject)?;
    writeln!(out, "  Issuer:      {}", s.issuer)?;
    writeln!(out, "  Names:       {}", if s.names.is_empty() { "(none)".to_owned() } else { s.names.join(", ") })?;
    writeln!(out, "  Not before:  {}", s.not_before)?;
    writeln!(out, "  Not after:   {}", s.not_after)?;
    writeln!(out, "  SHA-256:     {}", s.sha256)?;
    if chain.len() > 1 {
        writeln!(out, "  Chain:       {} more certificate(s)", chain.len() - 1)?;
    }
    Ok(())
}

/// The served certificate's fingerprint as a comment line of `show running-config`.
pub(crate) fn running_comment(session: &CliBackend) -> Option<String> {
    let served = session.appliance().tls()?.served();
    let chain = read_chain(&served.certificate).ok()?;
    let s = summarize(chain.first()?).ok()?;
    let source = match served.source {
        TlsSource::SelfMade => "self-made",
        TlsSource::Installed => "installed",
    };
    Some(format!("! tls certificate served: {source}, {}, SHA-256 {}", s.subject, s.sha256))
}
