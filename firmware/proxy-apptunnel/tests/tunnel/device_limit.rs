//! Connections per device are bounded: past the limit, a device's new connections are
//! answered 429; other devices are not affected, and a freed slot can be used again.

use crate::harness::TestResult;
use crate::harness::client::open;
use crate::harness::pki::Naming;
use crate::harness::setup::{CRM_APP, Harness};
use postern_proxy_apptunnel::DEFAULT_MAX_CONNECTIONS_PER_DEVICE;
use postern_test_wait::eventually;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_over_its_connection_limit_is_refused_with_429() -> TestResult {
    assert_eq!(DEFAULT_MAX_CONNECTIONS_PER_DEVICE, 64);
    let h = Harness::start(|config| config.max_connections_per_device = 2).await?;
    let (device, other) = (h.pki.device("dev", Naming::Uri("uem-1"))?, h.pki.device("other", Naming::Uri("uem-3"))?);
    let target = format!("crm-a.svc.test:{}", h.crm_a.port);
    let first = open(h.port, &h.pki.ca_pem, &device, &target, Some(CRM_APP)).await?;
    let second = open(h.port, &h.pki.ca_pem, &device, &target, Some(CRM_APP)).await?;
    assert_eq!((first.status, second.status), (200, 200));
    let third = open(h.port, &h.pki.ca_pem, &device, &target, Some(CRM_APP)).await?;
    assert_eq!((third.status, third.reason.as_deref()), (429, Some("device-connection-limit")));
    assert_eq!(h.crm_a.accepted() + h.crm_b.accepted(), 2, "the refused connection reached no back end");
    let unaffected = open(h.port, &h.pki.ca_pem, &other, &target, Some(CRM_APP)).await?;
    assert_eq!(unaffected.status, 200, "another device has its own limit");
    let proxy = h.proxy.clone();
    assert_eq!(proxy.live_tunnels(), 3);
    drop(first);
    // The proxy sees the closed connection and frees its slot: two tunnels stay (the
    // device's second one and the other device's).
    let freed = eventually(|| proxy.live_tunnels() == 2).await;
    assert!(freed, "live tunnels: {}", proxy.live_tunnels());
    let again = open(h.port, &h.pki.ca_pem, &device, &target, Some(CRM_APP)).await?;
    assert_eq!(again.status, 200, "a freed slot is used again");
    assert_eq!(h.tunnel_metrics.requests.get("device-limit"), 1);
    Ok(())
}
