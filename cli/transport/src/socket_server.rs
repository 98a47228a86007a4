//! The local scripting socket: a Unix socket whose peers are identified by the kernel (SO_PEERCRED).

use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use nix::sys::socket::{getsockopt, sockopt::PeerCredentials};
use nix::unistd::{Uid, User, geteuid};
use tokio::io::AsyncWriteExt;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::error::TransportError;
use crate::session::{Peer, Privilege, SessionFactory, TransportKind};
use crate::socket_protocol::{MAX_REQUEST_BYTES, Request, Response, encode_frame, read_frame};

const MAX_CONNECTIONS: usize = 16;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long requests in flight get to answer once the server stops.
const STOP_DRAIN: Duration = Duration::from_secs(5);

/// The privilege of a socket peer: root and the server's own user administer, everyone else operates.
pub fn socket_privilege(peer_uid: u32, own_uid: u32) -> Privilege {
    if peer_uid == 0 || peer_uid == own_uid { Privilege::Administrator } else { Privilege::Operator }
}

/// A bound scripting socket.
pub(crate) struct SocketListener {
    listener: UnixListener,
    path: PathBuf,
}

impl SocketListener {
    /// Removes a stale socket at `path`, binds a new one and makes it 0600.
    ///
    /// Refuses a symbolic link or any other kind of file at `path`.
    pub(crate) fn bind(path: &Path) -> Result<Self, TransportError> {
        match fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(TransportError::UnsafeSocketPath { path: path.into(), reason: "it is a symbolic link" });
            }
            Ok(meta) if meta.file_type().is_socket() => {
                fs::remove_file(path).map_err(|e| TransportError::io("removing stale socket", path, e))?;
            }
            Ok(_) => {
                return Err(TransportError::UnsafeSocketPath {
                    path: path.into(),
                    reason: "it exists and is not a socket",
                });
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(TransportError::io("inspecting socket path", path, e)),
        }
        let listener = UnixListener::bind(path).map_err(|e| TransportError::io("binding socket", path, e))?;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))
            .map_err(|e| TransportError::io("restricting socket", path, e))?;
        tracing::info!(path = %path.display(), "scripting socket listening");
        Ok(SocketListener { listener, path: path.into() })
    }

    /// Serves requests until `stop` turns true, then lets those in flight answer (for up
    /// to [`STOP_DRAIN`]); the socket file goes when the listener is dropped.
    pub(crate) async fn serve(self, factory: Arc<dyn SessionFactory>, mut stop: watch::Receiver<bool>) {
        let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        let own_uid = geteuid().as_raw();
        let mut connections = JoinSet::new();
        loop {
            let accepted = tokio::select! {
                _ = stop.wait_for(|s| *s) => break,
                accepted = self.listener.accept() => accepted,
                Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            };
            let stream = match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "socket accept failed");
                    continue;
                }
            };
            let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
                tracing::warn!(outcome = "refused", "socket connection refused: too many connections");
                continue;
            };
            let factory = Arc::clone(&factory);
            connections.spawn(async move {
                serve_connection(stream, own_uid, factory).await;
                drop(permit);
            });
        }
        // A request in flight (e.g. the `reload` or `factory-reset confirm` that stopped
        // the daemon) still gets its answer; one that takes longer than this is cut.
        let drained = tokio::time::timeout(STOP_DRAIN, async { while connections.join_next().await.is_some() {} });
        if drained.await.is_err() {
            tracing::warn!(left = connections.len(), "socket requests cut at stop");
            connections.shutdown().await;
        }
        tracing::info!(path = %self.path.display(), "scripting socket stopped");
    }
}

impl Drop for SocketListener {
    /// Removes the socket file (if it is still a socket), whether served or not.
    fn drop(&mut self) {
        if fs::symlink_metadata(&self.path).is_ok_and(|m| m.file_type().is_socket()) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

async fn serve_connection(mut stream: UnixStream, own_uid: u32, factory: Arc<dyn SessionFactory>) {
    let uid = match getsockopt(&stream, PeerCredentials) {
        Ok(credentials) => credentials.uid(),
        Err(error) => {
            return tracing::warn!(%error, outcome = "refused", "socket peer credentials unavailable");
        }
    };
    let peer =
        Peer { user: user_name(uid), privilege: socket_privilege(uid, own_uid), transport: TransportKind::Socket };
    let request = tokio::time::timeout(REQUEST_TIMEOUT, read_frame::<Request, _>(&mut stream, MAX_REQUEST_BYTES)).await;
    let response = match request {
        Ok(Ok(request)) => {
            let lines = request.lines.join("\n");
            let run_peer = peer.clone();
            match tokio::task::spawn_blocking(move || factory.one_shot(&run_peer, &lines)).await {
                Ok(result) => Response { output: result.output, success: result.success },
                Err(error) => Response { output: format!("% internal error: {error}\n"), success: false },
            }
        }
        Ok(Err(error)) => Response { output: format!("% bad request: {error}\n"), success: false },
        Err(_) => Response { output: "% bad request: timed out\n".into(), success: false },
    };
    tracing::info!(uid, user = %peer.user, privilege = peer.privilege.name(), success = response.success, "socket request");
    match encode_frame(&response) {
        Ok(bytes) => {
            if let Err(error) = stream.write_all(&bytes).await {
                tracing::debug!(uid, %error, "socket response not delivered");
            }
            let _ = stream.shutdown().await;
        }
        Err(error) => tracing::warn!(uid, %error, "socket response not encodable"),
    }
}

fn user_name(uid: u32) -> String {
    match User::from_uid(Uid::from_raw(uid)) {
        Ok(Some(user)) => user.name,
        _ => format!("uid {uid}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_and_the_owner_administer_others_operate() {
        assert_eq!(socket_privilege(0, 1000), Privilege::Administrator);
        assert_eq!(socket_privilege(1000, 1000), Privilege::Administrator);
        assert_eq!(socket_privilege(1001, 1000), Privilege::Operator);
        assert_eq!(socket_privilege(0, 0), Privilege::Administrator);
        assert_eq!(socket_privilege(65534, 0), Privilege::Operator);
    }

    #[test]
    fn symlinks_and_regular_files_are_refused_stale_sockets_replaced() -> Result<(), Box<dyn std::error::Error>> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let _guard = rt.enter();
        let dir = tempfile::tempdir()?;
        let target = dir.path().join("target");
        fs::write(&target, b"precious")?;
        let link = dir.path().join("link.sock");
        std::os::unix::fs::symlink(&target, &link)?;
        assert!(matches!(SocketListener::bind(&link), Err(TransportError::UnsafeSocketPath { .. })));
        assert!(matches!(SocketListener::bind(&target), Err(TransportError::UnsafeSocketPath { .. })));
        assert_eq!(fs::read(&target)?, b"precious");

        let path = dir.path().join("cli.sock");
        drop(std::os::unix::net::UnixListener::bind(&path)?);
        let listener = SocketListener::bind(&path)?;
        assert_eq!(fs::metadata(&path)?.permissions().mode() & 0o777, 0o600);
        drop(listener);
        Ok(())
    }
}
