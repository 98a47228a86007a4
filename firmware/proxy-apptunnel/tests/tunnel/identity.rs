//! The device is the one the client certificate names; no certificate, a stranger's, or
//! one naming no device gets no tunnel.

use crate::harness::TestResult;
use crate::harness::client::{connect, open, tls_config};
use crate::harness::pki::{Naming, Pki};
use crate::harness::setup::{CRM_APP, Harness};
use postern_proxy_apptunnel::{IdentityError, device_identity};
use postern_test_wait::eventually;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio::io::AsyncReadExt;

#[test]
fn the_uri_names_the_device_and_the_common_name_only_when_the_fallback_is_on() -> TestResult {
    let pki = Pki::new("CA")?;
    let der = |pem: &str| CertificateDer::from_pem_slice(pem.as_bytes());
    let by_uri = pki.device("a", Naming::Uri("uem-77"))?;
    for fallback in [false, true] {
        assert_eq!(device_identity(Some(&der(&by_uri.cert_pem)?), fallback)?.as_str(), "uem-77");
    }
    let by_cn = pki.device("b", Naming::CommonName("uem-78"))?;
    assert_eq!(device_identity(Some(&der(&by_cn.cert_pem)?), false), Err(IdentityError::NoDeviceUri));
    assert_eq!(device_identity(Some(&der(&by_cn.cert_pem)?), true)?.as_str(), "uem-78");
    let nameless = pki.device("c", Naming::Nothing)?;
    assert_eq!(device_identity(Some(&der(&nameless.cert_pem)?), true), Err(IdentityError::NoDeviceName));
    assert_eq!(device_identity(Some(&der(&nameless.cert_pem)?), false), Err(IdentityError::NoDeviceUri));
    assert_eq!(device_identity(None, true), Err(IdentityError::NoCertificate));
    let garbage = CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01]);
    assert!(matches!(device_identity(Some(&garbage), true), Err(IdentityError::Unparseable(_))));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_common_name_alone_gets_no_tunnel_by_default() -> TestResult {
    let h = Harness::start(|_| {}).await?;
    let target = format!("crm-a.svc.test:{}", h.crm_a.port);
    let by_cn = h.pki.device("cn-only", Naming::CommonName("uem-1"))?;
    let answer = open(h.port, &h.pki.ca_pem, &by_cn, &target, Some(CRM_APP)).await?;
    assert_eq!((answer.status, answer.reason.as_deref()), (403, Some("device-identity-missing")));
    assert_eq!(h.crm_a.accepted(), 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_common_name_identifies_the_device_when_there_is_no_uri_and_the_fallback_is_on() -> TestResult {
    let h = Harness::start(|c| c.identity_from_common_name = true).await?;
    let target = format!("crm-a.svc.test:{}", h.crm_a.port);
    let allowed = h.pki.device("cn-allowed", Naming::CommonName("uem-1"))?;
    assert_eq!(open(h.port, &h.pki.ca_pem, &allowed, &target, Some(CRM_APP)).await?.status, 200);
    let blocked = h.pki.device("cn-blocked", Naming::CommonName("uem-2"))?;
    assert_eq!(open(h.port, &h.pki.ca_pem, &blocked, &target, Some(CRM_APP)).await?.status, 403);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_naming_no_device_is_refused_with_a_reason() -> TestResult {
    let h = Harness::start(|_| {}).await?;
    let nameless = h.pki.device("nameless", Naming::Nothing)?;
    let answer =
        open(h.port, &h.pki.ca_pem, &nameless, &format!("crm-a.svc.test:{}", h.crm_a.port), Some(CRM_APP)).await?;
    assert_eq!((answer.status, answer.reason.as_deref()), (403, Some("device-identity-missing")));
    assert_eq!(h.crm_a.accepted(), 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_certificate_or_an_untrusted_one_fails_the_handshake() -> TestResult {
    let h = Harness::start(|_| {}).await?;
    // TLS 1.3 clients learn of the refusal on their first read.
    let refused = async |config| -> bool {
        match connect(h.port, config).await {
            Err(_) => true,
            Ok(mut stream) => {
                let mut byte = [0u8; 1];
                !matches!(stream.read(&mut byte).await, Ok(1))
            }
        }
    };
    assert!(refused(tls_config(&h.pki.ca_pem, None)?).await, "no certificate");
    let stranger = Pki::new("stranger CA")?;
    let intruder = stranger.device("intruder", Naming::Uri("uem-1"))?;
    assert!(refused(tls_config(&h.pki.ca_pem, Some(&intruder))?).await, "untrusted certificate");
    let m = h.metrics.clone();
    assert!(
        eventually(
            || m.handshake_failures.get("no_certificate") == 1 && m.handshake_failures.get("bad_certificate") == 1
        )
        .await
    );
    assert_eq!(h.proxy.live_tunnels(), 0);
    Ok(())
}
