//! Decisions per device, app and service (S4): allowed tunnels carry bytes, blocked ones
//! and malformed requests are refused with a reason.

use crate::harness::TestResult;
use crate::harness::client::{curl, open, round_trip};
use crate::harness::pki::Naming;
use crate::harness::setup::{CRM_APP, Harness};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allowed_device_gets_its_bytes_echoed() -> TestResult {
    let h = Harness::start(|_| {}).await?;
    let device = h.pki.device("dev", Naming::Uri("uem-1"))?;
    let target = format!("crm-a.svc.test:{}", h.crm_a.port);
    let mut answer = open(h.port, &h.pki.ca_pem, &device, &target, Some(CRM_APP)).await?;
    assert_eq!((answer.status, answer.reason.as_deref()), (200, None));
    let payload: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    assert_eq!(round_trip(&mut answer.stream, &payload).await?, payload);
    assert_eq!(h.proxy.live_tunnels(), 1);
    // The same device and app again: decided from the cache, same result.
    let mut again = open(h.port, &h.pki.ca_pem, &device, &target, Some(CRM_APP)).await?;
    assert_eq!(again.status, 200);
    assert_eq!(round_trip(&mut again.stream, b"second").await?, b"second");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_device_is_refused_and_reaches_no_back_end() -> TestResult {
    let h = Harness::start(|_| {}).await?;
    let device = h.pki.device("blocked", Naming::Uri("uem-2"))?;
    let before = h.crm_a.accepted() + h.crm_b.accepted();
    let answer =
        open(h.port, &h.pki.ca_pem, &device, &format!("crm-a.svc.test:{}", h.crm_a.port), Some(CRM_APP)).await?;
    assert_eq!(answer.status, 403);
    assert_eq!(answer.reason.as_deref(), Some("device-policy-violation"));
    assert_eq!(h.crm_a.accepted() + h.crm_b.accepted(), before);
    // The refusal is cached: asked again, refused again with the cached reason.
    let again =
        open(h.port, &h.pki.ca_pem, &device, &format!("crm-a.svc.test:{}", h.crm_a.port), Some(CRM_APP)).await?;
    assert_eq!((again.status, again.reason.as_deref()), (403, Some("cached-blocked")));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_reaches_a_service_through_connect_and_is_refused_when_blocked() -> TestResult {
    let h = Harness::start(|_| {}).await?;
    let allowed = h.pki.device("dev", Naming::Uri("uem-1"))?;
    let url = format!("http://wiki.corp.example:{}/page?x=1", h.intranet.port);
    let ok = tokio::task::spawn_blocking({
        let (port, ca) = (h.port, h.pki.ca_pem.clone());
        let url = url.clone();
        move || curl(port, &ca, &allowed, CRM_APP, &url)
    })
    .await??;
    assert_eq!((ok.exit, ok.connect_status.as_str()), (0, "200"), "{}", ok.body);
    assert_eq!(ok.body, "intranet: GET /page?x=1 HTTP/1.1\n");

    let blocked = h.pki.device("blocked", Naming::Uri("uem-2"))?;
    let refused = tokio::task::spawn_blocking({
        let (port, ca) = (h.port, h.pki.ca_pem.clone());
        move || curl(port, &ca, &blocked, CRM_APP, &url)
    })
    .await??;
    assert_ne!(refused.exit, 0);
    assert_eq!(refused.connect_status, "403");
    assert_eq!(h.intranet.accepted(), 1, "only the allowed request reached the back end");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_must_name_itself_and_only_proxy_requests_are_served() -> TestResult {
    let h = Harness::start(|_| {}).await?;
    let device = h.pki.device("dev", Naming::Uri("uem-1"))?;
    let target = format!("crm-a.svc.test:{}", h.crm_a.port);
    let missing = open(h.port, &h.pki.ca_pem, &device, &target, None).await?;
    assert_eq!((missing.status, missing.reason.as_deref()), (400, Some("app-missing")));
    let stream =
        crate::harness::client::connect(h.port, crate::harness::client::tls_config(&h.pki.ca_pem, Some(&device))?)
            .await?;
    let get = crate::harness::client::request(
        stream,
        &format!("GET / HTTP/1.1\r\nHost: {target}\r\nX-Postern-App: {CRM_APP}\r\n\r\n"),
    )
    .await?;
    assert_eq!((get.status, get.reason.as_deref()), (400, Some("proxy-request-required")));
    let no_port = open(h.port, &h.pki.ca_pem, &device, "crm-a.svc.test", Some(CRM_APP)).await?;
    assert_eq!((no_port.status, no_port.reason.as_deref()), (400, Some("bad-target")));
    assert_eq!(h.crm_a.accepted(), 0);
    Ok(())
}
