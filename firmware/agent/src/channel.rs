//! The control channel's I/O shell: TLS to the gateway with the device certificate, the
//! [`Control`] core's actions carried out, a Ping every 15 s, reconnection with back-off.

use crate::config::AgentConfig;
use crate::control::{Action, Control};
use crate::error::AgentError;
use postern_agent_wire::{COOKIE_LEN, Cookie, FrameBuffer, Repr, Resource};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// How often the agent pings the gateway.
const PING_EVERY: Duration = Duration::from_secs(15);
/// How long the gateway may stay silent before the connection counts as lost.
const SILENCE_LIMIT: Duration = Duration::from_secs(45);
/// How long connecting (TCP and TLS) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

fn tls_error(what: impl Into<String>, reason: impl ToString) -> AgentError {
    AgentError::Tls { what: what.into(), reason: reason.to_string() }
}

/// The TLS client: only the configured CA, the device certificate as client identity.
pub(crate) fn tls_config(config: &AgentConfig) -> Result<Arc<rustls::ClientConfig>, AgentError> {
    let mut roots = rustls::RootCertStore::empty();
    let ca = config.ca_file.display().to_string();
    for cert in CertificateDer::pem_file_iter(&config.ca_file).map_err(|e| tls_error(&ca, e))? {
        roots.add(cert.map_err(|e| tls_error(&ca, e))?).map_err(|e| tls_error(&ca, e))?;
    }
    let cert = config.certificate_file.display().to_string();
    let chain = CertificateDer::pem_file_iter(&config.certificate_file)
        .map_err(|e| tls_error(&cert, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls_error(&cert, e))?;
    let key = PrivateKeyDer::from_pem_file(&config.key_file)
        .map_err(|e| tls_error(config.key_file.display().to_string(), e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("TLS", e))?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| tls_error("the device certificate", e))?;
    Ok(Arc::new(tls))
}

fn load_cookie(config: &AgentConfig) -> Option<Cookie> {
    let bytes = std::fs::read(config.cookie_file()).ok()?;
    <[u8; COOKIE_LEN]>::try_from(bytes.as_slice()).ok()
}

fn save_cookie(config: &AgentConfig, cookie: Option<Cookie>) {
    let file = config.cookie_file();
    let result = match cookie {
        Some(cookie) => postern_durable_fs::write_atomically(&file, &cookie, 0o600).map_err(|e| e.to_string()),
        None => match std::fs::remove_file(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.to_string()),
            _ => Ok(()),
        },
    };
    if let Err(error) = result {
        tracing::error!(file = %file.display(), %error, "session cookie not stored");
    }
}

/// The agent: connects, serves the session, reconnects, and runs the data channel if
/// configured; returns only on a setup error. Every resource list the gateway announces
/// is sent on `resources` (split DNS and the data channel follow it).
pub(crate) async fn run(config: AgentConfig, resources: watch::Sender<Vec<Resource>>) -> Result<(), AgentError> {
    std::fs::create_dir_all(&config.state_dir)
        .map_err(|source| AgentError::Io { what: format!("creating {}", config.state_dir.display()), source })?;
    let tls = tls_config(&config)?;
    let watched = resources.subscribe();
    let Some(data) = config.data.clone() else {
        let _ = std::fs::remove_file(crate::data::status_file(&config.state_dir));
        return control_channel(&config, tls, resources).await;
    };
    let host = data.host();
    let name = ServerName::try_from(host.to_owned()).map_err(|e| tls_error(format!("AppTunnel name {host}"), e))?;
    tokio::select! {
        result = control_channel(&config, tls.clone(), resources) => result,
        result = crate::data::run(data, tls, name, watched, &config.state_dir) => {
            result.map_err(|reason| AgentError::Data { reason })
        }
    }
}

/// The control channel: connects, serves the session, reconnects; publishes the
/// resources to `resources`.
async fn control_channel(
    config: &AgentConfig,
    tls: Arc<rustls::ClientConfig>,
    resources: watch::Sender<Vec<Resource>>,
) -> Result<(), AgentError> {
    let connector = TlsConnector::from(tls);
    let host = config.host().map_err(|reason| AgentError::Config { path: "gateway".into(), reason })?;
    let name = ServerName::try_from(host.to_owned()).map_err(|e| tls_error(format!("gateway name {host}"), e))?;
    let mut control = Control::new(env!("CARGO_PKG_VERSION"), load_cookie(config));
    let shell = Shell { config, pid: std::process::id(), resources };
    shell.publish(&control);
    loop {
        let wait = match connect(&config.gateway, &connector, &name).await {
            Ok(tls) => match shell.serve(tls, &mut control).await {
                Ok(wait) => wait,
                Err(error) => {
                    tracing::info!(gateway = %config.gateway, %error, "control channel lost: reconnecting");
                    shell.apply_all(control.lost(), &mut control)
                }
            },
            Err(error) => {
                tracing::info!(gateway = %config.gateway, %error, "gateway unreachable: retrying");
                shell.apply_all(control.lost(), &mut control)
            }
        };
        tokio::time::sleep(wait).await;
    }
}

async fn connect(
    gateway: &str,
    connector: &TlsConnector,
    name: &ServerName<'static>,
) -> Result<TlsStream<TcpStream>, String> {
    let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(gateway))
        .await
        .map_err(|_| "TCP connect timed out".to_owned())?
        .map_err(|e| e.to_string())?;
    let _ = tcp.set_nodelay(true);
    tokio::time::timeout(CONNECT_TIMEOUT, connector.connect(name.clone(), tcp))
        .await
        .map_err(|_| "TLS handshake timed out".to_owned())?
        .map_err(|e| format!("TLS: {e}"))
}

struct Shell<'a> {
    config: &'a AgentConfig,
    pid: u32,
    /// The resources, for split DNS and the data channel.
    resources: watch::Sender<Vec<Resource>>,
}

impl Shell<'_> {
    fn publish(&self, control: &Control) {
        crate::status::write(&self.config.status_file(), &crate::status::render(control, self.pid));
        self.resources.send_if_modified(|current| {
            let changed = *current != control.resources;
            if changed {
                current.clone_from(&control.resources);
            }
            changed
        });
    }

    /// Carries out actions that need no connection; the wait of a reconnect.
    fn apply_all(&self, actions: Vec<Action>, control: &mut Control) -> Duration {
        let mut wait = Duration::ZERO;
        for action in actions {
            match action {
                Action::SaveCookie(cookie) => save_cookie(self.config, cookie),
                Action::Publish => self.publish(control),
                Action::Notify(change) => tracing::warn!(%change, "agent state changed"),
                Action::Reconnect(after) => wait = after,
                Action::Send(_) => {}
            }
        }
        wait
    }

    /// Serves one connection; `Ok(wait)` when the core asked to reconnect after `wait`.
    async fn serve(&self, mut tls: TlsStream<TcpStream>, control: &mut Control) -> Result<Duration, String> {
        let mut pending = control.connected();
        let mut frames = FrameBuffer::default();
        let mut heard = Instant::now();
        let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
        loop {
            for action in std::mem::take(&mut pending) {
                match action {
                    Action::Send(message) => {
                        let frame = message.to_frame().map_err(|e| e.to_string())?;
                        tls.write_all(&frame).await.map_err(|e| e.to_string())?;
                        tls.flush().await.map_err(|e| e.to_string())?;
                    }
                    Action::Reconnect(after) => {
                        let _ = tls.shutdown().await;
                        return Ok(after);
                    }
                    other => {
                        self.apply_all(vec![other], control);
                    }
                }
            }
            while let Some(message) = frames.next_message().map_err(|e| format!("bad frame from the gateway: {e}"))? {
                heard = Instant::now();
                if let Repr::Welcome { session, .. } = &message {
                    tracing::info!(session, gateway = %self.config.gateway, "control channel up");
                }
                pending.extend(control.received(message));
            }
            if !pending.is_empty() {
                continue;
            }
            let mut chunk = [0u8; 16 * 1024];
            tokio::select! {
                read = tls.read(&mut chunk) => match read {
                    Ok(0) => return Err("closed by the gateway".into()),
                    Ok(n) => frames.push(&chunk[..n]),
                    Err(e) => return Err(e.to_string()),
                },
                _ = ping.tick() => {
                    if heard.elapsed() > SILENCE_LIMIT {
                        return Err("the gateway answered no ping for 45 s".into());
                    }
                    pending.push(Action::Send(control.ping()));
                }
            }
        }
    }
}
