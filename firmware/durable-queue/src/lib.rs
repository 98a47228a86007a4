//! A bounded FIFO queue on disk for reports that must reach a server exactly as they were
//! recorded, across outages, restarts and `kill -9`.
//!
//! - [`DurableQueue::push`] returns only once the record is flushed to disk.
//! - Records live in append-only segment files (`<first sequence>.seg`); each record is
//!   framed with its length, a CRC-32 and its sequence number ([`Record`]).
//! - A torn last record (a crash during an append) is detected at open and cut off; a file
//!   damaged elsewhere is moved aside (`.corrupt-N`), its records before the damage are
//!   kept, and every other file is untouched.
//! - Records are removed only by [`DurableQueue::ack_through`] (the receiver's receipt):
//!   a `head` file, replaced atomically, names the first unacknowledged sequence number.
//! - Beyond the [`Bounds`] the oldest records are dropped; the drops are counted (kept
//!   in the `head` file) and logged.
//!
//! One process at a time may open a queue's directory.

mod error;
mod head;
mod queue;
mod record;
mod segment;

pub use error::QueueError;
pub use queue::{Bounds, DurableQueue, Queued, Stats};
pub use record::{HEADER_LEN, MAX_PAYLOAD, Record, RecordError, RecordRepr};
