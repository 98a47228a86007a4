//! 2 000 connections opened at once, stuck in the handshake, while a well-behaved
//! client is still served; resident memory is reported.
//! Run with `--nocapture` to see the measurements.

mod common;
use common::*;
use postern_process::raise_open_file_limit;
use postern_proxy_front::{ClientAuth, ConnectionLimits, ListenerConfig};
use postern_test_wait::eventually_within;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::task::JoinSet;

const CONNECTIONS: usize = 2_000;
/// The longest wait for the server to see every connection open, or every one closed.
const SETTLE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_connections_at_once() -> TestResult {
    // Client and server ends both live in this process, plus margin.
    let limit = raise_open_file_limit(2 * CONNECTIONS as u64 + 512)?;
    assert!(limit >= 2 * CONNECTIONS as u64 + 512, "open-file limit stuck at {limit}");
    let pki = Pki::new("many CA")?;
    let config = ListenerConfig {
        limits: ConnectionLimits { max_total: 10_000, max_per_ip: 10_000 },
        handshake_timeout: Duration::from_secs(30),
    };
    let front = start(pki.settings(ClientAuth::None), config, echo).await?;
    let port = front.port;
    let rss_before = rss_kib().ok_or("no VmRSS")?;

    let started = Instant::now();
    let mut opening = JoinSet::new();
    for _ in 0..CONNECTIONS {
        opening.spawn(async move {
            let mut tcp = TcpStream::connect(("127.0.0.1", port)).await?;
            // Half a TLS record header: the server waits for the rest.
            tcp.write_all(&[0x16, 0x03]).await?;
            Ok::<_, std::io::Error>(tcp)
        });
    }
    let mut held = Vec::with_capacity(CONNECTIONS);
    while let Some(joined) = opening.join_next().await {
        held.push(joined??);
    }
    let opened_in = started.elapsed();
    let m = front.metrics.clone();
    eventually_within(SETTLE, || m.connections_live.get() as usize >= CONNECTIONS).await;
    assert_eq!(m.connections_live.get() as usize, CONNECTIONS);

    let served_at = Instant::now();
    let mut good = connect(port, client_config(&pki.ca_pem, None)?).await?;
    assert_eq!(round_trip(&mut good, b"still served").await?, b"still served");
    let good_latency = served_at.elapsed();
    let rss_after = rss_kib().ok_or("no VmRSS")?;
    println!(
        "MEASURE {CONNECTIONS} connections opened in {opened_in:?}; well-behaved client served in {good_latency:?}; \
         RSS {rss_before} KiB -> {rss_after} KiB ({:.1} KiB per connection, client and server ends); nofile limit {limit}",
        (rss_after.saturating_sub(rss_before)) as f64 / CONNECTIONS as f64
    );
    assert!(good_latency < Duration::from_secs(5));
    drop(held);
    eventually_within(SETTLE, || m.connections_live.get() <= 1).await;
    assert_eq!(m.connections_live.get(), 1, "the abandoned handshakes are released");
    assert_eq!(m.handshake_failures.get("protocol") as usize, CONNECTIONS);
    Ok(())
}
