//! The LogoutRequest verifies with Postern's certificate (libxmlsec1 through samael, and
//! Debian's `xmlsec1` command) and names the session; the SP's LogoutResponse is checked.
#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use crate::test_support::{TestSigner, config};
use samael::crypto::{CertificateDer, Crypto, CryptoProvider, ReduceMode};
use std::process::Command;

fn session() -> IssuedSession {
    IssuedSession {
        session_index: "_postern-assertion-1".into(),
        pairing: "mail".into(),
        device_id: "uem-0001".into(),
        name_id: "alice@example.com".into(),
        name_id_format: Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".into()),
        revocation_user: "alice@example.com".into(),
        issued_unix: 0,
        assertion_not_on_or_after_unix: 300,
        expires_unix: 43_200,
    }
}

fn signed_request(signer: &TestSigner) -> LogoutRequest {
    let mut local = config().local;
    local.signing_key_der = signer.key_der();
    local.signing_cert_der = signer.cert_der.clone();
    logout_request(&local, &session(), "https://sp.example/slo", Utc::now()).expect("signed")
}

fn logout_request_element(soap: &str) -> &str {
    let start = soap.find("<samlp:LogoutRequest").expect("a LogoutRequest");
    let end = soap.find("</samlp:LogoutRequest>").expect("its end") + "</samlp:LogoutRequest>".len();
    &soap[start..end]
}

#[test]
fn the_logout_request_is_signed_by_postern_and_names_the_session() {
    let signer = TestSigner::new("postern");
    let request = signed_request(&signer);
    assert!(request.soap.contains("<soap11:Envelope") && request.soap.contains("<soap11:Body>"), "{}", request.soap);
    let certs = [CertificateDer::from(signer.cert_der.clone())];
    let signed = Crypto::reduce_xml_to_signed(
        logout_request_element(&request.soap),
        &certs,
        ReduceMode::ValidateAndMarkNoAncestors,
    )
    .expect("verifies with Postern's certificate");
    for part in [
        format!(r#"ID="{}""#, request.id),
        r#"Destination="https://sp.example/slo""#.to_owned(),
        "<saml:Issuer>https://postern.example/saml/idp</saml:Issuer>".to_owned(),
        r#"Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">alice@example.com</saml:NameID>"#.to_owned(),
        "<samlp:SessionIndex>_postern-assertion-1</samlp:SessionIndex>".to_owned(),
    ] {
        assert!(signed.contains(&part), "{part} in {signed}");
    }
    assert!(request.soap.contains("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"), "{}", request.soap);
    // Another key does not verify it.
    let other = TestSigner::new("other");
    let other = [CertificateDer::from(other.cert_der.clone())];
    assert!(
        Crypto::reduce_xml_to_signed(
            logout_request_element(&request.soap),
            &other,
            ReduceMode::ValidateAndMarkNoAncestors
        )
        .is_err()
    );
}

#[test]
fn debian_s_xmlsec1_verifies_the_logout_request() {
    let signer = TestSigner::new("postern");
    let request = signed_request(&signer);
    let dir = tempfile::tempdir().unwrap();
    let (cert_pem, _) = signer.pem();
    std::fs::write(dir.path().join("cert.pem"), cert_pem).unwrap();
    std::fs::write(dir.path().join("soap.xml"), &request.soap).unwrap();
    let out = Command::new("xmlsec1")
        .args(["--verify", "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:LogoutRequest", "--pubkey-cert-pem"])
        .arg(dir.path().join("cert.pem"))
        .arg(dir.path().join("soap.xml"))
        .output()
        .expect("xmlsec1 runs");
    assert!(out.status.success(), "xmlsec1: {}", String::from_utf8_lossy(&out.stderr));
}

fn response(in_response_to: &str, status: &str) -> String {
    format!(
        concat!(
            r#"<soap11:Envelope xmlns:soap11="http://schemas.xmlsoap.org/soap/envelope/"><soap11:Body>"#,
            r#"<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="r1" "#,
            r#"InResponseTo="{irt}" Version="2.0"><samlp:Status><samlp:StatusCode Value="{status}">"#,
            r#"<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:PartialLogout"/></samlp:StatusCode>"#,
            r#"</samlp:Status></samlp:LogoutResponse></soap11:Body></soap11:Envelope>"#
        ),
        irt = in_response_to,
        status = status
    )
}

#[test]
fn the_logout_response_must_answer_this_request_with_success() {
    let success = "urn:oasis:names:tc:SAML:2.0:status:Success";
    assert_eq!(check_logout_response(response("id-1", success).as_bytes(), "id-1"), Ok(()));
    assert!(matches!(
        check_logout_response(response("id-2", success).as_bytes(), "id-1"),
        Err(LogoutError::OtherRequest { .. })
    ));
    let responder = "urn:oasis:names:tc:SAML:2.0:status:Responder";
    assert_eq!(
        check_logout_response(response("id-1", responder).as_bytes(), "id-1"),
        Err(LogoutError::Status(responder.into()))
    );
    assert_eq!(check_logout_response(b"<html><body>ok</body></html>", "id-1"), Err(LogoutError::NoResponse));
    let dtd = format!("<!DOCTYPE x [<!ENTITY a 'b'>]>{}", response("id-1", success));
    assert!(matches!(check_logout_response(dtd.as_bytes(), "id-1"), Err(LogoutError::Xml(_))));
}
