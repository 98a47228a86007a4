//! A listener behind a balancer: the PROXY protocol header's client address is what the
//! per-address limit counts and what the service is told.

mod common;
use common::*;
use postern_metrics::{Registry, SourcePrefixes};
use postern_proxy_front::{
    CertificateWatcher, ClientAuth, ConnectionLimits, FrontMetrics, Listener, ListenerConfig, PeerInfo,
};
use postern_proxy_protocol::{Addresses, Command, ProxyHeader, Version};
use rustls::pki_types::ServerName;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Opens a connection that claims to be from `client`, and reads what the service saw.
async fn as_client(port: u16, client: &str, tls: Arc<rustls::ClientConfig>) -> Result<String, Error> {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    let header = ProxyHeader {
        version: Version::V2,
        command: Command::Proxy,
        addresses: Addresses::Tcp { source: client.parse()?, destination: SocketAddr::from(([127, 0, 0, 1], port)) },
    };
    let mut buf = [0u8; 64];
    let len = header.emit(&mut buf)?;
    tcp.write_all(&buf[..len]).await?;
    let mut stream = tokio_rustls::TlsConnector::from(tls).connect(ServerName::try_from("localhost")?, tcp).await?;
    let mut seen = vec![0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut seen)).await??;
    Ok(String::from_utf8_lossy(&seen[..n]).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_address_limit_and_the_service_see_the_client_not_the_balancer() -> TestResult {
    let pki = Pki::new("proxy protocol CA")?;
    let registry = Registry::new();
    let metrics = FrontMetrics::register(&registry)?;
    let watcher = CertificateWatcher::new(pki.settings(ClientAuth::None), metrics.clone())?;
    let config = ListenerConfig {
        limits: ConnectionLimits { max_total: 100, max_per_ip: 1 },
        handshake_timeout: Duration::from_secs(5),
    };
    let listener = Listener::bind("127.0.0.1:0".parse()?, config, watcher, metrics.clone())
        .await?
        .with_proxy_protocol(SourcePrefixes::parse(&["127.0.0.1/32"])?);
    let port = listener.local_addr().port();
    // Tells the client its address as seen by the service, then holds the connection.
    let _handle = listener.serve(|mut tls: tokio_rustls::server::TlsStream<TcpStream>, peer: PeerInfo| async move {
        let _ = tls.write_all(peer.addr.to_string().as_bytes()).await;
        let _ = tls.flush().await;
        peer.shutdown_requested().await;
    });
    let tls = client_config(&pki.ca_pem, None)?;
    // Two devices through one balancer address: one slot each.
    assert_eq!(as_client(port, "192.0.2.7:40001", tls.clone()).await?, "192.0.2.7:40001");
    assert_eq!(as_client(port, "198.51.100.9:40002", tls.clone()).await?, "198.51.100.9:40002");
    // The first device again: its one slot is taken, whoever relays it.
    assert!(as_client(port, "192.0.2.7:40003", tls.clone()).await.is_err());
    assert_eq!(metrics.connections_refused.get("per_ip"), 1);
    assert_eq!(metrics.connections_accepted.get(), 2);
    Ok(())
}
