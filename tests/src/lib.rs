//! End-to-end tests that start real processes; the tests live in `tests/`, helper binaries in `src/bin/`.

mod vm;

pub use vm::{Vm, VmImage};
