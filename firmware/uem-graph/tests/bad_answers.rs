//! Answers the connector must refuse without harm: too large, not JSON, too slow, from
//! an untrusted server.

mod common;

use common::{Answer, FakeGraph, device, page};
use postern_uem_connector::{UemConnector, UemError};
use postern_uem_graph::{GraphConnector, GraphLimits};
use std::time::{Duration, Instant};

fn small_cap() -> GraphLimits {
    let mut limits = GraphLimits::default();
    limits.max_page_bytes = 256 * 1024;
    limits
}

#[tokio::test]
async fn an_endless_body_is_cut_at_the_cap() {
    let fake = FakeGraph::start(|_, _| Answer::Endless).await;
    let start = Instant::now();
    let err = fake.connector_with(small_cap()).compliance_changes(None, Duration::ZERO).await.expect_err("capped");
    assert!(matches!(err, UemError::BadAnswer { ref reason, .. } if reason.contains("262144 byte cap")), "{err}");
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_declared_length_over_the_cap_is_refused_before_reading() {
    let big = page(&vec![device("d-1", "a@b.c", None, "compliant", "none"); 2_000], None);
    assert!(big.len() > 256 * 1024);
    let fake = FakeGraph::start(move |_, _| Answer::json(big.clone())).await;
    let err = fake.connector_with(small_cap()).compliance_changes(None, Duration::ZERO).await.expect_err("capped");
    assert!(matches!(err, UemError::BadAnswer { ref reason, .. } if reason.contains("bytes is over")), "{err}");
}

#[tokio::test]
async fn garbage_json_is_a_bad_answer() {
    for body in [
        "<html>Service Unavailable</html>",
        r#"{"value": "not a list"}"#,
        r#"{"value":[{"id":"d-1","complianceState":"compliant"}"#,
        "",
    ] {
        let body = body.to_owned();
        let fake = FakeGraph::start(move |_, _| Answer::json(body.clone())).await;
        let err = fake.connector().compliance_changes(None, Duration::ZERO).await.expect_err("garbage");
        assert!(matches!(err, UemError::BadAnswer { .. }), "{err}");
    }
}

#[tokio::test]
async fn devices_without_a_usable_id_are_left_out() {
    let fake = FakeGraph::start(|_, _| {
        Answer::json(page(
            &[
                r#"{"complianceState":"compliant"}"#.to_owned(),
                device(&"x".repeat(65), "a@b.c", None, "compliant", "none"),
                device("d-ok", "a@b.c", Some("not-alnum!"), "compliant", "none"),
            ],
            None,
        ))
    })
    .await;
    let snap = fake.connector().compliance_changes(None, Duration::ZERO).await.expect("snapshot");
    assert_eq!(snap.changes.len(), 1);
    assert_eq!(snap.changes[0].uem_device_id.as_str(), "d-ok");
    assert_eq!(snap.changes[0].activesync_id, None, "an ActiveSync id MS-ASHTTP would refuse is dropped");
}

#[tokio::test]
async fn a_stalled_answer_times_out() {
    let fake = FakeGraph::start(|_, _| Answer::Stall(Duration::from_secs(30))).await;
    let mut limits = GraphLimits::default();
    limits.request_timeout = Duration::from_millis(500);
    let err = fake.connector_with(limits).compliance_changes(None, Duration::ZERO).await.expect_err("timeout");
    assert!(matches!(err, UemError::Timeout { after, .. } if after == Duration::from_millis(500)), "{err}");
}

#[tokio::test]
async fn a_server_signed_by_another_ca_is_unreachable() {
    let fake = FakeGraph::start(|_, _| Answer::json(page(&[], None))).await;
    let other = fake.dir.path().join("other-ca.pem");
    std::fs::write(&other, common::other_ca_pem()).expect("write");
    let uem = GraphConnector::new(&fake.settings(GraphLimits::default()).with_ca_file(other)).expect("connector");
    let err = uem.register().await.expect_err("untrusted");
    assert!(matches!(err, UemError::Unreachable { ref reason, .. } if reason.contains("TLS")), "{err}");
    assert_eq!(fake.state.token_requests(), 0);
}
