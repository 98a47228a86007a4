//! The CLI's transports: an SSH server (public keys only), the serial console and a local scripting socket.

mod crlf;
mod error;
mod host_key;
mod raw_mode;
mod serial;
mod server;
mod session;
mod socket_client;
mod socket_protocol;
mod socket_server;
mod ssh_auth;
mod ssh_channels;
mod ssh_handler;
mod ssh_rebind;
mod ssh_server;
mod ssh_source_limits;
mod ssh_source_tracker;

pub use error::TransportError;
pub use host_key::{HOST_KEY_FILE, fingerprint, load_or_create_host_key};
pub use serial::{CONSOLE_USER, SerialConfig};
pub use server::{BoundServer, Server, ServerConfig};
pub use session::{AuthorisedKey, Flow, OneShot, Output, Peer, Privilege, Session, SessionFactory, TransportKind};
pub use socket_client::{ClientError, run_lines, split_lines};
pub use socket_protocol::{
    FrameError, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, Request, Response, encode_frame, read_frame,
};
pub use socket_server::socket_privilege;
pub use ssh_auth::privilege_for;
pub use ssh_rebind::SshRebind;
pub use ssh_server::SshConfig;
pub use ssh_source_limits::{Admission, SourceLimits, SourceLimitsConfig, source_key};
