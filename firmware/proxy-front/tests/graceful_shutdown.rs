//! Shutdown stops accepting, lets in-flight work finish within the grace period and
//! aborts what is left after it.

mod common;
use common::*;
use postern_proxy_front::{ClientAuth, ListenerConfig, PeerInfo};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

/// Reads one request byte, says so on `taken`, works 300 ms, answers, and then closes if
/// the listener is shutting down (otherwise serves the next request).
async fn slow_worker(
    mut tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
    peer: PeerInfo,
    taken: mpsc::UnboundedSender<()>,
) {
    let mut byte = [0u8; 1];
    loop {
        tokio::select! {
            read = tls.read_exact(&mut byte) => if read.is_err() { return },
            _ = peer.shutdown_requested() => { let _ = tls.shutdown().await; return; }
        }
        let _ = taken.send(());
        // The work, whose end the shutdown must wait for.
        tokio::time::sleep(Duration::from_millis(300)).await;
        if tls.write_all(b"done").await.is_err() || tls.flush().await.is_err() {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_flight_request_finishes_within_grace() -> TestResult {
    let pki = Pki::new("shutdown CA")?;
    let (taken, mut requests) = mpsc::unbounded_channel();
    let front = start(pki.settings(ClientAuth::None), ListenerConfig::default(), move |tls, peer| {
        slow_worker(tls, peer, taken.clone())
    })
    .await?;
    let port = front.port;
    let cfg = client_config(&pki.ca_pem, None)?;
    let mut busy = connect(port, cfg.clone()).await?;
    let idle = connect(port, cfg.clone()).await?;
    busy.write_all(b"x").await?;
    busy.flush().await?;
    // Shut down only once the worker has the request in hand.
    tokio::time::timeout(Duration::from_secs(10), requests.recv()).await?.ok_or("the worker is gone")?;

    let started = Instant::now();
    let shutdown = tokio::spawn(front.handle.shutdown(Duration::from_secs(30)));
    let mut answer = [0u8; 4];
    busy.read_exact(&mut answer).await?;
    assert_eq!(&answer, b"done", "the in-flight request completed");
    let report = shutdown.await?;
    assert_eq!((report.finished, report.aborted), (2, 0), "{report:?}");
    // 300 ms of work against a 30 s grace: generous for a loaded machine, and still far
    // from the full grace period.
    assert!(started.elapsed() < Duration::from_secs(10), "did not wait for the full grace period");
    drop(idle);
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err(), "no longer accepting");
    assert_eq!(front.metrics.connections_live.get(), 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_still_open_after_grace_are_aborted() -> TestResult {
    let pki = Pki::new("abort CA")?;
    // echo ignores the shutdown signal and only ends when the client does.
    let front = start(pki.settings(ClientAuth::None), ListenerConfig::default(), echo).await?;
    let mut stubborn = connect(front.port, client_config(&pki.ca_pem, None)?).await?;
    assert_eq!(round_trip(&mut stubborn, b"hi").await?, b"hi");
    let started = Instant::now();
    let report = front.handle.shutdown(Duration::from_millis(300)).await;
    let took = started.elapsed();
    assert_eq!((report.finished, report.aborted), (0, 1), "{report:?}");
    // Not before the grace period is over; the upper bound is generous for a loaded
    // machine (without the abort the echo would hold on for ever).
    assert!(took >= Duration::from_millis(300) && took < Duration::from_secs(5), "{took:?}");
    let mut buf = [0u8; 8];
    let n = tokio::time::timeout(Duration::from_secs(2), stubborn.read(&mut buf)).await?;
    assert!(matches!(n, Ok(0) | Err(_)), "the aborted connection is closed: {n:?}");
    assert_eq!(front.metrics.connections_live.get(), 0);
    Ok(())
}
