//! What the reference servers (`postern-uem`, `postern-portal`) share: the certificate
//! flags of `serve`, TLS from PEM files, a self-signed test CA, bounded HTTP/1.1 listeners,
//! port files for tests that bind port 0, and waiting for SIGTERM.

mod client;
mod listen;
mod ports;
mod self_signed;
mod tls;
mod tls_args;

pub use client::{Answer, ClientError, call_trusting, wait_for_port};
pub use listen::{serve_plain, serve_tls};
pub use ports::{PortError, bind, local_port, write_port};
pub use self_signed::{CA_FILE, CERT_FILE, CertGenError, KEY_FILE, ensure as ensure_self_signed};
pub use tls::{TlsError, server_config};
pub use tls_args::{TlsArgs, TlsSetupError, until_terminated};
