//! Matching CONNECT targets to services: exact servers round-robin with a passive health
//! check, wildcard services, unknown targets.

use crate::harness::TestResult;
use crate::harness::client::{curl_plain, open, round_trip};
use crate::harness::pki::Naming;
use crate::harness::setup::{CRM_APP, Harness, WIKI_APP};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_no_service_covers_is_refused_as_not_found() -> TestResult {
    let h = Harness::start(|_| {}).await?;
    let device = h.pki.device("dev", Naming::Uri("uem-1"))?;
    for target in [
        "evil.example:443".to_owned(),
        format!("corp.example:{}", h.intranet.port),
        format!("wiki.corp.example:{}", h.crm_a.port),
        format!("crm-a.svc.test:{}", h.crm_a.port + 1),
    ] {
        let answer = open(h.port, &h.pki.ca_pem, &device, &target, Some(CRM_APP)).await?;
        assert_eq!((answer.status, answer.reason.as_deref()), (404, Some("unknown-service")), "{target}");
    }
    assert_eq!(h.intranet.accepted() + h.crm_a.accepted(), 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wildcard_service_reaches_the_requested_host_at_any_depth() -> TestResult {
    let h = Harness::start(|_| {}).await?;
    let device = h.pki.device("dev", Naming::Uri("uem-1"))?;
    for host in ["wiki.corp.example", "DEEP.wiki.corp.example"] {
        let mut answer =
            open(h.port, &h.pki.ca_pem, &device, &format!("{host}:{}", h.intranet.port), Some(WIKI_APP)).await?;
        assert_eq!(answer.status, 200, "{host}");
        answer.stream.write_all(format!("GET /{host} HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes()).await?;
        let mut response = String::new();
        answer.stream.read_to_string(&mut response).await?;
        assert!(response.ends_with(&format!("intranet: GET /{host} HTTP/1.1\n")), "{response}");
    }
    assert_eq!(h.intranet.accepted(), 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wildcard_never_reaches_loopback_the_service_does_not_name() -> TestResult {
    let h = Harness::start(|_| {}).await?;
    let device = h.pki.device("dev", Naming::Uri("uem-1"))?;
    // box.lab.example resolves to 127.0.0.1 and `lab` names no address explicitly; the IP
    // literal of the gateway's own loopback under a numeric wildcard neither.
    let answer =
        open(h.port, &h.pki.ca_pem, &device, &format!("box.lab.example:{}", h.intranet.port), Some(WIKI_APP)).await?;
    assert_eq!((answer.status, answer.reason.as_deref()), (403, Some("destination-forbidden")));
    // Plain HTTP proxying through the wildcard is refused the same way.
    let url = format!("http://box.lab.example:{}/x", h.intranet.port);
    let (port, ca) = (h.port, h.pki.ca_pem.clone());
    let plain = tokio::task::spawn_blocking(move || curl_plain(port, &ca, &device, WIKI_APP, &url)).await??;
    assert_eq!((plain.1.as_str(), plain.2.as_str()), ("403", "destination-forbidden\n"));
    assert_eq!(h.intranet.accepted(), 0, "the wildcard reached loopback");
    assert_eq!(h.tunnel_metrics.requests.get("destination-forbidden"), 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_robin_skips_a_server_that_is_down() -> TestResult {
    let h = Harness::start(|_| {}).await?;
    let device = h.pki.device("dev", Naming::Uri("uem-1"))?;
    let target = format!("crm-b.svc.test:{}", h.crm_b.port);
    for i in 0..6u8 {
        let mut answer = open(h.port, &h.pki.ca_pem, &device, &target, Some(CRM_APP)).await?;
        assert_eq!(answer.status, 200, "connection {i}");
        assert_eq!(round_trip(&mut answer.stream, &[i; 16]).await?, [i; 16]);
    }
    let (a, b) = (h.crm_a.accepted(), h.crm_b.accepted());
    assert_eq!(a + b, 6);
    assert!(a >= 2 && b >= 2, "both live servers take turns: {a} and {b}");
    let health = h.proxy.health();
    let down: Vec<_> = health.iter().filter(|s| !s.up).map(|s| (s.service.as_str(), s.server.as_str())).collect();
    assert_eq!(down, [("crm", format!("crm-down.svc.test:{}", h.down_port).as_str())]);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_whose_servers_are_all_down_is_tried_anyway_and_recovers() -> TestResult {
    let h = Harness::start(|_| {}).await?;
    let device = h.pki.device("dev", Naming::Uri("uem-1"))?;
    let target = format!("legacy.svc.test:{}", h.down_port);
    let first = open(h.port, &h.pki.ca_pem, &device, &target, Some(CRM_APP)).await?;
    assert_eq!((first.status, first.reason.as_deref()), (502, Some("backend-unreachable")));
    assert!(h.proxy.health().iter().any(|s| s.service == "legacy" && !s.up));
    // The server comes back while still marked down: it is tried anyway.
    let listener = TcpListener::bind(("127.0.0.1", h.down_port)).await?;
    tokio::spawn(async move {
        if let Ok((mut stream, _)) = listener.accept().await {
            let (mut r, mut w) = stream.split();
            let _ = tokio::io::copy(&mut r, &mut w).await;
        }
    });
    let mut second = open(h.port, &h.pki.ca_pem, &device, &target, Some(CRM_APP)).await?;
    assert_eq!(second.status, 200);
    assert_eq!(round_trip(&mut second.stream, b"back again").await?, b"back again");
    assert!(h.proxy.health().iter().any(|s| s.service == "legacy" && s.up));
    Ok(())
}
