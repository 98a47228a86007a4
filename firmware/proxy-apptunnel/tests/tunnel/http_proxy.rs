//! Plain HTTP proxying: absolute-form requests decided like CONNECT and forwarded in
//! origin form, keep-alive on both sides, proxy headers never reaching the back end.

use crate::harness::TestResult;
use crate::harness::client::{Answer, connect, curl_plain, exchange, request, tls_config};
use crate::harness::pki::Naming;
use crate::harness::setup::{CRM_APP, Harness, WIKI_APP};
use postern_test_wait::eventually;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absolute_form_requests_are_forwarded_over_one_kept_back_end_connection() -> TestResult {
    let h = Harness::start(|_| {}).await?;
    let device = h.pki.device("dev", Naming::Uri("uem-1"))?;
    let mut stream = connect(h.port, tls_config(&h.pki.ca_pem, Some(&device))?).await?;
    let web = format!("web.svc.test:{}", h.web.port);
    let first = exchange(
        &mut stream,
        &format!("GET http://{web}/page?x=1 HTTP/1.1\r\nHost: {web}\r\nX-Postern-App: {CRM_APP}\r\nProxy-Authorization: Basic c2VjcmV0\r\nProxy-Connection: keep-alive\r\nConnection: X-Hop\r\nX-Hop: 1\r\nAccept: text/plain\r\n\r\n"),
    )
    .await?;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.header("x-backend"), Some("mirror"));
    assert_eq!(first.header("keep-alive"), None, "hop-by-hop headers of the answer are removed");
    let seen = first.body.to_ascii_lowercase();
    assert!(seen.starts_with("get /page?x=1 http/1.1\r\n"), "origin form: {seen}");
    assert!(seen.contains(&format!("host: {web}\r\n")) && seen.contains("accept: text/plain\r\n"), "{seen}");
    for gone in ["proxy-authorization", "proxy-connection", "x-postern-app", "x-hop"] {
        assert!(!seen.contains(gone), "{gone} reached the back end: {seen}");
    }
    assert_eq!(h.proxy.live_tunnels(), 1);
    assert_eq!(h.tunnel_metrics.tunnels_open.get(), 1);

    let body = "x".repeat(100_000);
    let second = exchange(&mut stream, &format!("POST http://{web}/upload HTTP/1.1\r\nHost: {web}\r\nX-Postern-App: {CRM_APP}\r\nContent-Length: {}\r\n\r\n{body}", body.len())).await?;
    assert_eq!(second.status, 200);
    assert!(
        second.body.starts_with("POST /upload HTTP/1.1") && second.body.ends_with("body-bytes: 100000\n"),
        "{}",
        second.body
    );
    assert_eq!(h.web.accepted(), 1, "both requests went over one back-end connection");
    assert_eq!(h.tunnel_metrics.requests.get("forwarded"), 2);
    drop(stream);
    let gauge = h.tunnel_metrics.tunnels_open.clone();
    assert!(eventually(|| gauge.get() == 0).await, "the back-end connection closes with the app's connection");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_as_a_plain_http_proxy_client_is_served_and_refused_by_decision() -> TestResult {
    let h = Harness::start(|_| {}).await?;
    let allowed = h.pki.device("dev", Naming::Uri("uem-1"))?;
    let blocked = h.pki.device("blocked", Naming::Uri("uem-2"))?;
    let url = format!("http://deep.wiki.corp.example:{}/doc", h.intranet.port);
    let (port, ca) = (h.port, h.pki.ca_pem.clone());
    let (ok, refused) = tokio::task::spawn_blocking(move || -> Result<_, crate::harness::Error> {
        Ok((curl_plain(port, &ca, &allowed, WIKI_APP, &url)?, curl_plain(port, &ca, &blocked, WIKI_APP, &url)?))
    })
    .await??;
    assert_eq!((ok.0, ok.1.as_str()), (0, "200"), "{}", ok.2);
    assert_eq!(ok.2, "intranet: GET /doc HTTP/1.1\n");
    assert_eq!((refused.1.as_str(), refused.2.as_str()), ("403", "device-policy-violation\n"));
    assert_eq!(h.intranet.accepted(), 1, "the blocked device's request never reached the back end");
    assert_eq!((h.tunnel_metrics.requests.get("forwarded"), h.tunnel_metrics.requests.get("blocked")), (1, 1));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_that_are_not_proxy_requests_or_name_no_service_are_refused() -> TestResult {
    let h = Harness::start(|_| {}).await?;
    let device = h.pki.device("dev", Naming::Uri("uem-1"))?;
    let cases = [
        ("GET /page HTTP/1.1\r\nHost: web.svc.test\r\n".to_owned(), 400, "proxy-request-required"),
        (format!("GET https://web.svc.test:{}/ HTTP/1.1\r\nHost: web.svc.test\r\n", h.web.port), 400, "bad-target"),
        ("GET http://evil.example/ HTTP/1.1\r\nHost: evil.example\r\n".to_owned(), 404, "unknown-service"),
        (
            format!("GET http://web.svc.test:{}/ HTTP/1.1\r\nHost: web.svc.test\r\n", h.web.port + 1),
            404,
            "unknown-service",
        ),
    ];
    for (head, status, reason) in cases {
        let stream = connect(h.port, tls_config(&h.pki.ca_pem, Some(&device))?).await?;
        let Answer { status: got, reason: why, .. } =
            request(stream, &format!("{head}X-Postern-App: {CRM_APP}\r\n\r\n")).await?;
        assert_eq!((got, why.as_deref()), (status, Some(reason)), "{head}");
    }
    assert_eq!(h.web.accepted(), 0);
    assert_eq!(h.tunnel_metrics.requests.get("bad-request"), 2);
    assert_eq!(h.tunnel_metrics.requests.get("unknown-service"), 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_ends_the_kept_back_end_connection_and_refuses_the_next_request() -> TestResult {
    let h = Harness::start(|_| {}).await?;
    let device = h.pki.device("dev", Naming::Uri("uem-1"))?;
    let mut stream = connect(h.port, tls_config(&h.pki.ca_pem, Some(&device))?).await?;
    let web = format!("web.svc.test:{}", h.web.port);
    let get = format!("GET http://{web}/ HTTP/1.1\r\nHost: {web}\r\nX-Postern-App: {CRM_APP}\r\n\r\n");
    assert_eq!(exchange(&mut stream, &get).await?.status, 200);
    assert_eq!(h.admin_blocks("uem-1", CRM_APP, "web")?, 1, "the kept back-end connection is a live tunnel");
    let gauge = h.tunnel_metrics.tunnels_open.clone();
    let refused = exchange(&mut stream, &get).await?;
    assert_eq!(refused.status, 403);
    assert!(refused.header("x-postern-reason").is_some());
    assert!(eventually(|| gauge.get() == 0).await);
    assert_eq!(h.web.accepted(), 1);
    Ok(())
}
