//! Bodies stream both ways: 64 MiB up and 64 MiB down with flat memory. Its own test
//! binary, so nothing else runs in the process while memory is measured.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

#[path = "proxy/harness/mod.rs"]
mod harness;

use harness::client::{generated, send_body};
use harness::setup::{ALLOWED, Harness, plain, rss_bytes};
use http_body_util::BodyExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const SIZE: u64 = 64 * 1024 * 1024;
/// Well under one body: buffering a 64 MiB body whole would show as 64 MiB or more.
const MAX_GROWTH: u64 = 16 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_of_64_mib_stream_both_ways_in_flat_memory() {
    let h = Harness::start(|_| {}).await;
    // Warm up: one small exchange, so allocator and connection set-up are not counted.
    let warm =
        send_body(h.addr, "POST", &plain("Sync", ALLOWED, "alice@example.com"), &[], generated(1024 * 1024)).await;
    warm.into_body().collect().await.unwrap();
    let baseline = rss_bytes();
    let peak = Arc::new(AtomicU64::new(baseline));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(rss_bytes(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let started = Instant::now();
    let size = SIZE.to_string();
    let response = send_body(
        h.addr,
        "POST",
        &plain("SendMail", ALLOWED, "alice@example.com"),
        &[("x-test-download", &size)],
        generated(SIZE),
    )
    .await;
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();
    let mut received = 0u64;
    while let Some(frame) = body.frame().await {
        if let Some(data) = frame.unwrap().data_ref() {
            received += data.len() as u64;
        }
    }
    let took = started.elapsed();
    done.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    let growth = peak.load(Ordering::Relaxed).saturating_sub(baseline);
    println!(
        "64 MiB up + 64 MiB down in {took:?}; RSS baseline {} KiB, peak growth {} KiB",
        baseline / 1024,
        growth / 1024
    );
    assert_eq!(received, SIZE);
    assert_eq!(h.backend.as_ref().unwrap().record.last().body_bytes, SIZE);
    assert!(growth < MAX_GROWTH, "memory grew by {growth} bytes");
}
