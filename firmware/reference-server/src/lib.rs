//! What the reference servers (`postern-uem`, `postern-portal`) share: TLS from PEM files,
//! a self-signed test CA, bounded HTTP/1.1 listeners, and port files for tests that bind
//! port 0.

mod listen;
mod ports;
mod self_signed;
mod tls;

pub use listen::{serve_plain, serve_tls};
pub use ports::{PortError, bind, local_port, write_port};
pub use self_signed::{CA_FILE, CERT_FILE, CertGenError, KEY_FILE, ensure as ensure_self_signed};
pub use tls::{TlsError, server_config};
