//! `postern-uem admin --url … COMMAND`: one request to the admin API, the answer printed.

use crate::admin::{AppBody, TokenBody};
use crate::admin_token::{self, AdminTokenError};
use crate::cli::{ActionArg, AdminCommand, FaultArg, NewDeviceArg, StatusArg, TunnelArgs};
use crate::faults::{FaultKind, FaultOrder};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use postern_decision::{EasDeviceId, IdError, UemDeviceId, UserId};
use postern_uem_api::{
    AppId, BearerToken, OutagePolicy, ServiceName, Settings, TunnelAction, TunnelTarget, TunnelVerb, WireAction,
    WireDevice, WirePlatform, WireStatus, WireUemKind,
};
use serde::Serialize;
use std::path::PathBuf;
use tokio::net::TcpStream;

/// Largest admin answer read (inventories can be long).
const ANSWER_MAX: usize = 256 * 1024 * 1024;

/// Why an admin command failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum AdminError {
    /// The URL is not `http://HOST:PORT`.
    #[error("admin URL `{0}` must look like http://127.0.0.1:PORT")]
    BadUrl(String),
    /// An argument is out of bounds.
    #[error("{0}")]
    BadId(#[from] IdError),
    /// An argument has no meaning.
    #[error("{0}")]
    BadArg(String),
    /// The admin token could not be read.
    #[error(transparent)]
    Token(#[from] AdminTokenError),
    /// The server could not be reached.
    #[error("cannot reach the admin API at {addr}: {source}")]
    Connect {
        /// Where.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The HTTP exchange failed.
    #[error("admin request failed: {0}")]
    Http(#[from] hyper::Error),
    /// The answer could not be read.
    #[error("cannot read the admin answer: {0}")]
    Body(String),
    /// The server refused the command.
    #[error("the server answered {status}: {body}")]
    Refused {
        /// The HTTP status.
        status: StatusCode,
        /// Its body.
        body: String,
    },
    /// JSON could not be encoded or decoded.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Runs one admin command and returns the text to print; the admin token is read from
/// `token_file`, or else from beside the server's `state` file.
pub(crate) async fn run(
    url: &str,
    state: Option<PathBuf>,
    token_file: Option<PathBuf>,
    command: AdminCommand,
) -> Result<String, AdminError> {
    let token_path = match (token_file, state) {
        (Some(path), _) => path,
        (None, Some(state)) => admin_token::beside(&state),
        (None, None) => return Err(AdminError::BadArg("give --state or --token-file".into())),
    };
    let token = admin_token::read(&token_path)?;
    let addr = url
        .strip_prefix("http://")
        .map(|rest| rest.trim_end_matches('/'))
        .filter(|a| !a.is_empty() && !a.contains('/'))
        .ok_or_else(|| AdminError::BadUrl(url.to_owned()))?
        .to_owned();
    let (method, path, body) = request_for(&addr, &token, command).await?;
    send(&addr, &token, method, &path, body).await
}

type Call = (Method, String, Option<Vec<u8>>);

fn with<T: Serialize>(method: Method, path: String, body: &T) -> Result<Call, AdminError> {
    Ok((method, path, Some(serde_json::to_vec(body)?)))
}

fn seg(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn request_for(addr: &str, token: &BearerToken, command: AdminCommand) -> Result<Call, AdminError> {
    let status_path = |id: &str| format!("/admin/devices/{}/status", seg(id));
    match command {
        AdminCommand::Enrol { uem_id, activesync_id, user, platform } => {
            let platform: WirePlatform = serde_json::from_value(serde_json::Value::String(platform))
                .map_err(|_| AdminError::BadArg("platform: ios, android, windows, macos or other".into()))?;
            let device = WireDevice {
                uem_device_id: UemDeviceId::new(&uem_id)?,
                activesync_id: activesync_id.as_deref().map(EasDeviceId::new).transpose()?,
                user: user.as_deref().map(UserId::new).transpose()?,
                platform,
                status: WireStatus::Compliant,
            };
            with(Method::POST, "/admin/devices".into(), &device)
        }
        AdminCommand::Status { uem_id, status, action } => {
            UemDeviceId::new(&uem_id)?;
            with(Method::PUT, status_path(&uem_id), &wire_status(status, action)?)
        }
        AdminCommand::Block { uem_id } => with(Method::PUT, status_path(&uem_id), &WireStatus::Blocked),
        AdminCommand::Wipe { uem_id } => with(Method::PUT, status_path(&uem_id), &WireStatus::Wiped),
        AdminCommand::BlockTunnel(t) => tunnel(TunnelVerb::Block, t),
        AdminCommand::UnblockTunnel(t) => tunnel(TunnelVerb::Unblock, t),
        AdminCommand::Settings { new_device, quarantine, kind } => {
            if new_device.is_none() && quarantine.is_none() && kind.is_none() {
                return Ok((Method::GET, "/admin/settings".into(), None));
            }
            let current = send(addr, token, Method::GET, "/admin/settings", None).await?;
            let mut settings: Settings = serde_json::from_str(&current)?;
            if let Some(rule) = new_device {
                settings.new_device_when_unreachable = match rule {
                    NewDeviceArg::Allow => Some(OutagePolicy::FailOpen),
                    NewDeviceArg::Block => Some(OutagePolicy::FailClosed),
                    NewDeviceArg::Unset => None,
                };
            }
            if let Some(q) = quarantine {
                settings.supports_quarantine = q;
            }
            if let Some(kind) = kind {
                settings.kind = serde_json::from_value::<WireUemKind>(serde_json::Value::String(kind))
                    .map_err(|_| AdminError::BadArg("kind: epmm or neurons".into()))?;
            }
            with(Method::PUT, "/admin/settings".into(), &settings)
        }
        AdminCommand::Token { gateway_id, token } => {
            postern_decision::GatewayId::new(&gateway_id)?;
            let body = TokenBody { token: BearerToken::new(&token)? };
            with(Method::PUT, format!("/admin/gateways/{}/token", seg(&gateway_id)), &body)
        }
        AdminCommand::App { app_id, authorised } => {
            AppId::new(&app_id)?;
            with(Method::PUT, format!("/admin/apps/{}", seg(&app_id)), &AppBody { authorised })
        }
        AdminCommand::Inventory => Ok((Method::GET, "/admin/inventories".into(), None)),
        AdminCommand::Holders => Ok((Method::GET, "/admin/holders".into(), None)),
        AdminCommand::Devices => Ok((Method::GET, "/admin/devices".into(), None)),
        AdminCommand::Fault { kind, count, secs, off } => {
            let next = |fault| FaultOrder::Next { fault, count };
            let order = match kind {
                FaultArg::Status500 => next(FaultKind::Status500),
                FaultArg::Garbage => next(FaultKind::Garbage),
                FaultArg::Huge => next(FaultKind::Huge),
                FaultArg::Slow => next(FaultKind::Slow { secs }),
                FaultArg::RefuseCursors => FaultOrder::RefuseCursors { on: !off },
                FaultArg::Clear => FaultOrder::Clear,
            };
            with(Method::POST, "/admin/faults".into(), &order)
        }
    }
}

fn wire_status(status: StatusArg, action: Option<ActionArg>) -> Result<WireStatus, AdminError> {
    Ok(match status {
        StatusArg::Compliant => WireStatus::Compliant,
        StatusArg::Blocked => WireStatus::Blocked,
        StatusArg::Wiped => WireStatus::Wiped,
        StatusArg::Noncompliant => WireStatus::Noncompliant {
            action: match action {
                Some(ActionArg::Block) => WireAction::Block,
                Some(ActionArg::Quarantine) => WireAction::Quarantine,
                Some(ActionArg::Email) => WireAction::Email,
                Some(ActionArg::Monitor) => WireAction::Monitor,
                Some(ActionArg::Notify) => WireAction::Notify,
                None => return Err(AdminError::BadArg("noncompliant needs --action".into())),
            },
        },
    })
}

fn tunnel(verb: TunnelVerb, t: TunnelArgs) -> Result<Call, AdminError> {
    let target = match (t.app, t.service) {
        (Some(app), Some(service)) => {
            TunnelTarget::App { app_id: AppId::new(&app)?, service: ServiceName::new(&service)? }
        }
        _ => TunnelTarget::AllTunnels,
    };
    let action = TunnelAction { action: verb, uem_device_id: UemDeviceId::new(&t.uem_id)?, target };
    with(Method::POST, "/admin/tunnels/actions".into(), &action)
}

async fn send(
    addr: &str,
    token: &BearerToken,
    method: Method,
    path: &str,
    body: Option<Vec<u8>>,
) -> Result<String, AdminError> {
    let tcp = TcpStream::connect(addr).await.map_err(|source| AdminError::Connect { addr: addr.to_owned(), source })?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await?;
    tokio::spawn(conn);
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header("host", addr)
        .header("authorization", format!("Bearer {}", token.as_str()));
    if body.is_some() {
        builder = builder.header("content-type", "application/json");
    }
    let request = builder
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(|e| AdminError::BadArg(e.to_string()))?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    let bytes = Limited::new(response.into_body(), ANSWER_MAX)
        .collect()
        .await
        .map_err(|e| AdminError::Body(e.to_string()))?
        .to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if !status.is_success() {
        return Err(AdminError::Refused { status, body: text });
    }
    Ok(text)
}
