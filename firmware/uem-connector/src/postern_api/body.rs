//! Reads an answer's body while it streams in, stopping as soon as it passes a cap: a
//! 1 GiB answer costs at most the cap in memory, and one declared larger is not read at
//! all.

use http_body_util::BodyExt;
use hyper::body::{Body, Bytes};
use std::pin::pin;

/// Why a body could not be read.
#[derive(Debug, thiserror::Error)]
pub(super) enum BodyError {
    /// The answer declares more than the cap (`Content-Length`).
    #[error("the answer declares {declared} bytes; at most {cap} are read")]
    Declared {
        /// What it declares.
        declared: u64,
        /// The cap.
        cap: usize,
    },
    /// The answer passed the cap while being read.
    #[error("the answer is longer than the {cap} bytes read at most")]
    TooLong {
        /// The cap.
        cap: usize,
    },
    /// The connection failed in the middle of the body.
    #[error("the answer broke off: {0}")]
    Broken(String),
}

/// Reads a whole body of at most `cap` bytes.
pub(super) async fn read_capped<B>(body: B, cap: usize) -> Result<Vec<u8>, BodyError>
where
    B: Body<Data = Bytes>,
    B::Error: std::fmt::Display,
{
    let cap64 = u64::try_from(cap).unwrap_or(u64::MAX);
    let declared = body.size_hint().lower();
    if declared > cap64 {
        return Err(BodyError::Declared { declared, cap });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(declared).unwrap_or(cap).min(cap));
    let mut body = pin!(body);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| BodyError::Broken(e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            if data.len() > cap - bytes.len() {
                return Err(BodyError::TooLong { cap });
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use hyper::body::{Frame, SizeHint};
    use std::convert::Infallible;
    use std::task::{Context, Poll};

    /// An endless body of 64 KiB chunks that does not declare its length, counting
    /// the chunks it was asked for.
    struct Endless {
        served: usize,
    }

    impl Body for Endless {
        type Data = Bytes;
        type Error = Infallible;
        fn poll_frame(
            mut self: std::pin::Pin<&mut Self>,
            _cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
            self.served += 1;
            Poll::Ready(Some(Ok(Frame::data(Bytes::from(vec![b'x'; 64 * 1024])))))
        }
        fn size_hint(&self) -> SizeHint {
            SizeHint::default()
        }
    }

    #[tokio::test]
    async fn an_undeclared_endless_body_stops_right_after_the_cap() {
        let mut endless = Endless { served: 0 };
        let err = read_capped(&mut endless, 1024 * 1024).await.unwrap_err();
        assert!(matches!(err, BodyError::TooLong { cap: 1_048_576 }), "{err}");
        assert_eq!(endless.served, 17, "16 chunks fit, the 17th passes the cap");
    }

    #[tokio::test]
    async fn a_declared_length_over_the_cap_is_refused_unread() {
        let body = http_body_util::Full::new(Bytes::from(vec![b' '; 2048]));
        let err = read_capped(body, 1024).await.unwrap_err();
        assert!(matches!(err, BodyError::Declared { declared: 2048, cap: 1024 }), "{err}");
        let body = http_body_util::Full::new(Bytes::from_static(b"{}"));
        assert_eq!(read_capped(body, 2).await.unwrap(), b"{}");
    }
}
