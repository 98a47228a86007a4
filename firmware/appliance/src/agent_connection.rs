//! One agent's control channel connection: the Hello decided (device blocked, cookie
//! resumed or unknown, new session), Welcome sent, then Ping answered, resources pushed
//! and the session revoked as the gateway decides, until the agent goes quiet or leaves.

use crate::agent::Shared;
use crate::agent_sessions::{CookieUnknown, Push};
use postern_agent_wire::{FrameBuffer, RefuseReason, Repr};
use postern_proxy_front::PeerInfo;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;

/// How long the agent has to say Hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an agent may stay silent (it pings every 15 s) before the connection closes.
const SILENCE_TIMEOUT: Duration = Duration::from_secs(60);

/// Reads whole messages; what was read of an unfinished frame is kept (cancel-safe).
#[derive(Default)]
pub(crate) struct FrameReader {
    frames: FrameBuffer,
}

impl FrameReader {
    /// The next message, `None` at the end of the stream between frames.
    pub(crate) async fn next(&mut self, tls: &mut TlsStream<TcpStream>) -> Result<Option<Repr>, String> {
        loop {
            if let Some(message) = self.frames.next_message().map_err(|e| e.to_string())? {
                return Ok(Some(message));
            }
            let mut chunk = [0u8; 16 * 1024];
            match tls.read(&mut chunk).await {
                Ok(0) if !self.frames.is_partial() => return Ok(None),
                Ok(0) => return Err("the agent stopped mid-frame".into()),
                Ok(n) => self.frames.push(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !self.frames.is_partial() => {
                    return Ok(None);
                }
                Err(e) => return Err(e.to_string()),
            }
        }
    }
}

async fn send(tls: &mut TlsStream<TcpStream>, repr: &Repr) -> Result<(), String> {
    let frame = repr.to_frame().map_err(|e| e.to_string())?;
    tls.write_all(&frame).await.map_err(|e| e.to_string())?;
    tls.flush().await.map_err(|e| e.to_string())
}

async fn refuse(tls: &mut TlsStream<TcpStream>, reason: RefuseReason, mut detail: String) {
    // The wire carries up to 128 bytes of detail: cut at a character boundary.
    while detail.len() > 128 {
        detail.pop();
    }
    let _ = send(tls, &Repr::Refused { reason, detail }).await;
    let _ = tls.shutdown().await;
}

/// Serves one agent, whose certificate named `device` (or why it did not).
pub(crate) async fn serve(
    mut tls: TlsStream<TcpStream>,
    peer: PeerInfo,
    device: Result<String, String>,
    shared: Arc<Shared>,
) {
    let device = match device {
        Ok(device) => device,
        Err(error) => {
            tracing::warn!(peer = %peer.addr, %error, "agent without a device identity: refused");
            return refuse(&mut tls, RefuseReason::DeviceUnidentified, error).await;
        }
    };
    let mut reader = FrameReader::default();
    let hello = match tokio::time::timeout(HELLO_TIMEOUT, reader.next(&mut tls)).await {
        Ok(Ok(Some(Repr::Hello { version, cookie }))) => (version, cookie),
        Ok(Ok(Some(other))) => {
            tracing::warn!(device, peer = %peer.addr, message = ?other.message_type(), "agent did not start with Hello: closed");
            return;
        }
        Ok(Ok(None)) => return,
        Ok(Err(error)) => {
            tracing::warn!(device, peer = %peer.addr, %error, "agent sent a bad frame: closed");
            return;
        }
        Err(_) => {
            tracing::warn!(device, peer = %peer.addr, "agent sent no Hello within 10 s: closed");
            return;
        }
    };
    let (version, cookie) = hello;
    if let Some(reason) = shared.refusal(&device) {
        shared.sessions.revoke_device(&device, &reason);
        tracing::warn!(device, peer = %peer.addr, reason, "agent refused: the gateway blocks the device");
        return refuse(&mut tls, RefuseReason::DeviceBlocked, reason).await;
    }
    let now = (shared.clock)();
    let (push_tx, mut push_rx) = mpsc::unbounded_channel();
    let (session, cookie, resumed) = match cookie {
        Some(cookie) => match shared.sessions.resume(&cookie, &device, peer.addr, now, push_tx.clone()) {
            Ok(session) => (session, cookie, true),
            Err(CookieUnknown) => {
                tracing::info!(device, peer = %peer.addr, "agent cookie unknown or expired: refused, the agent starts afresh");
                return refuse(&mut tls, RefuseReason::CookieUnknown, "start a new session".into()).await;
            }
        },
        None => {
            let (session, cookie) = shared.sessions.open_new(&device, peer.addr, now, push_tx.clone());
            (session, cookie, false)
        }
    };
    tracing::info!(device, peer = %peer.addr, session = session.id, resumed, agent_version = %version, "agent session open");
    let welcome = Repr::Welcome { session: session.id, cookie, resources: shared.resources() };
    let outcome = tokio::select! {
        outcome = run(&mut tls, &mut reader, &welcome, &mut push_rx, &shared, &cookie) => outcome,
        () = peer.shutdown_requested() => Ok("the gateway is stopping"),
    };
    shared.sessions.disconnected(session.id, &push_tx);
    match outcome {
        Ok(why) => tracing::info!(device, peer = %peer.addr, session = session.id, why, "agent disconnected"),
        Err(error) => {
            tracing::warn!(device, peer = %peer.addr, session = session.id, %error, "agent connection failed")
        }
    }
}

async fn run(
    tls: &mut TlsStream<TcpStream>,
    reader: &mut FrameReader,
    welcome: &Repr,
    pushes: &mut mpsc::UnboundedReceiver<Push>,
    shared: &Shared,
    cookie: &postern_agent_wire::Cookie,
) -> Result<&'static str, String> {
    send(tls, welcome).await?;
    loop {
        tokio::select! {
            message = tokio::time::timeout(SILENCE_TIMEOUT, reader.next(tls)) => {
                match message {
                    Err(_) => return Ok("silent for 60 s"),
                    Ok(Ok(None)) => return Ok("closed by the agent"),
                    Ok(Err(error)) => return Err(error),
                    Ok(Ok(Some(Repr::Ping(nonce)))) => {
                        shared.sessions.seen(cookie, (shared.clock)());
                        send(tls, &Repr::Pong(nonce)).await?;
                    }
                    Ok(Ok(Some(Repr::Pong(_)))) => shared.sessions.seen(cookie, (shared.clock)()),
                    Ok(Ok(Some(other))) => return Err(format!("unexpected {:?} from the agent", other.message_type())),
                }
            }
            push = pushes.recv() => match push {
                Some(Push::Resources) => send(tls, &Repr::Resources(shared.resources())).await?,
                Some(Push::Revoked(reason)) => {
                    send(tls, &Repr::Revoked { reason }).await?;
                    let _ = tls.shutdown().await;
                    return Ok("revoked");
                }
                None => return Ok("session store gone"),
            },
        }
    }
}

/// The `show agent sessions` table.
pub(crate) fn render(shared: &Shared, now: u64) -> String {
    let sessions = shared.sessions.list();
    let connected = sessions.iter().filter(|(_, a)| a.is_some()).count();
    let mut out = format!("{} agent session(s), {connected} connected\n", sessions.len());
    let _ = writeln!(
        out,
        "{:>8} {:<24} {:<20} {:<22} {:<24} {:<24}",
        "session", "device", "user", "address", "since", "last seen"
    );
    for (s, address) in sessions {
        let user = shared.user_of(&s.device).unwrap_or_else(|| "-".into());
        let address = address.map_or_else(|| "(disconnected)".to_owned(), |a| a.to_string());
        let _ = writeln!(
            out,
            "{:>8} {:<24} {:<20} {:<22} {:<24} {:<24}",
            s.id,
            s.device,
            user,
            address,
            postern_logging::utc_time(s.since),
            postern_logging::human_time(s.last_seen, now)
        );
    }
    out
}
