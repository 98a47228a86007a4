//! File writes that survive a crash or a power cut: atomic replacement, flushed directories, damaged files moved aside.

mod durable;

pub use durable::{FsError, move_aside, sync_dir, write_atomically};
