//! A load generator for full TLS handshakes: wrk resumes TLS sessions, so this one (one
//! thread, like wrk's runs, pinned to the load core) opens each connection with a client
//! that never offers a session to resume, sends the same ~1 KiB ActiveSync POST with
//! `Connection: close`, reads the answer to its end and records the time from connect to
//! the last byte.

use super::tls;
use super::wrk::{self, WrkResult};
use crate::shell::{Result, StepError};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// Longest one exchange may take before it counts as an error.
const TIMEOUT: Duration = Duration::from_secs(5);

/// What one connection's exchange gave: its latency, or an error.
type Exchange = std::result::Result<Duration, ()>;

async fn exchange(connector: &TlsConnector, addr: SocketAddr, request: &[u8]) -> Exchange {
    let start = Instant::now();
    let tcp = TcpStream::connect(addr).await.map_err(|_| ())?;
    let _ = tcp.set_nodelay(true);
    let mut tls = connector.connect(tls::server_name(), tcp).await.map_err(|_| ())?;
    tls.write_all(request).await.map_err(|_| ())?;
    let mut answer = Vec::with_capacity(1024);
    // A close without close_notify still ends a `Connection: close` answer.
    let _ = tls.read_to_end(&mut answer).await;
    let ok = answer.starts_with(b"HTTP/1.1 2") || answer.starts_with(b"HTTP/1.0 2");
    if ok { Ok(start.elapsed()) } else { Err(()) }
}

/// The 99th percentile of `latencies` (sorted in place).
fn p99(latencies: &mut [Duration]) -> Duration {
    latencies.sort_unstable();
    let at = (latencies.len() * 99).div_ceil(100).saturating_sub(1);
    latencies.get(at).copied().unwrap_or_default()
}

/// Runs `connections` loops of fresh connections against `addr` for `seconds`, on one
/// thread pinned to `cpu` when given.
pub(crate) fn run(
    ca: &Path,
    addr: SocketAddr,
    url: &str,
    connections: u32,
    seconds: u64,
    cpu: Option<usize>,
) -> Result<WrkResult> {
    let connector = tls::fresh_connector(ca)?;
    let request = Arc::new(wrk::close_request(url, addr));
    let pinned = cpu;
    std::thread::scope(|scope| {
        let worker = scope.spawn(move || {
            if let Some(cpu) = pinned {
                let mut set = nix::sched::CpuSet::new();
                let _ = set.set(cpu);
                let _ = nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &set);
            }
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| StepError(format!("starting the load generator's runtime: {e}")))?;
            runtime.block_on(async {
                let started = Instant::now();
                let deadline = started + Duration::from_secs(seconds);
                let mut tasks = tokio::task::JoinSet::new();
                for _ in 0..connections {
                    let (connector, request) = (connector.clone(), Arc::clone(&request));
                    tasks.spawn(async move {
                        let mut done = (Vec::new(), 0_u64);
                        while Instant::now() < deadline {
                            match tokio::time::timeout(TIMEOUT, exchange(&connector, addr, &request)).await {
                                Ok(Ok(took)) => done.0.push(took),
                                _ => done.1 += 1,
                            }
                        }
                        done
                    });
                }
                let (mut latencies, mut errors) = (Vec::new(), 0);
                while let Some(finished) = tasks.join_next().await {
                    let (mut taken, failed) = finished.map_err(|e| StepError(format!("a load task failed: {e}")))?;
                    latencies.append(&mut taken);
                    errors += failed;
                }
                let elapsed = started.elapsed();
                let requests = latencies.len() as u64;
                Ok(WrkResult { requests, elapsed, p99: p99(&mut latencies), errors })
            })
        });
        worker.join().map_err(|_| StepError("the load generator panicked".into()))?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_99th_percentile_is_the_value_below_which_99_of_100_fall() {
        let mut latencies: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        assert_eq!(p99(&mut latencies), Duration::from_millis(99));
        assert_eq!(p99(&mut [Duration::from_millis(7)]), Duration::from_millis(7));
        assert_eq!(p99(&mut []), Duration::ZERO);
    }
}
