//! The `serve` flags both reference servers take for their certificate, and the TLS
//! acceptor made from them.

use crate::self_signed::{CertGenError, ensure};
use crate::tls::{TlsError, server_config};
use std::path::PathBuf;
use tokio_rustls::TlsAcceptor;

/// Where the server's certificate comes from: PEM files, or a test CA made on first use.
#[derive(Debug, Clone, clap::Args)]
pub struct TlsArgs {
    /// Server certificate chain (PEM).
    #[arg(long, required_unless_present = "self_signed", requires = "key")]
    pub cert: Option<PathBuf>,
    /// Server private key (PEM).
    #[arg(long, requires = "cert")]
    pub key: Option<PathBuf>,
    /// Generate (or reuse) a test CA and server certificate in this directory.
    #[arg(long, conflicts_with_all = ["cert", "key"])]
    pub self_signed: Option<PathBuf>,
}

/// Why the TLS acceptor could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsSetupError {
    /// Neither `--cert`/`--key` nor `--self-signed` was given.
    #[error("give --cert and --key, or --self-signed DIR")]
    NoCertificate,
    /// The test certificates could not be made.
    #[error(transparent)]
    CertGen(#[from] CertGenError),
    /// The certificate or key could not be loaded.
    #[error(transparent)]
    Tls(#[from] TlsError),
}

impl TlsArgs {
    /// The acceptor; a self-signed certificate names the server `common_name`.
    pub fn acceptor(&self, common_name: &str) -> Result<TlsAcceptor, TlsSetupError> {
        let (cert, key) = match (&self.self_signed, &self.cert, &self.key) {
            (Some(dir), _, _) => ensure(dir, common_name)?,
            (None, Some(cert), Some(key)) => (cert.clone(), key.clone()),
            _ => return Err(TlsSetupError::NoCertificate),
        };
        Ok(TlsAcceptor::from(server_config(&cert, &key)?))
    }
}

/// Waits for SIGINT or SIGTERM.
pub async fn until_terminated() -> std::io::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    Ok(())
}
