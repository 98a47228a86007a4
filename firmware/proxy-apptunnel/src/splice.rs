//! Relaying bytes both ways until either side closes, the tunnel idles out (Z2) or it is
//! cut (A7).

use crate::activity::{Activity, Tracked};
use std::io;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;

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
        tokio::select! {
            copied = tokio::io::copy_bidirectional(&mut client, &mut backend) => match copied {
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
