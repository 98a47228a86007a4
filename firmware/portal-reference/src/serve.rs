//! `postern-portal serve`: set up TLS, bind the gateway API, announce the port, serve
//! until SIGINT or SIGTERM.

use crate::api::{self, ApiContext};
use crate::cli::ServeArgs;
use crate::faults::Faults;
use crate::store::StateDir;
use postern_reference_server::{PortError, TlsSetupError};
use std::sync::Arc;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum ServeError {
    /// TLS could not be set up.
    #[error(transparent)]
    Tls(#[from] TlsSetupError),
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
    let acceptor = args.tls.acceptor("Postern reference portal")?;
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
    postern_reference_server::until_terminated().await.map_err(ServeError::Signal)
}
