//! `postern-uem serve`: open the state, set up TLS, bind both listeners, announce the
//! ports, serve until SIGINT or SIGTERM.

use crate::admin::AdminContext;
use crate::admin_token::{self, AdminTokenError};
use crate::api::ApiContext;
use crate::cli::ServeArgs;
use crate::faults::Faults;
use crate::persist::PersistError;
use crate::store::Store;
use postern_reference_server::{PortError, TlsSetupError};

use std::sync::Arc;
use tokio::net::TcpListener;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum ServeError {
    /// TLS could not be set up.
    #[error(transparent)]
    Tls(#[from] TlsSetupError),
    /// The admin token could not be made or read.
    #[error(transparent)]
    AdminToken(#[from] AdminTokenError),
    /// The state file could not be opened.
    #[error(transparent)]
    State(#[from] PersistError),
    /// A listener could not be bound, or a port file written.
    #[error(transparent)]
    Port(#[from] PortError),
    /// A signal handler could not be installed.
    #[error("cannot listen for SIGTERM: {0}")]
    Signal(#[source] std::io::Error),
}

/// Runs the server.
pub(crate) async fn run(args: ServeArgs) -> Result<(), ServeError> {
    let acceptor = args.tls.acceptor("Postern reference UEM")?;
    let store = Store::open(args.state.clone(), args.log_limit as usize)?;
    let faults = args.faults.then(|| Arc::new(Faults::default()));
    // The token exists before any port is announced: whoever waits for the admin port
    // finds the token in place.
    let token_path = args.admin_token_file.clone().unwrap_or_else(|| admin_token::beside(&args.state));
    let token = admin_token::ensure(&token_path)?;

    let api = postern_reference_server::bind(&args.listen).await?;
    let admin = postern_reference_server::bind(&args.admin_listen).await?;
    let api_port = postern_reference_server::local_port(&api)?;
    let admin_port = postern_reference_server::local_port(&admin)?;
    if let Some(path) = &args.port_file {
        postern_reference_server::write_port(path, api_port)?;
    }
    if let Some(path) = &args.admin_port_file {
        postern_reference_server::write_port(path, admin_port)?;
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

    postern_reference_server::until_terminated().await.map_err(ServeError::Signal)
}

fn display(listener: &TcpListener) -> String {
    listener.local_addr().map(|a| a.to_string()).unwrap_or_default()
}
