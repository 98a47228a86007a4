//! Binding listeners after start-up. posternd binds its start-up listeners as root, then
//! gives up root; a listener a commit starts or moves later is bound by the [`Binder`]:
//! through the privileged helper when posternd dropped root (`--user` as root), in
//! process otherwise (no privilege to lose, e.g. tests run by a normal user).

use postern_config::Interface;
use postern_privileged_helper::{Answer, BindError, Helper, Request};
use std::net::SocketAddr;
use std::sync::Arc;

/// Binds the listeners a commit starts or moves; cheap to clone.
#[derive(Clone, Debug)]
pub(crate) enum Binder {
    /// posternd keeps its privileges, whatever they are: it binds itself.
    InProcess,
    /// The helper binds (ports below 1024 too) and hands the socket over.
    Helper(Arc<Helper>),
}

impl Binder {
    /// Starts the helper when posternd is about to give up root for `user`; otherwise (or
    /// when the helper cannot start, which is logged) binds in process.
    pub(crate) fn start(user: Option<&str>) -> Self {
        let Some(user) = user.filter(|_| nix::unistd::geteuid().is_root()) else { return Self::InProcess };
        match Helper::spawn(std::path::Path::new("/proc/self/exe"), user) {
            Ok(helper) => {
                tracing::info!(pid = helper.pid(), user, "privileged helper started");
                Self::Helper(Arc::new(helper))
            }
            Err(error) => {
                tracing::error!(%error, "privileged helper not started: listeners cannot move to ports below 1024 until a restart");
                Self::InProcess
            }
        }
    }

    /// A listening socket on `address`, for the running runtime.
    pub(crate) fn bind(&self, address: SocketAddr) -> Result<tokio::net::TcpListener, BindError> {
        let listener = match self {
            Self::Helper(helper) => helper.bind_tcp(address)?,
            Self::InProcess => match postern_privileged_helper::act(&Request::BindTcp { address }) {
                (_, Some(fd)) => std::net::TcpListener::from(fd),
                (Answer::Refused { reason, .. } | Answer::Malformed { reason }, None) => {
                    return Err(BindError::Refused { address, reason });
                }
                (_, None) => {
                    return Err(BindError::Refused { address, reason: "no socket was made".into() });
                }
            },
        };
        tokio::net::TcpListener::from_std(listener)
            .map_err(|e| BindError::Refused { address, reason: format!("registering with the runtime: {e}") })
    }

    /// Whether this process can change the interfaces: through the helper, or itself as root.
    pub(crate) fn configures_interfaces(&self) -> bool {
        matches!(self, Self::Helper(_)) || nix::unistd::geteuid().is_root()
    }

    /// Changes the interfaces from `before` to `after` (blocking: netlink, and up to a few
    /// seconds' wait for a link the change brings up).
    pub(crate) fn apply_interfaces(&self, before: &[Interface], after: &[Interface]) -> Result<Answer, String> {
        let text =
            |list: &[Interface]| serde_json::to_string(list).map_err(|e| format!("encoding the interfaces: {e}"));
        let (before, after) = (text(before)?, text(after)?);
        match self {
            Self::Helper(helper) => helper.apply_interfaces(before, after).map_err(|e| e.to_string()),
            Self::InProcess => Ok(postern_privileged_helper::act(&Request::ApplyInterfaces { before, after }).0),
        }
    }
}
