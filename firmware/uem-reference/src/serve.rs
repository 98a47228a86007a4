//! `postern-uem serve`: open the state, set up TLS, bind both listeners, announce the
//! ports, serve until SIGINT or SIGTERM.

use crate::admin::AdminContext;
use crate::admin_token::{self, AdminTokenError};
use crate::api::ApiContext;
use crate::cli::ServeArgs;
use crate::faults::Faults;
use crate::persist::PersistError;
use crate::self_signed::{self, CertGenError};
use crate::store::Store;
use crate::tls::{self, TlsError};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio_rustls::TlsAcceptor;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum ServeError {
    /// Neither `--cert`/`--key` nor `--self-signed` was given.
    #[error("give --cert and --key, or --self-signed DIR")]
    NoCertificate,
    /// The test certificates could not be made.
    #[error(transparent)]
    CertGen(#[from] CertGenError),
    /// TLS could not be set up.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The admin token could not be made or read.
    #[error(transparent)]
    AdminToken(#[from] AdminTokenError),
    /// The state file could not be opened.
    #[error(transparent)]
    State(#[from] PersistError),
    /// A listener could not be bound, or a port file written.
    #[error("cannot {op} {what}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// To what.
        what: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Runs the server.
pub(crate) async fn run(args: ServeArgs) -> Result<(), ServeError> {
    let (cert, key) = match (&args.self_signed, &args.cert, &args.key) {
        (Some(dir), _, _) => self_signed::ensure(dir)?,
        (None, Some(cert), Some(key)) => (cert.clone(), key.clone()),
        _ => return Err(ServeError::NoCertificate),
    };
    let acceptor = TlsAcceptor::from(tls::server_config(&cert, &key)?);
    let store = Store::open(args.state.clone(), args.log_limit as usize)?;
    let faults = args.faults.then(|| Arc::new(Faults::default()));
    // The token exists before any port is announced: whoever waits for the admin port
    // finds the token in place.
    let token_path = args.admin_token_file.clone().unwrap_or_else(|| admin_token::beside(&args.state));
    let token = admin_token::ensure(&token_path)?;

    let api = bind(&args.listen).await?;
    let admin = bind(&args.admin_listen).await?;
    let api_port = port(&api, &args.listen)?;
    let admin_port = port(&admin, &args.admin_listen)?;
    if let Some(path) = &args.port_file {
        write_port(path, api_port)?;
    }
    if let Some(path) = &args.admin_port_file {
        write_port(path, admin_port)?;
    }
    println!("postern-uem: API on https://{}", display(&api));
    println!("postern-uem: admin on http://{} (token in {})", display(&admin), token_path.display());
    if faults.is_some() {
        println!("postern-uem: test fault hooks are ON");
    }

    let api_ctx = Arc::new(ApiContext { store: store.clone(), faults: faults.clone() });
    let admin_ctx = Arc::new(AdminContext { store, faults, token });
    tokio::spawn(crate::server::serve_api(api, acceptor, api_ctx));
    tokio::spawn(crate::server::serve_admin(admin, admin_ctx));

    let mut term = signal(SignalKind::terminate()).map_err(|source| ServeError::Io {
        op: "listen for",
        what: "SIGTERM".into(),
        source,
    })?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    Ok(())
}

async fn bind(addr: &str) -> Result<TcpListener, ServeError> {
    TcpListener::bind(addr).await.map_err(|source| ServeError::Io { op: "listen on", what: addr.to_owned(), source })
}

fn port(listener: &TcpListener, addr: &str) -> Result<u16, ServeError> {
    listener.local_addr().map(|a| a.port()).map_err(|source| ServeError::Io {
        op: "read the port of",
        what: addr.to_owned(),
        source,
    })
}

fn display(listener: &TcpListener) -> String {
    listener.local_addr().map(|a| a.to_string()).unwrap_or_default()
}

/// Writes the port atomically, so a reader never sees a half-written number.
fn write_port(path: &Path, port: u16) -> Result<(), ServeError> {
    let io = |op, source| ServeError::Io { op, what: path.display().to_string(), source };
    let mut tmp = PathBuf::from(path);
    tmp.set_extension("tmp");
    std::fs::write(&tmp, format!("{port}\n")).map_err(|e| io("write", e))?;
    std::fs::rename(&tmp, path).map_err(|e| io("rename into place", e))
}
