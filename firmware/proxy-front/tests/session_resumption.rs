//! TLS 1.3 sessions resume from stateless tickets: a session resumes after any number of
//! other clients' sessions, a resumed mutual-TLS session still names its device, and a
//! certificate reload ends every earlier session.

mod common;
use common::*;
use postern_proxy_front::{ClientAuth, ListenerConfig, PeerInfo, ReloadOutcome};
use rustls::HandshakeKind;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Connects with `config` (and its session cache), exchanges one message, and says how
/// the handshake went. The exchange also takes in the server's session ticket.
async fn handshake_kind(port: u16, config: Arc<rustls::ClientConfig>) -> Result<HandshakeKind, Error> {
    let mut tls = connect(port, config).await?;
    assert_eq!(round_trip(&mut tls, b"ping").await?, b"ping");
    tls.get_ref().1.handshake_kind().ok_or_else(|| "handshake not finished".into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_resumes_after_many_others_and_not_after_a_reload() -> TestResult {
    let pki = Pki::new("resumption CA")?;
    let front = start(pki.settings(ClientAuth::None), ListenerConfig::default(), echo).await?;
    let first = client_config(&pki.ca_pem, None)?;
    assert_eq!(handshake_kind(front.port, first.clone()).await?, HandshakeKind::Full);
    // More sessions than rustls's default server-side session cache (256) holds.
    for _ in 0..300 {
        assert_eq!(handshake_kind(front.port, client_config(&pki.ca_pem, None)?).await?, HandshakeKind::Full);
    }
    assert_eq!(handshake_kind(front.port, first.clone()).await?, HandshakeKind::Resumed);

    pki.write_server_cert("second")?;
    assert_eq!(front.watcher.check_now(), ReloadOutcome::Reloaded);
    assert_eq!(handshake_kind(front.port, first.clone()).await?, HandshakeKind::Full, "a reload ends earlier sessions");
    assert_eq!(handshake_kind(front.port, first).await?, HandshakeKind::Resumed);
    Ok(())
}

/// Writes back the client certificate's DER, length-prefixed, then closes.
async fn show_cert(mut tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>, peer: PeerInfo) {
    let body = peer.client_cert.map(|c| c.to_vec()).unwrap_or_default();
    let _ = tls.write_all(&(body.len() as u32).to_be_bytes()).await;
    let _ = tls.write_all(&body).await;
    let _ = tls.shutdown().await;
}

/// The certificate the service saw, and how the handshake went.
async fn seen_certificate(port: u16, config: Arc<rustls::ClientConfig>) -> Result<(Vec<u8>, HandshakeKind), Error> {
    let mut tls = connect(port, config).await?;
    let mut len = [0u8; 4];
    tls.read_exact(&mut len).await?;
    let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
    tls.read_exact(&mut body).await?;
    let kind = tls.get_ref().1.handshake_kind().ok_or("handshake not finished")?;
    Ok((body, kind))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_mutual_tls_session_still_names_its_device() -> TestResult {
    let pki = Pki::new("device CA")?;
    let front =
        start(pki.settings(ClientAuth::Required(pki.ca_pem.clone())), ListenerConfig::default(), show_cert).await?;
    let (cert, key) = pki.issue("device-42", vec!["device-42".into()], true)?;
    let device = client_config(&pki.ca_pem, Some((&cert, &key)))?;
    let expected = CertificateDer::from_pem_slice(cert.as_bytes())?.to_vec();
    assert_eq!(seen_certificate(front.port, device.clone()).await?, (expected.clone(), HandshakeKind::Full));
    assert_eq!(seen_certificate(front.port, device).await?, (expected, HandshakeKind::Resumed));
    Ok(())
}
