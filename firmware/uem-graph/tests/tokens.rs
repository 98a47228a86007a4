//! The client-credentials token: cached, refreshed before expiry, refreshed once on a
//! 401, and a refused secret reported as such.

mod common;

use common::{Answer, FakeGraph, device, page};
use postern_uem_connector::{UemConnector, UemError};
use std::time::Duration;

fn one_device() -> Answer {
    Answer::json(page(&[device("d-1", "a@b.c", None, "compliant", "none")], None))
}

#[tokio::test]
async fn a_token_is_reused_while_fresh_and_refreshed_before_it_expires() {
    let fake = FakeGraph::start(|_, _| one_device()).await;
    *fake.state.expires_in.lock().expect("lock") = 3;
    let uem = fake.connector();
    uem.compliance_changes(None, Duration::ZERO).await.expect("first");
    uem.compliance_changes(None, Duration::ZERO).await.expect("second, same token");
    assert_eq!(fake.state.token_requests(), 1);
    // A three-second token is refreshed once 90 % of its life has passed. The token came
    // before this sleep began and a sleep never ends early, so 2.7 s have surely passed.
    tokio::time::sleep(Duration::from_millis(2_800)).await;
    uem.compliance_changes(None, Duration::ZERO).await.expect("third, new token");
    assert_eq!(fake.state.token_requests(), 2);
    let bearers: Vec<Option<String>> = fake.state.graph_requests().into_iter().map(|s| s.bearer).collect();
    let tok = |s: &str| Some(s.to_owned());
    assert_eq!(bearers, [tok("tok-1"), tok("tok-1"), tok("tok-2")], "never a 401 on the way");
}

#[tokio::test]
async fn a_401_forces_exactly_one_refresh() {
    let fake = FakeGraph::start(|seen, _| {
        if seen.bearer.as_deref() == Some("tok-1") {
            Answer::Plain(
                401,
                Vec::new(),
                br#"{"error":{"code":"InvalidAuthenticationToken","message":"Lifetime validation failed"}}"#.to_vec(),
            )
        } else {
            one_device()
        }
    })
    .await;
    let snap = fake.connector().compliance_changes(None, Duration::ZERO).await.expect("after the refresh");
    assert_eq!(snap.changes.len(), 1);
    assert_eq!(fake.state.token_requests(), 2);
    let bearers: Vec<String> = fake.state.graph_requests().into_iter().filter_map(|s| s.bearer).collect();
    assert_eq!(bearers, ["tok-1", "tok-2"]);
}

#[tokio::test]
async fn a_token_graph_keeps_refusing_is_unauthorised_after_one_refresh() {
    let fake = FakeGraph::start(|_, _| Answer::Plain(401, Vec::new(), b"{}".to_vec())).await;
    let err = fake.connector().compliance_changes(None, Duration::ZERO).await.expect_err("refused");
    assert!(matches!(err, UemError::Unauthorised { .. }), "{err}");
    assert_eq!(fake.state.token_requests(), 2);
    assert_eq!(fake.state.graph_requests().len(), 2);
}

#[tokio::test]
async fn a_refused_secret_is_unauthorised_and_graph_is_never_asked() {
    let fake = FakeGraph::start_with(|_| |_: &common::Seen, _: &common::State| one_device(), true).await;
    let uem = fake.connector();
    let err = uem.register().await.expect_err("refused");
    assert!(matches!(err, UemError::Unauthorised { ref endpoint } if endpoint.contains("/oauth2/v2.0/token")), "{err}");
    assert!(fake.state.graph_requests().is_empty());
    // The form carried the client-credentials grant for the Graph scope.
    let form = fake.state.tokens.lock().expect("lock")[0].clone();
    assert!(form.contains("grant_type=client_credentials"), "{form}");
    assert!(form.contains(&format!("scope=https%3A%2F%2F127.0.0.1%3A{}%2F.default", fake.port)), "{form}");
}

#[tokio::test]
async fn the_secret_file_is_read_when_a_token_is_fetched() {
    let fake = FakeGraph::start(|_, _| one_device()).await;
    let uem = fake.connector();
    std::fs::write(&fake.secret_file, "rotated-away\n").expect("rotate");
    let err = uem.compliance_changes(None, Duration::ZERO).await.expect_err("old secret gone");
    assert!(matches!(err, UemError::Unauthorised { .. }), "{err}");
    std::fs::write(&fake.secret_file, format!("{}\n", common::SECRET)).expect("restore");
    uem.compliance_changes(None, Duration::ZERO).await.expect("right secret again");
}
