//! The two listeners: the API over TLS and the admin API in plain HTTP (the shared
//! bounded listeners of `postern-reference-server`).

use crate::admin::{self, AdminContext};
use crate::api::{self, ApiContext};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// Serves the API over TLS until the process ends.
pub(crate) async fn serve_api(listener: TcpListener, tls: TlsAcceptor, ctx: Arc<ApiContext>) {
    postern_reference_server::serve_tls(listener, tls, move |req| api::handle(ctx.clone(), req)).await;
}

/// Serves the admin API in plain HTTP until the process ends.
pub(crate) async fn serve_admin(listener: TcpListener, ctx: Arc<AdminContext>) {
    postern_reference_server::serve_plain(listener, move |req| admin::handle(ctx.clone(), req)).await;
}
