//! Relaying bytes both ways until either side closes, the tunnel idles out (Z2) or it is
//! cut (A7).
//!
//! A tunnel first waits for its first bytes with no relay buffers at all (a small read of
//! the client, readiness of the back end), so thousands of idle tunnels cost little
//! memory; once traffic flows it is relayed with large buffers, so each read and write
//! moves up to [`RELAY_BUFFER`] bytes (several full TLS records per system call).

use crate::activity::{Activity, Tracked};
use std::io;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;

/// Each direction's relay buffer once traffic flows.
pub(crate) const RELAY_BUFFER: usize = 64 * 1024;
/// The buffer of the client's first read, before the relay starts.
const FIRST_READ: usize = 1024;

/// Why a tunnel ended.
#[derive(Debug)]
pub(crate) enum End {
    /// Both sides finished; bytes sent up (client to back end) and down.
    Closed { up: u64, down: u64 },
    /// No byte in either direction for the idle timeout.
    Idle,
    /// The gateway cut it.
    Cut,
    /// A side failed.
    Failed(io::Error),
}

impl End {
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Self::Closed { .. } => "closed",
            Self::Idle => "idle-timeout",
            Self::Cut => "cut",
            Self::Failed(_) => "error",
        }
    }
}

/// Relays between `client` and `backend`, then closes both.
pub(crate) async fn splice<C>(mut client: C, backend: TcpStream, idle: Duration, mut cut: watch::Receiver<bool>) -> End
where
    C: AsyncRead + AsyncWrite + Unpin,
{
    let activity = Activity::new();
    let mut backend = Tracked::new(backend, activity.clone());
    let end = {
        let idle_out = async {
            loop {
                let deadline = activity.last() + idle;
                if Instant::now() >= deadline {
                    return;
                }
                tokio::time::sleep_until(deadline).await;
            }
        };
        let cut_off = async {
            if cut.wait_for(|cut| *cut).await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        let relay = async {
            let up = first_bytes(&mut client, &mut backend).await?;
            let (more_up, down) =
                tokio::io::copy_bidirectional_with_sizes(&mut client, &mut backend, RELAY_BUFFER, RELAY_BUFFER).await?;
            Ok::<_, io::Error>((up + more_up, down))
        };
        tokio::select! {
            copied = relay => match copied {
                Ok((up, down)) => End::Closed { up, down },
                Err(error) => End::Failed(error),
            },
            () = idle_out => End::Idle,
            () = cut_off => End::Cut,
        }
    };
    let close = Duration::from_millis(500);
    let _ = tokio::time::timeout(close, client.shutdown()).await;
    let _ = tokio::time::timeout(close, backend.into_inner().shutdown()).await;
    end
}

/// Waits until either side has something to say. What the client sent first is passed on
/// to the back end (and counted); the back end's bytes are left for the relay to read.
async fn first_bytes<C>(client: &mut C, backend: &mut Tracked<TcpStream>) -> io::Result<u64>
where
    C: AsyncRead + AsyncWrite + Unpin,
{
    let mut first = vec![0u8; FIRST_READ];
    tokio::select! {
        read = client.read(&mut first) => {
            let n = read?;
            let sent = first.get(..n).unwrap_or_default();
            backend.write_all(sent).await?;
            Ok(sent.len() as u64)
        }
        ready = backend.get_ref().readable() => ready.map(|()| 0),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use tokio::net::TcpListener;

    /// A back end on loopback: the proxy's side of it, and the back end's own side.
    async fn backend_pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let near = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (far, _) = listener.accept().await.unwrap();
        (near, far)
    }

    fn pattern(len: usize, seed: u8) -> Vec<u8> {
        (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
    }

    #[tokio::test]
    async fn client_first_bulk_both_ways_is_relayed_whole_and_counted() {
        let (near, mut far) = backend_pair().await;
        let (mut app, proxy_side) = tokio::io::duplex(16 * 1024);
        let (_cut_tx, cut) = watch::channel(false);
        let relay = tokio::spawn(splice(proxy_side, near, Duration::from_secs(5), cut));
        let (up, down) = (pattern(3 * RELAY_BUFFER + 17, 1), pattern(2 * RELAY_BUFFER + 5, 7));
        let (up_sent, down_sent) = (up.clone(), down.clone());
        let app_task = tokio::spawn(async move {
            app.write_all(&up_sent).await.unwrap();
            app.shutdown().await.unwrap();
            let mut got = Vec::new();
            app.read_to_end(&mut got).await.unwrap();
            got
        });
        let mut got_up = vec![0u8; up.len()];
        far.read_exact(&mut got_up).await.unwrap();
        far.write_all(&down_sent).await.unwrap();
        far.shutdown().await.unwrap();
        assert_eq!(got_up, up);
        assert_eq!(app_task.await.unwrap(), down);
        match relay.await.unwrap() {
            End::Closed { up: u, down: d } => assert_eq!((u, d), (up.len() as u64, down.len() as u64)),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_back_end_that_speaks_first_is_relayed_without_a_client_byte() {
        let (near, mut far) = backend_pair().await;
        let (mut app, proxy_side) = tokio::io::duplex(4096);
        let (_cut_tx, cut) = watch::channel(false);
        let relay = tokio::spawn(splice(proxy_side, near, Duration::from_secs(5), cut));
        far.write_all(b"220 ready\r\n").await.unwrap();
        let mut banner = [0u8; 11];
        app.read_exact(&mut banner).await.unwrap();
        assert_eq!(&banner, b"220 ready\r\n");
        app.write_all(b"QUIT\r\n").await.unwrap();
        let mut quit = [0u8; 6];
        far.read_exact(&mut quit).await.unwrap();
        assert_eq!(&quit, b"QUIT\r\n");
        drop(far);
        app.shutdown().await.unwrap();
        match relay.await.unwrap() {
            End::Closed { up, down } => assert_eq!((up, down), (6, 11)),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_tunnel_that_never_speaks_idles_out() {
        let (near, _far) = backend_pair().await;
        let (_app, proxy_side) = tokio::io::duplex(4096);
        let (_cut_tx, cut) = watch::channel(false);
        let started = Instant::now();
        let end = splice(proxy_side, near, Duration::from_millis(200), cut).await;
        assert!(started.elapsed() >= Duration::from_millis(200));
        assert!(matches!(end, End::Idle), "{end:?}");
    }
}
