//! Z2: a tunnel idle for the timeout closes; traffic keeps it open; a new CONNECT
//! reopens it.

use crate::harness::TestResult;
use crate::harness::client::{is_closed, open, round_trip};
use crate::harness::pki::Naming;
use crate::harness::setup::{CRM_APP, Harness, eventually};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_tunnel_closes_and_a_new_connect_reopens_it() -> TestResult {
    let h = Harness::start(|config| config.idle_timeout = Duration::from_secs(1)).await?;
    let device = h.pki.device("dev", Naming::Uri("uem-1"))?;
    let target = format!("crm-a.svc.test:{}", h.crm_a.port);
    let mut answer = open(h.port, &h.pki.ca_pem, &device, &target, Some(CRM_APP)).await?;
    assert_eq!(answer.status, 200);
    // Traffic every 400 ms for 2.4 s: longer than the timeout, but never idle that long.
    for i in 0..6u8 {
        assert_eq!(round_trip(&mut answer.stream, &[i; 8]).await?, [i; 8], "exchange {i}");
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    let quiet_since = Instant::now() - Duration::from_millis(400);
    assert!(tokio::time::timeout(Duration::from_secs(3), is_closed(&mut answer.stream)).await?, "the idle tunnel was closed");
    let idle_for = quiet_since.elapsed();
    assert!(idle_for >= Duration::from_millis(900) && idle_for < Duration::from_millis(1800), "closed after {idle_for:?} of silence");
    let p = h.proxy.clone();
    assert!(eventually(|| p.live_tunnels() == 0).await);

    let mut again = open(h.port, &h.pki.ca_pem, &device, &target, Some(CRM_APP)).await?;
    assert_eq!(again.status, 200);
    assert_eq!(round_trip(&mut again.stream, b"reopened").await?, b"reopened");
    Ok(())
}
