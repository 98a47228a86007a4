//! A back end that is down (502), slow (504), or holding a long poll (kept open).

use crate::harness::client::send;
use crate::harness::setup::{ALLOWED, Harness, plain};
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_backend_that_is_down_gives_502() {
    let h = Harness::without_backend().await;
    let answer = send(h.addr, "POST", &plain("Sync", ALLOWED, "alice@example.com"), &[]).await;
    assert_eq!(answer.status, 502);
    assert!(answer.text().contains("cannot be reached"), "{}", answer.text());
}

#[tokio::test]
async fn a_slow_backend_gives_504_after_the_response_timeout() {
    let h = Harness::start(|c| c.response_timeout = Duration::from_millis(500)).await;
    let started = Instant::now();
    let answer =
        send(h.addr, "POST", &plain("FolderSync", ALLOWED, "alice@example.com"), &[("x-test-hold-ms", "10000")]).await;
    let took = started.elapsed();
    assert_eq!(answer.status, 504);
    // The upper bound is generous for a loaded machine, and still half the back end's hold.
    assert!(took >= Duration::from_millis(500) && took < Duration::from_secs(5), "{took:?}");
    assert_eq!(h.hits(), 1);
}

#[tokio::test]
async fn a_held_ping_waits_past_the_response_timeout_up_to_the_hold_maximum() {
    let h = Harness::start(|c| {
        c.response_timeout = Duration::from_millis(500);
        c.hold_max = Duration::from_secs(10);
    })
    .await;
    let started = Instant::now();
    let answer =
        send(h.addr, "POST", &plain("Ping", ALLOWED, "alice@example.com"), &[("x-test-hold-ms", "3000")]).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert!(started.elapsed() >= Duration::from_secs(3));
    assert_eq!(h.proxy.live_requests(), 0);

    let h = Harness::start(|c| {
        c.response_timeout = Duration::from_millis(500);
        c.hold_max = Duration::from_secs(1);
    })
    .await;
    let answer =
        send(h.addr, "POST", &plain("Ping", ALLOWED, "alice@example.com"), &[("x-test-hold-ms", "3000")]).await;
    assert_eq!(answer.status, 504);
}
