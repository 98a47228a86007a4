//! A7: tunnels blocked by an administrator or by a device turning non-compliant are
//! closed within a second, live ones included; other tunnels stay open.

use crate::harness::TestResult;
use crate::harness::client::{is_closed, open, round_trip};
use crate::harness::pki::Naming;
use crate::harness::setup::{CRM_APP, Harness, WIKI_APP};
use postern_test_wait::eventually;
use postern_uem_api::WireStatus;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_block_cuts_that_tunnel_only() -> TestResult {
    let h = Harness::start(|_| {}).await?;
    let device = h.pki.device("dev", Naming::Uri("uem-1"))?;
    let crm_target = format!("crm-a.svc.test:{}", h.crm_a.port);
    let mut crm = open(h.port, &h.pki.ca_pem, &device, &crm_target, Some(CRM_APP)).await?;
    let mut other = open(h.port, &h.pki.ca_pem, &device, &crm_target, Some(WIKI_APP)).await?;
    assert_eq!((crm.status, other.status), (200, 200));
    assert_eq!(round_trip(&mut crm.stream, b"before").await?, b"before");
    assert_eq!(h.proxy.live_tunnels(), 2);

    let cut_at = Instant::now();
    assert_eq!(h.admin_blocks("uem-1", CRM_APP, "crm")?, 1);
    let closed = tokio::time::timeout(Duration::from_secs(1), is_closed(&mut crm.stream)).await?;
    assert!(closed && cut_at.elapsed() < Duration::from_secs(1));
    // The other app's tunnel to the same service carries on.
    assert_eq!(round_trip(&mut other.stream, b"still here").await?, b"still here");
    let p = h.proxy.clone();
    assert!(eventually(|| p.live_tunnels() == 1).await);
    // And the blocked tunnel cannot be reopened.
    let refused = open(h.port, &h.pki.ca_pem, &device, &crm_target, Some(CRM_APP)).await?;
    assert_eq!(refused.status, 403);
    assert!(refused.reason.is_some());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_turning_non_compliant_loses_every_tunnel() -> TestResult {
    let h = Harness::start(|_| {}).await?;
    let device = h.pki.device("dev", Naming::Uri("uem-1"))?;
    let mut crm =
        open(h.port, &h.pki.ca_pem, &device, &format!("crm-a.svc.test:{}", h.crm_a.port), Some(CRM_APP)).await?;
    let mut wiki =
        open(h.port, &h.pki.ca_pem, &device, &format!("wiki.corp.example:{}", h.intranet.port), Some(WIKI_APP)).await?;
    assert_eq!((crm.status, wiki.status), (200, 200));

    let cut_at = Instant::now();
    assert_eq!(h.uem_reports("uem-1", WireStatus::Blocked)?, 2);
    let both = async { (is_closed(&mut crm.stream).await, is_closed(&mut wiki.stream).await) };
    assert_eq!(tokio::time::timeout(Duration::from_secs(1), both).await?, (true, true));
    assert!(cut_at.elapsed() < Duration::from_secs(1));
    let p = h.proxy.clone();
    assert!(eventually(|| p.live_tunnels() == 0).await);
    Ok(())
}
