//! Paths, methods and malformed requests: answered by the proxy, never forwarded.

use crate::harness::client::send;
use crate::harness::setup::{ALLOWED, Harness, plain};

#[tokio::test]
async fn unknown_paths_get_404_and_stay_local() {
    let h = Harness::start(|_| {}).await;
    for target in ["/owa/", "/Microsoft-Server-ActiveSync/extra", "/ews/exchange.asmx"] {
        let answer = send(h.addr, "POST", target, &[]).await;
        assert_eq!(answer.status, 404, "{target}");
    }
    assert_eq!(h.hits(), 0);
}

#[tokio::test]
async fn malformed_requests_get_400_and_stay_local() {
    let h = Harness::start(|_| {}).await;
    let cases = [
        ("/Microsoft-Server-ActiveSync".to_owned(), vec![]),
        ("/Microsoft-Server-ActiveSync?Cmd=Sync&DeviceId=EAS1&DeviceType=iPhone".to_owned(), vec![]),
        ("/Microsoft-Server-ActiveSync?Cmd=Sync&Cmd=Ping&User=a&DeviceId=EAS1&DeviceType=iPhone".to_owned(), vec![]),
        ("/Microsoft-Server-ActiveSync?not-base64!".to_owned(), vec![]),
        (plain("Sync", ALLOWED, "alice@example.com"), vec![("MS-ASProtocolVersion", "99.0")]),
        (plain("Sync", ALLOWED, "alice@example.com"), vec![("X-MS-PolicyKey", "abc")]),
    ];
    for (target, headers) in &cases {
        let answer = send(h.addr, "POST", target, headers).await;
        assert_eq!(answer.status, 400, "{target} {headers:?}");
        assert!(answer.text().starts_with("malformed ActiveSync request"), "{}", answer.text());
    }
    assert_eq!(h.hits(), 0);
}

#[tokio::test]
async fn other_methods_get_405_with_allow() {
    let h = Harness::start(|_| {}).await;
    let answer = send(h.addr, "GET", &plain("Sync", ALLOWED, "alice@example.com"), &[]).await;
    assert_eq!(answer.status, 405);
    assert_eq!(answer.header("allow"), Some("POST, OPTIONS"));
    assert_eq!(h.hits(), 0);
}

#[tokio::test]
async fn options_discovery_is_forwarded_without_a_decision() {
    let h = Harness::start(|_| {}).await;
    let answer = send(h.addr, "OPTIONS", "/microsoft-server-activesync", &[]).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("ms-asprotocolversions"), Some("14.0,14.1,16.0,16.1"));
    // The back end's hop-by-hop header (named by its Connection header) does not cross.
    assert_eq!(answer.header("x-backend-private"), None);
    assert_eq!(h.hits(), 1);
    assert_eq!(h.backend.as_ref().unwrap().record.last().method, "OPTIONS");
    // No device identity, so nothing was recorded in the device cache.
    assert_eq!(h.gateway.inventory().unwrap().len(), 0);
}
