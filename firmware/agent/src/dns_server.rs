//! The split-DNS responder's I/O: UDP and TCP on the listen address; each query is
//! answered by the [`Resolver`] or forwarded unchanged to the system's resolver, whose
//! answer (same id) is relayed back.

use crate::error::AgentError;
use postern_agent_dns::{Outcome, Resolver, is_answer_to};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::Semaphore;

/// The resolver, shared by the UDP and TCP tasks and updated with the resources.
pub(crate) type SharedResolver = Arc<Mutex<Resolver>>;

/// How long the system's resolver may take to answer.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a TCP client may stay silent.
const TCP_IDLE: Duration = Duration::from_secs(10);
/// The most queries being forwarded at once; beyond, a query is dropped (clients retry).
const MAX_FORWARDING: usize = 256;
/// The most TCP clients at once.
const MAX_TCP_CLIENTS: usize = 64;
/// The largest local answer over UDP (RFC 1035); longer ones set TC.
const UDP_ANSWER_MAX: usize = 512;

/// The responder's sockets, UDP and TCP on one address and port.
pub(crate) struct Sockets {
    udp: UdpSocket,
    tcp: TcpListener,
}

fn bind_error(listen: SocketAddr) -> impl FnOnce(std::io::Error) -> AgentError {
    move |source| AgentError::Io { what: format!("binding the DNS responder to {listen}"), source }
}

impl Sockets {
    /// Binds UDP on `listen`, then TCP on the port UDP got.
    pub(crate) async fn bind(listen: SocketAddr) -> Result<Self, AgentError> {
        let udp = UdpSocket::bind(listen).await.map_err(bind_error(listen))?;
        let bound = udp.local_addr().map_err(bind_error(listen))?;
        let tcp = TcpListener::bind(bound).await.map_err(bind_error(bound))?;
        Ok(Self { udp, tcp })
    }

    /// Where they listen.
    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.udp.local_addr().unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }
}

/// Serves both sockets until the tasks are aborted.
pub(crate) fn serve(
    sockets: Sockets,
    upstream: SocketAddr,
    resolver: SharedResolver,
) -> Vec<tokio::task::JoinHandle<()>> {
    let forwarding = Arc::new(Semaphore::new(MAX_FORWARDING));
    vec![
        tokio::spawn(serve_udp(Arc::new(sockets.udp), upstream, resolver.clone(), forwarding.clone())),
        tokio::spawn(serve_tcp(sockets.tcp, upstream, resolver, forwarding)),
    ]
}

fn decide(resolver: &SharedResolver, query: &[u8], max_len: usize) -> Outcome {
    match resolver.lock() {
        Ok(mut resolver) => resolver.handle(query, max_len),
        Err(_) => Outcome::Drop,
    }
}

fn log_answer(client: SocketAddr, outcome: &Outcome) {
    match outcome {
        Outcome::Answer { kind, bytes } => tracing::debug!(%client, ?kind, len = bytes.len(), "DNS query answered"),
        Outcome::Forward => tracing::debug!(%client, "DNS query forwarded"),
        Outcome::Drop => tracing::debug!(%client, "DNS datagram dropped"),
    }
}

async fn serve_udp(socket: Arc<UdpSocket>, upstream: SocketAddr, resolver: SharedResolver, forwarding: Arc<Semaphore>) {
    let mut buf = vec![0u8; 65_535];
    loop {
        let (len, client) = match socket.recv_from(&mut buf).await {
            Ok(got) => got,
            Err(error) => {
                tracing::warn!(%error, "DNS receive failed");
                continue;
            }
        };
        let query = buf[..len].to_vec();
        let outcome = decide(&resolver, &query, UDP_ANSWER_MAX);
        log_answer(client, &outcome);
        match outcome {
            Outcome::Answer { bytes, .. } => {
                let _ = socket.send_to(&bytes, client).await;
            }
            Outcome::Forward => {
                let Ok(permit) = forwarding.clone().try_acquire_owned() else {
                    tracing::warn!(%client, "too many DNS queries in flight: query dropped");
                    continue;
                };
                let socket = socket.clone();
                tokio::spawn(async move {
                    match forward_udp(&query, upstream).await {
                        Ok(answer) => {
                            let _ = socket.send_to(&answer, client).await;
                        }
                        Err(error) => tracing::warn!(%client, %upstream, %error, "DNS query not forwarded"),
                    }
                    drop(permit);
                });
            }
            Outcome::Drop => {}
        }
    }
}

/// Sends `query` from a socket of its own and waits for the response with its id.
async fn forward_udp(query: &[u8], upstream: SocketAddr) -> Result<Vec<u8>, String> {
    let local: SocketAddr = if upstream.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { ([0u16; 8], 0).into() };
    let socket = UdpSocket::bind(local).await.map_err(|e| e.to_string())?;
    socket.connect(upstream).await.map_err(|e| e.to_string())?;
    socket.send(query).await.map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 65_535];
    tokio::time::timeout(UPSTREAM_TIMEOUT, async {
        loop {
            let len = socket.recv(&mut buf).await.map_err(|e| e.to_string())?;
            if is_answer_to(query, &buf[..len]) {
                return Ok(buf[..len].to_vec());
            }
        }
    })
    .await
    .map_err(|_| "no answer in 5 s".to_owned())?
}

async fn serve_tcp(listener: TcpListener, upstream: SocketAddr, resolver: SharedResolver, forwarding: Arc<Semaphore>) {
    let clients = Arc::new(Semaphore::new(MAX_TCP_CLIENTS));
    loop {
        let (stream, client) = match listener.accept().await {
            Ok(got) => got,
            Err(error) => {
                tracing::warn!(%error, "DNS accept failed");
                continue;
            }
        };
        let Ok(permit) = clients.clone().try_acquire_owned() else {
            tracing::warn!(%client, "too many DNS clients over TCP: connection closed");
            continue;
        };
        let (resolver, forwarding) = (resolver.clone(), forwarding.clone());
        tokio::spawn(async move {
            if let Err(error) = serve_tcp_client(stream, client, upstream, &resolver, &forwarding).await {
                tracing::debug!(%client, %error, "DNS client over TCP closed");
            }
            drop(permit);
        });
    }
}

async fn read_message(stream: &mut TcpStream) -> Result<Option<Vec<u8>>, String> {
    let mut len = [0u8; 2];
    match tokio::time::timeout(TCP_IDLE, stream.read_exact(&mut len)).await {
        Err(_) => return Ok(None),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Ok(result) => result.map_err(|e| e.to_string())?,
    };
    let mut message = vec![0u8; usize::from(u16::from_be_bytes(len))];
    tokio::time::timeout(TCP_IDLE, stream.read_exact(&mut message))
        .await
        .map_err(|_| "the message did not arrive in time".to_owned())?
        .map_err(|e| e.to_string())?;
    Ok(Some(message))
}

async fn write_message(stream: &mut TcpStream, message: &[u8]) -> Result<(), String> {
    let len = u16::try_from(message.len()).map_err(|_| "message too long".to_owned())?;
    let mut framed = Vec::with_capacity(message.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(message);
    stream.write_all(&framed).await.map_err(|e| e.to_string())
}

async fn serve_tcp_client(
    mut stream: TcpStream,
    client: SocketAddr,
    upstream: SocketAddr,
    resolver: &SharedResolver,
    forwarding: &Arc<Semaphore>,
) -> Result<(), String> {
    while let Some(query) = read_message(&mut stream).await? {
        let outcome = decide(resolver, &query, usize::from(u16::MAX));
        log_answer(client, &outcome);
        match outcome {
            Outcome::Answer { bytes, .. } => write_message(&mut stream, &bytes).await?,
            Outcome::Forward => {
                let _permit = forwarding.try_acquire().map_err(|_| "too many DNS queries in flight".to_owned())?;
                let answer = tokio::time::timeout(UPSTREAM_TIMEOUT, forward_tcp(&query, upstream))
                    .await
                    .map_err(|_| "no answer in 5 s".to_owned())??;
                write_message(&mut stream, &answer).await?;
            }
            Outcome::Drop => return Ok(()),
        }
    }
    Ok(())
}

/// Asks the system's resolver over TCP.
async fn forward_tcp(query: &[u8], upstream: SocketAddr) -> Result<Vec<u8>, String> {
    let mut stream = TcpStream::connect(upstream).await.map_err(|e| e.to_string())?;
    write_message(&mut stream, query).await?;
    let answer = read_message(&mut stream).await?.ok_or_else(|| "closed without an answer".to_owned())?;
    if !is_answer_to(query, &answer) {
        return Err("the answer does not carry the query's id".into());
    }
    Ok(answer)
}
