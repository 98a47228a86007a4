//! The helper's socket: made reachable only by root and the daemon's group, served one
//! connection at a time (one install or rollback at a time, by construction).

use crate::args::Args;
use crate::error::HelperError;
use crate::request;
use nix::unistd::{Gid, Uid, User, chown};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;

/// Listens on the socket and serves requests until the process is stopped.
pub(crate) fn serve(args: &Args) -> Result<(), HelperError> {
    if !Uid::effective().is_root() {
        return Err(HelperError::Usage("must run as root: it alone may write the boot partition".into()));
    }
    let user = User::from_name(&args.user)
        .map_err(HelperError::sys(format!("looking up user {}", args.user)))?
        .ok_or_else(|| HelperError::Usage(format!("no user {}", args.user)))?;
    let listener = bind(args, user.gid)?;
    tracing::info!(socket = %args.socket.display(), esp = %args.esp.display(), user = %args.user, "install helper listening");
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => request::serve(stream, args, user.uid),
            Err(e) => tracing::warn!(error = %e, "accepting a connection"),
        }
    }
    Ok(())
}

/// The socket at `args.socket`, in a directory of mode 0750 owned by root and `group`.
fn bind(args: &Args, group: Gid) -> Result<UnixListener, HelperError> {
    let socket = &args.socket;
    let dir = socket.parent().ok_or_else(|| HelperError::Usage(format!("{} has no directory", socket.display())))?;
    std::fs::create_dir_all(dir).map_err(HelperError::io(format!("creating {}", dir.display())))?;
    chown(dir, Some(Uid::from_raw(0)), Some(group)).map_err(HelperError::sys(format!("owning {}", dir.display())))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o750))
        .map_err(HelperError::io(format!("protecting {}", dir.display())))?;
    match std::fs::remove_file(socket) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(HelperError::io(format!("removing the old {}", socket.display()))(e)),
    }
    let listener = UnixListener::bind(socket).map_err(HelperError::io(format!("listening on {}", socket.display())))?;
    chown(socket, Some(Uid::from_raw(0)), Some(group))
        .map_err(HelperError::sys(format!("owning {}", socket.display())))?;
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o660))
        .map_err(HelperError::io(format!("protecting {}", socket.display())))?;
    Ok(listener)
}
