//! Postern's Response verifies (through libxmlsec1) with Postern's certificate and says
//! what the SP needs: audience, recipient, InResponseTo, validity, NameID, attributes.
#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use crate::idp_response::SamlAttribute;
use crate::test_support::{SP_ACS, SP_ENTITY, TestSigner, config};
use samael::crypto::{CertificateDer, Crypto, CryptoProvider, ReduceMode};
use samael::schema::Response;

fn user() -> VerifiedUser {
    VerifiedUser {
        assertion_id: "_idp".into(),
        name_id: "alice@example.com".into(),
        name_id_format: Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".into()),
        attributes: vec![
            SamlAttribute { name: "groups".into(), name_format: None, values: vec!["staff".into(), "a&b".into()] },
            SamlAttribute { name: "secret".into(), name_format: None, values: vec!["x".into()] },
        ],
    }
}

#[test]
fn the_response_is_signed_and_says_what_the_sp_needs() {
    let signer = TestSigner::new("postern");
    let mut config = config();
    config.local.signing_key_der = signer.key_der();
    config.local.signing_cert_der = signer.cert_der.clone();
    config.released_attributes = vec!["groups".into()];
    let request = SpRequest { id: "sp-req-1".into(), acs_url: SP_ACS.into(), relay_state: Some("/inbox".into()) };
    let now = Utc::now();
    let issued = issue(&config, &request, &user(), now).expect("signed");

    let certs = [CertificateDer::from(signer.cert_der.clone())];
    let signed = Crypto::reduce_xml_to_signed(&issued.xml, &certs, ReduceMode::ValidateAndMarkNoAncestors)
        .expect("verifies with Postern's certificate");
    let response: Response = signed.parse().expect("the signature covers the Response");
    assert_eq!(response.in_response_to.as_deref(), Some("sp-req-1"));
    assert_eq!(response.destination.as_deref(), Some(SP_ACS));
    let assertion = response.assertion.expect("assertion");
    assert!(assertion.signature.is_some(), "the assertion is signed too");
    assert_eq!(assertion.subject.as_ref().unwrap().name_id.as_ref().unwrap().value, "alice@example.com");
    let data = assertion.subject.as_ref().unwrap().subject_confirmations.as_ref().unwrap()[0]
        .subject_confirmation_data
        .clone()
        .unwrap();
    assert_eq!((data.recipient.as_deref(), data.in_response_to.as_deref()), (Some(SP_ACS), Some("sp-req-1")));
    let conditions = assertion.conditions.unwrap();
    assert_eq!(conditions.audience_restrictions.unwrap()[0].audience, vec![SP_ENTITY.to_owned()]);
    assert!(conditions.not_on_or_after.unwrap() > now);
    let names: Vec<_> =
        assertion.attribute_statements.unwrap()[0].attributes.iter().map(|a| a.name.clone().unwrap()).collect();
    assert_eq!(names, vec!["groups".to_owned()], "only the released attributes");

    let wrong = TestSigner::new("other");
    assert!(
        Crypto::reduce_xml_to_signed(&issued.xml, &[CertificateDer::from(wrong.cert_der)], ReduceMode::default())
            .is_err()
    );
    assert_eq!(issued.relay_state.as_deref(), Some("/inbox"));
}

#[test]
fn the_form_posts_to_the_acs_with_the_relay_state_and_a_button() {
    let html = post_form("https://sp.example/acs?a=1&b=2", "SAMLResponse", "PHI+", Some("\"/><script>"));
    assert!(html.contains(r#"action="https://sp.example/acs?a=1&amp;b=2""#));
    assert!(html.contains(r#"name="SAMLResponse" value="PHI+""#));
    assert!(html.contains(r#"name="RelayState" value="&quot;/&gt;&lt;script&gt;""#));
    assert!(html.contains("document.forms[0].submit()") && html.contains("<noscript>"));
}
