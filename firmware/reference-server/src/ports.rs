//! Binding listeners and announcing their ports in files (written atomically, so a
//! reader never sees a half-written number).

use std::path::{Path, PathBuf};
use tokio::net::TcpListener;

/// Why a listener could not be bound or its port announced.
#[derive(Debug, thiserror::Error)]
#[error("cannot {op} {what}: {source}")]
pub struct PortError {
    /// What was being done.
    pub op: &'static str,
    /// To what (an address or a file).
    pub what: String,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// Binds a listener to `addr` (port 0 picks a free one).
pub async fn bind(addr: &str) -> Result<TcpListener, PortError> {
    TcpListener::bind(addr).await.map_err(|source| PortError { op: "listen on", what: addr.to_owned(), source })
}

/// The port a listener is bound to.
pub fn local_port(listener: &TcpListener) -> Result<u16, PortError> {
    listener.local_addr().map(|a| a.port()).map_err(|source| PortError {
        op: "read the port of",
        what: "a listener".into(),
        source,
    })
}

/// Writes `port` to `path` atomically.
pub fn write_port(path: &Path, port: u16) -> Result<(), PortError> {
    let io = |op, source| PortError { op, what: path.display().to_string(), source };
    let mut tmp = PathBuf::from(path);
    tmp.set_extension("tmp");
    std::fs::write(&tmp, format!("{port}\n")).map_err(|e| io("write", e))?;
    std::fs::rename(&tmp, path).map_err(|e| io("rename into place", e))
}
