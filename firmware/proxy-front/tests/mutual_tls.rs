//! Client certificates: verified against the configured CA and handed to the service.

mod common;
use common::*;
use postern_proxy_front::{ClientAuth, ListenerConfig, PeerInfo};
use postern_test_wait::eventually;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio::io::AsyncWriteExt;

/// Writes back a length-prefixed copy of the client certificate's DER (or "none").
async fn show_cert(mut tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>, peer: PeerInfo) {
    let body = peer.client_cert.map(|c| c.to_vec()).unwrap_or_else(|| b"none".to_vec());
    let _ = tls.write_all(&(body.len() as u32).to_be_bytes()).await;
    let _ = tls.write_all(&body).await;
    let _ = tls.shutdown().await;
}

async fn read_answer(port: u16, config: std::sync::Arc<rustls::ClientConfig>) -> Result<Vec<u8>, Error> {
    use tokio::io::AsyncReadExt;
    let mut conn = connect(port, config).await?;
    let mut len = [0u8; 4];
    conn.read_exact(&mut len).await?;
    let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
    conn.read_exact(&mut body).await?;
    Ok(body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn required_client_certificate() -> TestResult {
    let pki = Pki::new("device CA")?;
    let front =
        start(pki.settings(ClientAuth::Required(pki.ca_pem.clone())), ListenerConfig::default(), show_cert).await?;

    let (cert, key) = pki.issue("device-42", vec!["device-42".into()], true)?;
    let answer = read_answer(front.port, client_config(&pki.ca_pem, Some((&cert, &key)))?).await?;
    let expected = CertificateDer::from_pem_slice(cert.as_bytes())?;
    assert_eq!(answer, expected.to_vec(), "the service sees the device certificate");

    // No certificate.
    assert!(read_answer(front.port, client_config(&pki.ca_pem, None)?).await.is_err());
    // A certificate from another CA.
    let stranger = Pki::new("stranger CA")?;
    let (cert, key) = stranger.issue("intruder", vec!["intruder".into()], true)?;
    assert!(read_answer(front.port, client_config(&pki.ca_pem, Some((&cert, &key)))?).await.is_err());

    let m = front.metrics.clone();
    assert!(eventually(|| m.handshake_failures.get("no_certificate") == 1).await);
    assert!(eventually(|| m.handshake_failures.get("bad_certificate") == 1).await);
    assert_eq!(front.metrics.handshakes_completed.get(), 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn optional_client_certificate() -> TestResult {
    let pki = Pki::new("optional CA")?;
    let front =
        start(pki.settings(ClientAuth::Optional(pki.ca_pem.clone())), ListenerConfig::default(), show_cert).await?;
    let answer = read_answer(front.port, client_config(&pki.ca_pem, None)?).await?;
    assert_eq!(answer, b"none");
    let (cert, key) = pki.issue("device-7", vec!["device-7".into()], true)?;
    let answer = read_answer(front.port, client_config(&pki.ca_pem, Some((&cert, &key)))?).await?;
    assert_eq!(answer, CertificateDer::from_pem_slice(cert.as_bytes())?.to_vec());
    Ok(())
}
