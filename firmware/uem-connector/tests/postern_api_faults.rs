//! The Postern UEM API v1 connector against a failing reference UEM: error statuses,
//! garbage, slowness, a killed and restarted server.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use common::{Certs, Uem};
use postern_uem_connector::{Timeouts, UemConnector, UemError};
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_500_is_a_status_error_with_the_uem_message() {
    let dir = tempfile::tempdir().unwrap();
    let uem = Uem::start(dir.path(), Certs::SelfSigned);
    let api = uem.connector();
    uem.admin(&["fault", "status500"]);
    let err = api.register().await.unwrap_err();
    match &err {
        UemError::Status { status, message, .. } => {
            assert_eq!(*status, 500);
            assert!(message.contains("injected fault"), "{message}");
        }
        other => panic!("expected a status error, got {other}"),
    }
    assert!(err.is_outage());
    assert!(api.register().await.is_ok(), "the fault was for one answer only");
}

#[tokio::test]
async fn garbage_json_is_a_bad_answer() {
    let dir = tempfile::tempdir().unwrap();
    let uem = Uem::start(dir.path(), Certs::SelfSigned);
    let api = uem.connector();
    uem.admin(&["fault", "garbage", "--count", "2"]);
    let err = api.compliance_changes(None, Duration::ZERO).await.unwrap_err();
    assert!(matches!(err, UemError::BadAnswer { .. }), "{err}");
    let err = api.register().await.unwrap_err();
    assert!(matches!(err, UemError::BadAnswer { .. }), "{err}");
}

#[tokio::test]
async fn an_answer_slower_than_the_deadline_is_a_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let uem = Uem::start(dir.path(), Certs::SelfSigned);
    let mut timeouts = Timeouts::default();
    timeouts.request = Duration::from_secs(1);
    let api = uem.connector().with_timeouts(timeouts);
    uem.admin(&["fault", "slow", "--secs", "4"]);
    let start = Instant::now();
    let err = api.register().await.unwrap_err();
    let took = start.elapsed();
    assert!(matches!(err, UemError::Timeout { after, .. } if after == Duration::from_secs(1)), "{err}");
    assert!(took < Duration::from_millis(2500), "gave up after {took:?}");
    assert!(err.is_outage());

    // A long-poll's deadline is its wait plus the request deadline.
    let full = api.compliance_changes(None, Duration::ZERO).await.unwrap();
    let start = Instant::now();
    let quiet = api.compliance_changes(Some(&full.cursor), Duration::from_secs(2)).await.unwrap();
    assert!(quiet.changes.is_empty());
    assert!(start.elapsed() >= Duration::from_millis(1900), "the server held the pull");
}

#[tokio::test]
async fn a_killed_uem_is_unreachable_and_works_again_once_restarted() {
    let dir = tempfile::tempdir().unwrap();
    let mut uem = Uem::start(dir.path(), Certs::SelfSigned);
    uem.enrol("dev-1", "ABC1", "alice@example.com");
    let api = uem.connector();
    let full = api.compliance_changes(None, Duration::ZERO).await.unwrap();

    uem.kill();
    let err = api.register().await.unwrap_err();
    assert!(matches!(err, UemError::Unreachable { ref reason, .. } if reason.contains("connect")), "{err}");
    assert!(err.is_outage());

    uem.restart();
    assert!(api.register().await.is_ok());
    let page = api.compliance_changes(Some(&full.cursor), Duration::ZERO).await.unwrap();
    assert!(page.changes.is_empty(), "the cursor survived the restart");
}

#[tokio::test]
async fn a_uem_killed_during_a_long_poll_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let mut uem = Uem::start(dir.path(), Certs::SelfSigned);
    let api = uem.connector();
    let full = api.compliance_changes(None, Duration::ZERO).await.unwrap();
    let pull = api.compliance_changes(Some(&full.cursor), Duration::from_secs(30));
    let kill = async {
        // Gives the pull time to be held. Were it not yet sent, it would meet a closed
        // port and be unreachable all the same, so nothing below depends on this.
        tokio::time::sleep(Duration::from_millis(500)).await;
        uem.kill();
    };
    let start = Instant::now();
    let (result, ()) = tokio::join!(pull, kill);
    let err = result.unwrap_err();
    assert!(matches!(err, UemError::Unreachable { .. }), "{err}");
    assert!(start.elapsed() < Duration::from_secs(5), "noticed at once");
}
