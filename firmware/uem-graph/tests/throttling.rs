//! 429 and 503 with `Retry-After`: waited out within a call, up to a bound.

mod common;

use common::{Answer, FakeGraph, device, page};
use postern_uem_connector::{UemConnector, UemError};
use postern_uem_graph::GraphLimits;
use std::time::{Duration, Instant};

fn retry_after(status: u16, secs: &str) -> Answer {
    let body = br#"{"error":{"code":"TooManyRequests","message":"Too many requests"}}"#.to_vec();
    Answer::Plain(status, vec![("retry-after", secs.to_owned())], body)
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_then_the_call_succeeds() {
    let fake = FakeGraph::start(|_, state| {
        if state.graph_requests().len() == 1 {
            retry_after(429, "1")
        } else {
            Answer::json(page(&[device("d-1", "a@b.c", None, "compliant", "none")], None))
        }
    })
    .await;
    let start = Instant::now();
    let snap = fake.connector().compliance_changes(None, Duration::ZERO).await.expect("after the wait");
    assert!(start.elapsed() >= Duration::from_secs(1), "waited {:?}", start.elapsed());
    assert_eq!(snap.changes.len(), 1);
    assert_eq!(fake.state.graph_requests().len(), 2);
}

#[tokio::test]
async fn a_long_retry_after_ends_the_call_as_throttled_at_once() {
    let fake = FakeGraph::start(|_, _| retry_after(429, "120")).await;
    let start = Instant::now();
    let err = fake.connector().compliance_changes(None, Duration::ZERO).await.expect_err("throttled");
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)), "{err}");
    assert!(err.is_outage());
}

#[tokio::test]
async fn repeated_503s_give_up_after_the_retry_bound() {
    let fake = FakeGraph::start(|_, _| retry_after(503, "0")).await;
    let mut limits = GraphLimits::default();
    limits.max_throttle_retries = 2;
    let err = fake.connector_with(limits).compliance_changes(None, Duration::ZERO).await.expect_err("throttled");
    assert!(matches!(err, UemError::Throttled { .. }), "{err}");
    assert_eq!(fake.state.graph_requests().len(), 3, "the first try and two retries");
}

#[tokio::test]
async fn a_503_without_retry_after_is_an_error_status() {
    let fake = FakeGraph::start(|_, _| Answer::Plain(503, Vec::new(), b"{}".to_vec())).await;
    let err = fake.connector().compliance_changes(None, Duration::ZERO).await.expect_err("status");
    assert!(matches!(err, UemError::Status { status: 503, .. }), "{err}");
    assert_eq!(fake.state.graph_requests().len(), 1);
}
