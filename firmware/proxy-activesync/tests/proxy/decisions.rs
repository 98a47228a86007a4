//! Allowed devices reach the back end in both query forms; blocked ones never do.

use crate::harness::client::send;
use crate::harness::setup::{ALLOWED, BLOCKED, Harness, WIPED, base64, plain};
use postern_test_wait::eventually;

#[tokio::test]
async fn an_allowed_device_is_forwarded_in_the_plain_form() {
    let h = Harness::start(|_| {}).await;
    let target = plain("FolderSync", ALLOWED, "alice@example.com");
    let answer = send(
        h.addr,
        "POST",
        &target,
        &[
            ("MS-ASProtocolVersion", "14.1"),
            ("Connection", "keep-alive, X-Client-Private"),
            ("X-Client-Private", "1"),
            ("X-Forwarded-For", "6.6.6.6"),
        ],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.text(), "received 8");
    assert_eq!(answer.header("ms-server-activesync"), Some("15.1"));
    let backend = h.backend.as_ref().unwrap();
    let seen = backend.record.last();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.target, target);
    assert_eq!(seen.body_bytes, 8);
    assert_eq!(seen.headers["host"], backend.addr.to_string().as_str());
    assert_eq!(seen.headers["x-forwarded-host"], "mail.public.example");
    assert_eq!(seen.headers["x-forwarded-for"], "127.0.0.1");
    assert_eq!(seen.headers["x-forwarded-proto"], "http");
    assert_eq!(seen.headers["ms-asprotocolversion"], "14.1");
    assert!(!seen.headers.contains_key("x-client-private"));
    assert_eq!(h.hits(), 1);
}

#[tokio::test]
async fn an_allowed_device_is_forwarded_in_the_base64_form() {
    let h = Harness::start(|_| {}).await;
    let target = base64(9, ALLOWED, "alice@example.com");
    let answer = send(h.addr, "POST", &target, &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(h.backend.as_ref().unwrap().record.last().target, target);
    // The second request is decided from the cache (S2) and reuses the back-end connection.
    let again = send(h.addr, "POST", &plain("Sync", ALLOWED, "alice@example.com"), &[]).await;
    assert_eq!(again.status, 200);
    assert_eq!(h.hits(), 2);
    assert_eq!(h.backend.as_ref().unwrap().record.connections.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn blocked_wiped_and_unknown_devices_get_403_and_the_backend_sees_nothing() {
    let h = Harness::start(|_| {}).await;
    let cases = [
        (plain("Sync", BLOCKED, "bob@example.com"), "uem-blocked"),
        (base64(0, BLOCKED, "bob@example.com"), "cached-blocked"),
        (plain("Sync", WIPED, "dave@example.com"), "uem-wiped"),
        (plain("Sync", "Stranger1", "eve@example.com"), "uem-no-match"),
    ];
    for (target, reason) in &cases {
        let answer = send(h.addr, "POST", target, &[]).await;
        assert_eq!(answer.status, 403, "{target}");
        assert_eq!(answer.header("x-postern-reason"), Some(*reason), "{target}");
        assert!(!answer.text().is_empty());
    }
    assert_eq!(h.hits(), 0);
}

#[tokio::test]
async fn requests_are_counted_by_outcome() {
    let registry = postern_metrics::Registry::new();
    let counter = postern_proxy_activesync::register_request_counter(&registry).unwrap();
    let h = Harness::start(|config| config.requests = Some(counter.clone())).await;
    assert_eq!(send(h.addr, "POST", &plain("Sync", ALLOWED, "alice@example.com"), &[]).await.status, 200);
    assert_eq!(send(h.addr, "POST", &plain("Sync", BLOCKED, "bob@example.com"), &[]).await.status, 403);
    assert_eq!(send(h.addr, "GET", "/elsewhere", &[]).await.status, 404);
    let expected = [("done", 1), ("blocked", 1), ("not-found", 1), ("cut", 0)];
    // An outcome is counted when the response body is done with, which may be after the
    // client has read it.
    eventually(|| expected.iter().all(|(outcome, n)| counter.get(outcome) == *n)).await;
    for (outcome, n) in expected {
        assert_eq!(counter.get(outcome), n, "{outcome}");
    }
    let text = registry.render();
    assert!(text.contains("postern_activesync_requests_total{outcome=\"done\"} 1"), "{text}");
}
