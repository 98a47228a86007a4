//! Test hooks for the gateway's robustness tests, active only with `--faults`: the next N
//! API answers fail in a chosen way, or every cursor is refused.

use crate::http::{Body, error, full, with_type};
use http_body_util::BodyExt;
use hyper::body::{Bytes, Frame, SizeHint};
use hyper::{Response, StatusCode};
use postern_uem_api::ErrorCode;
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

/// Size of the huge answer: 1 GiB, streamed, never held in memory.
pub(crate) const HUGE_BYTES: u64 = 1 << 30;
const CHUNK: usize = 64 * 1024;
/// Longest delay the slow fault accepts, in seconds.
pub(crate) const SLOW_MAX_SECS: u64 = 600;

/// How the next answers fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub(crate) enum FaultKind {
    /// `500` with a JSON error.
    Status500,
    /// `200` with a body that is not JSON.
    Garbage,
    /// `200` with a 1 GiB body.
    Huge,
    /// The normal answer, after a delay.
    Slow {
        /// Seconds to wait first.
        secs: u64,
    },
}

/// An administrator's fault order (`POST /admin/faults`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "order")]
pub(crate) enum FaultOrder {
    /// The next `count` API answers fail as `fault` says.
    Next {
        /// How.
        fault: FaultKind,
        /// How many answers.
        count: u32,
    },
    /// Refuse (`410`) or accept cursors again.
    RefuseCursors {
        /// On or off.
        on: bool,
    },
    /// Back to normal.
    Clear,
}

/// The faults in force.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    pending: Mutex<Option<(FaultKind, u32)>>,
    refuse_cursors: AtomicBool,
}

impl Faults {
    /// Applies an order.
    pub(crate) fn order(&self, order: FaultOrder) {
        match order {
            FaultOrder::Next { fault, count } => self.set_pending((count > 0).then_some((fault, count))),
            FaultOrder::RefuseCursors { on } => self.refuse_cursors.store(on, Ordering::SeqCst),
            FaultOrder::Clear => {
                self.set_pending(None);
                self.refuse_cursors.store(false, Ordering::SeqCst);
            }
        }
    }

    fn set_pending(&self, value: Option<(FaultKind, u32)>) {
        if let Ok(mut p) = self.pending.lock() {
            *p = value;
        }
    }

    /// Whether cursors are refused.
    pub(crate) fn refusing_cursors(&self) -> bool {
        self.refuse_cursors.load(Ordering::SeqCst)
    }

    /// Takes one fault for the next answer, if any is pending.
    pub(crate) fn take(&self) -> Option<FaultKind> {
        let mut pending = self.pending.lock().ok()?;
        let (kind, left) = (*pending)?;
        *pending = (left > 1).then_some((kind, left - 1));
        Some(kind)
    }
}

/// The failing answer for a fault; `None` for `Slow` (the caller sleeps and answers).
pub(crate) fn answer(kind: FaultKind) -> Option<Response<Body>> {
    match kind {
        FaultKind::Status500 => Some(error(ErrorCode::Internal, "injected fault: status 500")),
        FaultKind::Garbage => {
            Some(with_type(StatusCode::OK, full(Bytes::from_static(b"{\"cursor\": <<this is not JSON>> \x00\xff"))))
        }
        FaultKind::Huge => Some(with_type(StatusCode::OK, HugeBody::new().boxed())),
        FaultKind::Slow { .. } => None,
    }
}

/// The delay of a slow fault.
pub(crate) fn delay(kind: FaultKind) -> Option<Duration> {
    match kind {
        FaultKind::Slow { secs } => Some(Duration::from_secs(secs.min(SLOW_MAX_SECS))),
        _ => None,
    }
}

/// A 1 GiB JSON-looking body (`{"cursor":"xxxx…`), produced chunk by chunk.
struct HugeBody {
    left: u64,
    chunk: Bytes,
    started: bool,
}

impl HugeBody {
    fn new() -> Self {
        Self { left: HUGE_BYTES, chunk: Bytes::from(vec![b'x'; CHUNK]), started: false }
    }
}

impl hyper::body::Body for HugeBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        let data = if self.started {
            let n = usize::try_from(self.left).unwrap_or(CHUNK).min(CHUNK);
            self.chunk.slice(..n)
        } else {
            self.started = true;
            Bytes::from_static(b"{\"cursor\":\"")
        };
        self.left = self.left.saturating_sub(data.len() as u64);
        Poll::Ready(Some(Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        self.left == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.left)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::body::Body as _;

    #[test]
    fn a_fault_applies_to_exactly_count_answers() {
        let faults = Faults::default();
        faults.order(FaultOrder::Next { fault: FaultKind::Garbage, count: 2 });
        assert_eq!(faults.take(), Some(FaultKind::Garbage));
        assert_eq!(faults.take(), Some(FaultKind::Garbage));
        assert_eq!(faults.take(), None);
    }

    #[test]
    fn the_huge_body_declares_one_gibibyte() {
        assert_eq!(HugeBody::new().size_hint().exact(), Some(HUGE_BYTES));
    }
}
