//! A7: a device cut by a check-in loses its live requests within a second.

use crate::harness::client::{send, send_body};
use crate::harness::setup::{ALLOWED, Harness, plain};
use http_body_util::BodyExt;
use postern_test_wait::eventually;
use postern_uem_api::WireStatus;
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_cut_ends_a_held_ping_within_a_second() {
    let h = Harness::start(|_| {}).await;
    assert_eq!(send(h.addr, "POST", &plain("Sync", ALLOWED, "alice@example.com"), &[]).await.status, 200);
    let addr = h.addr;
    let held = tokio::spawn(async move {
        send(addr, "POST", &plain("Ping", ALLOWED, "alice@example.com"), &[("x-test-hold-ms", "30000")]).await
    });
    // The Ping is held once the back end has it; the Sync's entry is gone by then.
    assert!(
        eventually(|| h.hits() == 2 && h.proxy.live_requests() == 1).await,
        "hits {}, live {}",
        h.hits(),
        h.proxy.live_requests()
    );
    let cut_at = Instant::now();
    assert_eq!(h.uem_reports("uem-1", WireStatus::Blocked), 1);
    let answer =
        tokio::time::timeout(Duration::from_secs(1), held).await.expect("the held Ping ended within a second").unwrap();
    assert!(cut_at.elapsed() < Duration::from_secs(1));
    assert_eq!(answer.status, 403);
    assert_eq!(answer.header("x-postern-reason"), Some("uem-blocked"));
    assert_eq!(h.proxy.live_requests(), 0);
    // And the next request is refused from the cache, without reaching the back end.
    let hits = h.hits();
    let next = send(h.addr, "POST", &plain("Sync", ALLOWED, "alice@example.com"), &[]).await;
    assert_eq!(next.status, 403);
    assert_eq!(h.hits(), hits);
}

#[tokio::test]
async fn a_cut_ends_a_response_that_is_streaming() {
    let h = Harness::start(|_| {}).await;
    let response = send_body(
        h.addr,
        "POST",
        &plain("ItemOperations", ALLOWED, "alice@example.com"),
        &[("x-test-drip", "1000")],
        http_body_util::Empty::new(),
    )
    .await;
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();
    let first = body.frame().await.unwrap().unwrap();
    assert!(first.is_data());
    let cut_at = Instant::now();
    assert_eq!(h.uem_reports("uem-1", WireStatus::Wiped), 1);
    let ended = tokio::time::timeout(Duration::from_secs(1), async {
        loop {
            match body.frame().await {
                Some(Ok(_)) => continue,
                Some(Err(_)) => return true,
                None => return false,
            }
        }
    })
    .await
    .expect("the stream ended within a second");
    assert!(ended, "the stream ended with an error, not as complete");
    assert!(cut_at.elapsed() < Duration::from_secs(1));
}
