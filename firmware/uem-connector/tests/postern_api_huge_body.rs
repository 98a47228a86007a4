//! A 1 GiB answer is cut off at the cap, quickly and without being held in memory. In a
//! file of its own, so the process's memory is this test's alone.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use common::{Certs, Uem};
use postern_uem_connector::{UemConnector, UemError};
use std::time::{Duration, Instant};

/// Resident memory of this process, in bytes (Linux `/proc/self/statm`, 4 KiB pages).
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).expect("resident pages");
    pages * 4096
}

#[tokio::test]
async fn a_one_gibibyte_answer_is_refused_quickly_with_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let uem = Uem::start(dir.path(), Certs::SelfSigned);
    let api = uem.connector();
    let before = resident_bytes();
    uem.admin(&["fault", "huge", "--count", "3"]);
    let start = Instant::now();
    // The feed has the largest cap (64 MiB); the others are smaller.
    for _ in 0..2 {
        let err = api.compliance_changes(None, Duration::ZERO).await.unwrap_err();
        assert!(matches!(err, UemError::BadAnswer { .. }), "{err}");
    }
    let err = api.register().await.unwrap_err();
    assert!(matches!(err, UemError::BadAnswer { .. }), "{err}");
    let took = start.elapsed();
    let growth = resident_bytes().saturating_sub(before);
    println!("1 GiB answers: refused in {took:?} for three, resident memory grew {} KiB", growth / 1024);
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(growth < 200 * 1024 * 1024, "grew {growth} bytes");
    assert!(api.register().await.is_ok(), "normal again after the faults");
}
