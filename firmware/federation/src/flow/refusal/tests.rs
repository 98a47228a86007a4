//! Refusals name their pairing when the message does, and carry a stable code.
#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use crate::binding::encode_redirect;
use crate::test_support::{IdpDoc, SP_ACS, SP_ENTITY, TestSigner, config};

fn request(issuer: &str, acs: &str) -> String {
    let xml = format!(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="sp-1" Version="2.0" IssueInstant="2026-12-05T10:00:00Z" AssertionConsumerServiceURL="{acs}"><saml:Issuer>{issuer}</saml:Issuer></samlp:AuthnRequest>"#
    );
    let url = encode_redirect("https://postern.example/saml/idp/sso", "SAMLRequest", &xml, None);
    url.split_once('?').unwrap().1.to_owned()
}

fn refuse_request(federation: &mut Federation, query: &str) -> Refusal {
    let binding = DeviceBinding::Certificate { device_id: "dev-1".into() };
    let incoming = Incoming::Redirect(query);
    let error = federation.on_sp_request(incoming, binding.clone(), "192.0.2.1".parse().unwrap(), Utc::now());
    federation.sp_request_refusal(incoming, &binding, error.unwrap_err())
}

#[test]
fn a_refused_request_names_its_pairing_only_when_its_issuer_does() {
    let mut federation = Federation::new(config().into());
    let name = federation.set().pairings()[0].pairing.name.clone();
    let acs = refuse_request(&mut federation, &request(SP_ENTITY, "https://elsewhere.example/acs"));
    assert_eq!((acs.pairing.as_deref(), acs.code()), (Some(name.as_str()), "unknown-acs"));
    assert_eq!(acs.device_id.as_deref(), Some("dev-1"));
    let sp = refuse_request(&mut federation, &request("https://stranger.example", SP_ACS));
    assert_eq!((sp.pairing.as_deref(), sp.code()), (None, "unknown-sp"));
    let garbage = refuse_request(&mut federation, "SAMLRequest=%%%");
    assert_eq!((garbage.pairing.as_deref(), garbage.code()), (None, "request-malformed"));
}

#[test]
fn a_tampered_response_names_the_pending_sign_in_pairing() {
    let idp = TestSigner::new("idp");
    let mut config = config();
    config.pairing.idp_signing_certs_der = vec![idp.cert_der.clone()];
    let mut federation = Federation::new(config.into());
    let name = federation.set().pairings()[0].pairing.name.clone();
    let now = Utc::now();
    let query = request(SP_ENTITY, SP_ACS);
    let redirect = federation
        .on_sp_request(Incoming::Redirect(&query), DeviceBinding::Unidentified, "192.0.2.1".parse().unwrap(), now)
        .unwrap();
    let doc = IdpDoc::new(&redirect.request_id);
    let signed = idp.sign(&doc.response(&doc.assertion(false), true));
    let tampered = signed.replace("alice@example.com", "mallory@example.com");
    assert_ne!(signed, tampered);
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("SAMLResponse", &base64::Engine::encode(&base64::engine::general_purpose::STANDARD, tampered))
        .finish();
    struct NoDevices;
    impl crate::access::DeviceDirectory for NoDevices {
        fn lookup(&self, _: &str) -> Option<crate::access::DeviceRecord> {
            None
        }
    }
    let error = federation.on_idp_response(body.as_bytes(), DeviceBinding::Unidentified, &NoDevices, now).unwrap_err();
    let refusal = federation.idp_response_refusal(body.as_bytes(), &DeviceBinding::Unidentified, error, now);
    assert_eq!(
        (refusal.pairing.as_deref(), refusal.code(), refusal.device_id.as_deref()),
        (Some(name.as_str()), "bad-signature", None)
    );

    let stranger = url::form_urlencoded::Serializer::new(String::new())
        .append_pair(
            "SAMLResponse",
            &base64::Engine::encode(&base64::engine::general_purpose::STANDARD, {
                let doc = IdpDoc::new("nobody");
                doc.response(&doc.assertion(false), false)
            }),
        )
        .finish();
    let error =
        federation.on_idp_response(stranger.as_bytes(), DeviceBinding::Unidentified, &NoDevices, now).unwrap_err();
    let refusal = federation.idp_response_refusal(stranger.as_bytes(), &DeviceBinding::Unidentified, error, now);
    assert_eq!((refusal.pairing.as_deref(), refusal.code()), (None, "unknown-in-response-to"));
}
