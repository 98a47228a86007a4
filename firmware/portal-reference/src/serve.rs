//! `postern-portal serve`: set up TLS, bind the gateway API, announce the port, serve
//! until SIGINT or SIGTERM.

use crate::api::{self, ApiContext};
use crate::cli::ServeArgs;
use crate::faults::Faults;
use crate::store::StateDir;
use postern_reference_server::{CertGenError, PortError, TlsError};
use std::sync::Arc;
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
    /// The listener could not be bound, or the port file written.
    #[error(transparent)]
    Port(#[from] PortError),
    /// The state directory could not be made.
    #[error("cannot create the state directory {path}: {source}")]
    State {
        /// The directory.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A signal handler could not be installed.
    #[error("cannot listen for SIGTERM: {0}")]
    Signal(#[source] std::io::Error),
}

/// Runs the server.
pub(crate) async fn run(args: ServeArgs) -> Result<(), ServeError> {
    let (cert, key) = match (&args.self_signed, &args.cert, &args.key) {
        (Some(dir), _, _) => postern_reference_server::ensure_self_signed(dir, "Postern reference portal")?,
        (None, Some(cert), Some(key)) => (cert.clone(), key.clone()),
        _ => return Err(ServeError::NoCertificate),
    };
    let acceptor = TlsAcceptor::from(postern_reference_server::server_config(&cert, &key)?);
    std::fs::create_dir_all(&args.state)
        .map_err(|source| ServeError::State { path: args.state.display().to_string(), source })?;
    let listener = postern_reference_server::bind(&args.listen).await?;
    let port = postern_reference_server::local_port(&listener)?;
    if let Some(path) = &args.port_file {
        postern_reference_server::write_port(path, port)?;
    }
    println!(
        "postern-portal: gateway API on https://{}",
        listener.local_addr().map(|a| a.to_string()).unwrap_or_default()
    );
    if args.faults {
        println!("postern-portal: test fault hooks are ON");
    }
    let ctx = Arc::new(ApiContext {
        state: StateDir::new(&args.state),
        faults: args.faults.then(Faults::default),
        writes: tokio::sync::Mutex::new(()),
    });
    tokio::spawn(postern_reference_server::serve_tls(listener, acceptor, move |req| api::handle(ctx.clone(), req)));
    let mut term = signal(SignalKind::terminate()).map_err(ServeError::Signal)?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    Ok(())
}
