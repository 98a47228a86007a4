//! posternd's first phase, as root: raise the open-file limit, bind every listener
//! (privileged ports need root), start the privileged helper, then give up root. Only
//! after this does the daemon read its stores, keys and certificates and accept
//! connections, so no byte from a client is ever parsed as root.

use crate::args::Args;
use crate::binder::Binder;
use crate::data_plane::{Addresses, BoundSockets};
use crate::error::DaemonError;
use crate::management::{Flags, ManagementPlan};
use postern_cli_transport::{BoundServer, SerialConfig, ServerConfig, SshConfig, TransportError};
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// The open-file limit asked for at start: every proxy connection takes a descriptor on
/// each side; the ActiveSync listener admits up to 25 000 connections and the AppTunnel
/// listener 10 000 (data_plane.rs), 70 000 descriptors with both full.
const OPEN_FILES: u64 = 131_072;

/// Everything bound as root, for the daemon to serve once root is gone.
pub(crate) struct AsRoot {
    /// Where the management plane listens, and why.
    pub(crate) management: ManagementPlan,
    /// The data plane's and the metrics' sockets.
    pub(crate) sockets: BoundSockets,
    /// The Host Checker's socket, when it is enabled at start.
    pub(crate) host_checker_socket: Option<TcpListener>,
    /// The agents' control channel's socket, when it is enabled at start.
    pub(crate) agent_socket: Option<TcpListener>,
    /// The federation listener's socket, when it is configured at start.
    pub(crate) federation_socket: Option<TcpListener>,
    /// Where metrics listen, if they do.
    pub(crate) metrics_addr: Option<SocketAddr>,
    /// The CLI's transports (SSH, the socket, the consoles), bound and not yet serving.
    pub(crate) cli: BoundServer,
    /// Where SSH listens, if it does.
    pub(crate) ssh_addr: Option<SocketAddr>,
    /// What binds the listeners a commit starts or moves later.
    pub(crate) binder: Binder,
}

/// Binds every listener, starts the privileged helper, then drops root for `--user`.
pub(crate) async fn bind_then_drop_root(args: &Args) -> Result<AsRoot, DaemonError> {
    match postern_process::raise_open_file_limit(OPEN_FILES) {
        Ok(limit) => tracing::info!(limit, "open-file limit"),
        Err(error) => tracing::warn!(%error, "cannot raise the open-file limit"),
    }
    // Bind every listener first (privileged ports need root), then give up root, and only
    // then read the stores, the keys and the certificates and accept connections: no byte
    // from a client is ever parsed as root.
    // The management plane's addresses come from the configuration, read as a plain file
    // now (see management.rs), or from --ssh-listen / --metrics-listen.
    // Read once: every listener below is placed from the same configuration.
    let startup = crate::management::startup_config(args);
    let management = ManagementPlan::decide_for(Flags::of(args), startup.as_ref());
    management.log();
    let sockets = BoundSockets::bind(Addresses {
        activesync: args.listen,
        apptunnel: args.apptunnel_listen,
        metrics: management.metrics,
        metrics_required: management.metrics_from_flag,
    })
    .await?;
    let host_checker_socket = crate::host_checker_listener::bind(args.host_checker_listen, startup.as_ref()).await?;
    let agent_socket = crate::agent::bind(startup.as_ref()).await?;
    let federation_socket = crate::federation::bind(startup.as_ref()).await;
    let metrics_addr = sockets.metrics_addr();
    if let Some(parent) = args.socket.parent() {
        std::fs::create_dir_all(parent).map_err(|source| DaemonError::Io { path: parent.to_path_buf(), source })?;
    }
    let config = |ssh: Option<SocketAddr>| ServerConfig {
        ssh: ssh.map(|listen| SshConfig::new(listen, args.state_dir.join("ssh"))),
        socket: Some(args.socket.clone()),
        serial: match (&args.serial, args.console) {
            (Some(device), _) => Some(SerialConfig::Device(device.clone())),
            (None, true) => Some(SerialConfig::Stdio),
            (None, false) => None,
        },
        more_consoles: args.also_console.iter().cloned().map(SerialConfig::Device).collect(),
    };
    let cli = match BoundServer::bind(config(management.ssh)).await {
        Err(TransportError::Listen { addr, source }) if !management.ssh_from_flag => {
            tracing::error!(%addr, error = %source, "SSH not started: the management address cannot be bound");
            BoundServer::bind(config(None)).await?
        }
        other => other?,
    };
    let ssh_addr = cli.ssh_addr();
    // Listeners a commit starts or moves later are bound by the privileged helper once
    // root is gone; it is started now, while posternd still may.
    let binder = Binder::start(args.user.as_deref());
    if let Some(user) = &args.user {
        let dropped = postern_process::drop_privileges(user)
            .map_err(|e| DaemonError::Setting { setting: "--user", reason: e.to_string() })?;
        tracing::info!(user = %user, uid = dropped.uid, gid = dropped.gid, "running unprivileged");
    }

    Ok(AsRoot {
        management,
        sockets,
        host_checker_socket,
        agent_socket,
        federation_socket,
        metrics_addr,
        cli,
        ssh_addr,
        binder,
    })
}
