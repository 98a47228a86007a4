//! Z2: a tunnel idle for the timeout closes; traffic keeps it open; a new CONNECT
//! reopens it.

use crate::harness::TestResult;
use crate::harness::client::{is_closed, open, round_trip};
use crate::harness::pki::Naming;
use crate::harness::setup::{CRM_APP, Harness};
use postern_test_wait::eventually;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_tunnel_closes_and_a_new_connect_reopens_it() -> TestResult {
    let idle = Duration::from_secs(2);
    let h = Harness::start(|config| config.idle_timeout = idle).await?;
    let device = h.pki.device("dev", Naming::Uri("uem-1"))?;
    let target = format!("crm-a.svc.test:{}", h.crm_a.port);
    let mut answer = open(h.port, &h.pki.ca_pem, &device, &target, Some(CRM_APP)).await?;
    assert_eq!(answer.status, 200);
    // Traffic every 250 ms for 2.5 s: longer than the timeout, but never idle that long
    // (a gap would have to stretch eightfold on a loaded machine to reach it).
    let mut last_sent = Instant::now();
    for i in 0..10u8 {
        last_sent = Instant::now();
        assert_eq!(round_trip(&mut answer.stream, &[i; 8]).await?, [i; 8], "exchange {i}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Bytes last moved in the tunnel after `last_sent`, so the silence it saw is shorter
    // than this measure, bar the millisecond it rounds its clock down to.
    assert!(
        tokio::time::timeout(Duration::from_secs(10), is_closed(&mut answer.stream)).await?,
        "the idle tunnel was closed"
    );
    let idle_for = last_sent.elapsed();
    // The upper bound is generous (a loaded machine); a tunnel never closed fails above.
    assert!(
        idle_for + Duration::from_millis(1) >= idle && idle_for < idle + Duration::from_secs(5),
        "closed after {idle_for:?} of silence"
    );
    let p = h.proxy.clone();
    assert!(eventually(|| p.live_tunnels() == 0).await);

    let mut again = open(h.port, &h.pki.ca_pem, &device, &target, Some(CRM_APP)).await?;
    assert_eq!(again.status, 200);
    assert_eq!(round_trip(&mut again.stream, b"reopened").await?, b"reopened");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_idle_timeout_applies_to_tunnels_opened_afterwards() -> TestResult {
    let h = Harness::start(|config| config.idle_timeout = Duration::from_secs(300)).await?;
    h.proxy.set_idle_timeout(Duration::from_secs(1));
    let device = h.pki.device("dev", Naming::Uri("uem-1"))?;
    let target = format!("crm-a.svc.test:{}", h.crm_a.port);
    let mut answer = open(h.port, &h.pki.ca_pem, &device, &target, Some(CRM_APP)).await?;
    assert_eq!(answer.status, 200);
    assert_eq!(round_trip(&mut answer.stream, b"ping").await?, b"ping");
    let silent = Instant::now();
    assert!(
        tokio::time::timeout(Duration::from_secs(10), is_closed(&mut answer.stream)).await?,
        "the tunnel was closed by the new idle timeout, not the configured 300 s"
    );
    assert!(silent.elapsed() < Duration::from_secs(8), "closed after {:?}", silent.elapsed());
    Ok(())
}
