//! Truncated and garbage TLS, slow handshakes and connection limits do not disturb
//! well-behaved clients.

mod common;
use common::*;
use postern_proxy_front::{ClientAuth, ConnectionLimits, ListenerConfig};
use postern_test_wait::eventually;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn config(max_total: usize, max_per_ip: usize, handshake_ms: u64) -> ListenerConfig {
    ListenerConfig {
        limits: ConnectionLimits { max_total, max_per_ip },
        handshake_timeout: Duration::from_millis(handshake_ms),
    }
}

/// Bytes of a real ClientHello, captured from a rustls client.
fn client_hello() -> Result<Vec<u8>, Error> {
    let config = client_config_insecure()?;
    let mut conn = rustls::ClientConnection::new(config, "localhost".try_into()?)?;
    let mut out = Vec::new();
    conn.write_tls(&mut out)?;
    Ok(out)
}

fn client_config_insecure() -> Result<std::sync::Arc<rustls::ClientConfig>, Error> {
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    Ok(std::sync::Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth(),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_hello_and_garbage_do_not_disturb_others() -> TestResult {
    let pki = Pki::new("bad input CA")?;
    let front = start(pki.settings(ClientAuth::None), config(100, 100, 5_000), echo).await?;
    let mut good = connect(front.port, client_config(&pki.ca_pem, None)?).await?;
    assert_eq!(round_trip(&mut good, b"one").await?, b"one");

    let hello = client_hello()?;
    assert!(hello.len() > 20);
    for _ in 0..20 {
        let mut half = TcpStream::connect(("127.0.0.1", front.port)).await?;
        half.write_all(&hello[..hello.len() / 2]).await?;
        drop(half);
        let mut junk = TcpStream::connect(("127.0.0.1", front.port)).await?;
        junk.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\xff\x16\x03\x01\xff\xff").await?;
        let mut buf = [0u8; 64];
        // The server answers garbage with an alert or a close, never a hang.
        let read = tokio::time::timeout(Duration::from_secs(2), junk.read(&mut buf)).await;
        assert!(read.is_ok(), "garbage connection left hanging");
    }
    assert_eq!(round_trip(&mut good, b"two").await?, b"two");
    let mut fresh = connect(front.port, client_config(&pki.ca_pem, None)?).await?;
    assert_eq!(round_trip(&mut fresh, b"three").await?, b"three");
    let m = front.metrics.clone();
    assert!(eventually(|| m.handshake_failures.get("protocol") == 40).await, "{}", front.registry.render());
    assert_eq!(front.metrics.handshakes_completed.get(), 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_handshake_is_cut_at_the_timeout() -> TestResult {
    let pki = Pki::new("slow CA")?;
    let timeout = Duration::from_millis(400);
    let front = start(pki.settings(ClientAuth::None), config(100, 100, 400), echo).await?;
    let hello = client_hello()?;
    // Timed from before the connection exists, so the server's clock cannot have started
    // earlier than ours.
    let started = Instant::now();
    let mut slow = TcpStream::connect(("127.0.0.1", front.port)).await?;
    slow.write_all(&hello[..5]).await?;
    // Trickle a byte now and then; the deadline covers the whole handshake.
    let mut sent = 5;
    let closed_after = loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if slow.write_all(&hello[sent..sent + 1]).await.is_err() {
            break started.elapsed();
        }
        sent += 1;
        let mut buf = [0u8; 16];
        if let Ok(Ok(0)) = tokio::time::timeout(Duration::from_millis(1), slow.read(&mut buf)).await {
            break started.elapsed();
        }
        if started.elapsed() > Duration::from_secs(5) {
            break started.elapsed();
        }
    };
    assert!(closed_after >= timeout, "closed too early: {closed_after:?}");
    // Generous for a loaded machine, and still short of the 5 s at which the trickle
    // gives up.
    assert!(closed_after < timeout + Duration::from_secs(3), "not cut at the timeout: {closed_after:?}");
    // The server closes the connection before it counts the failure.
    let m = front.metrics.clone();
    assert!(eventually(|| m.handshake_failures.get("timeout") == 1).await, "{}", front.registry.render());
    let mut good = connect(front.port, client_config(&pki.ca_pem, None)?).await?;
    assert_eq!(round_trip(&mut good, b"served").await?, b"served");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_ip_limit_refuses_the_extra_connections() -> TestResult {
    let pki = Pki::new("per-ip CA")?;
    let front = start(pki.settings(ClientAuth::None), config(100, 3, 5_000), echo).await?;
    let cfg = client_config(&pki.ca_pem, None)?;
    let mut held = Vec::new();
    for i in 0..3u8 {
        let mut c = connect(front.port, cfg.clone()).await?;
        assert_eq!(round_trip(&mut c, &[i]).await?, [i]);
        held.push(c);
    }
    for _ in 0..2 {
        assert!(connect(front.port, cfg.clone()).await.is_err(), "a 4th connection from one IP");
    }
    assert_eq!(front.metrics.connections_refused.get("per_ip"), 2);
    assert_eq!(front.metrics.connections_live.get(), 3);
    // Another loopback address is a different client.
    let tcp = TcpStream::connect(("127.0.0.2", front.port)).await;
    if let Ok(tcp) = tcp {
        let connector = tokio_rustls::TlsConnector::from(cfg.clone());
        let mut c = connector.connect("localhost".try_into()?, tcp).await?;
        assert_eq!(round_trip(&mut c, b"other ip").await?, b"other ip");
    }
    drop(held.pop());
    let m = front.metrics.clone();
    assert!(eventually(|| m.connections_live.get() <= 2).await);
    let mut again = connect(front.port, cfg).await?;
    assert_eq!(round_trip(&mut again, b"slot freed").await?, b"slot freed");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_limit_refuses_the_extra_connections() -> TestResult {
    let pki = Pki::new("global CA")?;
    let front = start(pki.settings(ClientAuth::None), config(4, 100, 5_000), echo).await?;
    let cfg = client_config(&pki.ca_pem, None)?;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(connect(front.port, cfg.clone()).await?);
    }
    for _ in 0..3 {
        assert!(connect(front.port, cfg.clone()).await.is_err());
    }
    assert_eq!(front.metrics.connections_refused.get("total"), 3);
    assert_eq!(front.metrics.connections_accepted.get(), 4);
    for c in held.iter_mut() {
        assert_eq!(round_trip(c, b"held").await?, b"held");
    }
    Ok(())
}
