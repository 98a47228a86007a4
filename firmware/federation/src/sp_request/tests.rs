//! AuthnRequests from the SP: accepted only from the pairing's SP and for its ACS URLs.
#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use crate::binding::encode_redirect;
use crate::test_support::{SP_ACS, SP_ENTITY, config};
use base64::Engine as _;

fn request(issuer: &str, extra: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="id-sp-1" Version="2.0" IssueInstant="2026-12-05T10:00:00Z" Destination="https://postern.example/saml/idp/sso" {extra}><saml:Issuer>{issuer}</saml:Issuer><samlp:NameIDPolicy AllowCreate="true"/></samlp:AuthnRequest>"#
    )
}

fn accept(xml: &str) -> Result<SpRequest, SpRequestError> {
    let config = config();
    accept_xml(xml.as_bytes(), Some("rs".into()), &[&config.pairing], &config.local).map(|(_, request)| request)
}

#[test]
fn the_issuer_selects_its_pairing_and_only_that_pairing_acs_urls() {
    let first = config().pairing;
    let mut second = first.clone();
    second.name = "second".into();
    second.sp_entity_id = "https://second.example/sp".into();
    second.sp_acs_urls = vec!["https://second.example/acs".into()];
    let local = config().local;
    let pairings = [&first, &second];
    let of_second = request(&second.sp_entity_id, "");
    let (index, accepted) = accept_xml(of_second.as_bytes(), None, &pairings, &local).expect("accepted");
    assert_eq!((index, accepted.acs_url.as_str()), (1, "https://second.example/acs"));
    let borrowed = request(&second.sp_entity_id, &format!(r#"AssertionConsumerServiceURL="{SP_ACS}""#));
    assert_eq!(
        accept_xml(borrowed.as_bytes(), None, &pairings, &local).unwrap_err(),
        SpRequestError::UnknownAcs(SP_ACS.into()),
        "the first pairing's ACS URL is not the second's"
    );
    let (index, _) = accept_xml(request(SP_ENTITY, "").as_bytes(), None, &pairings, &local).expect("accepted");
    assert_eq!(index, 0);
}

#[test]
fn a_request_from_the_pairing_sp_is_accepted_with_its_acs_url() {
    let xml =
        request(SP_ENTITY, &format!(r#"AssertionConsumerServiceURL="{SP_ACS}" ProtocolBinding="{POST_BINDING}""#));
    let accepted = accept(&xml).expect("accepted");
    assert_eq!(accepted, SpRequest { id: "id-sp-1".into(), acs_url: SP_ACS.into(), relay_state: Some("rs".into()) });
}

#[test]
fn without_an_acs_url_the_first_is_used_and_an_index_picks_one() {
    assert_eq!(accept(&request(SP_ENTITY, "")).expect("accepted").acs_url, SP_ACS);
    let second = accept(&request(SP_ENTITY, r#"AssertionConsumerServiceIndex="1""#)).expect("accepted");
    assert_eq!(second.acs_url, config().pairing.sp_acs_urls[1]);
    assert_eq!(
        accept(&request(SP_ENTITY, r#"AssertionConsumerServiceIndex="7""#)).unwrap_err(),
        SpRequestError::UnknownAcsIndex(7)
    );
}

#[test]
fn another_acs_url_is_refused() {
    let xml = request(SP_ENTITY, r#"AssertionConsumerServiceURL="https://attacker.example/acs""#);
    assert_eq!(accept(&xml).unwrap_err(), SpRequestError::UnknownAcs("https://attacker.example/acs".into()));
}

#[test]
fn an_unknown_sp_is_refused() {
    assert!(matches!(accept(&request("https://other.example/sp", "")), Err(SpRequestError::UnknownSp(_))));
}

#[test]
fn another_destination_or_binding_is_refused() {
    let xml = request(SP_ENTITY, "").replace("https://postern.example/saml/idp/sso", "https://elsewhere.example/sso");
    assert!(matches!(accept(&xml), Err(SpRequestError::WrongDestination(_))));
    let artifact = request(SP_ENTITY, r#"ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact""#);
    assert!(matches!(accept(&artifact), Err(SpRequestError::UnsupportedBinding(_))));
}

#[test]
fn dtd_entities_and_other_documents_are_refused() {
    let with_dtd = request(SP_ENTITY, "")
        .replace("<samlp:AuthnRequest", r#"<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><samlp:AuthnRequest"#);
    assert_eq!(accept(&with_dtd).unwrap_err(), SpRequestError::Xml(XmlGuardError::Doctype));
    let entity = request("&e;", "");
    assert_eq!(accept(&entity).unwrap_err(), SpRequestError::Xml(XmlGuardError::Entity("e".into())));
    assert!(matches!(accept("<Response/>"), Err(SpRequestError::NotAuthnRequest(_))));
    let deep = format!("{}{}", "<a>".repeat(40), "</a>".repeat(40));
    assert_eq!(accept(&deep).unwrap_err(), SpRequestError::Xml(XmlGuardError::TooDeep { limit: 32 }));
}

#[test]
fn both_bindings_carry_the_request_and_its_relay_state() {
    let config = config();
    let xml = request(SP_ENTITY, "");
    let url = encode_redirect("https://postern.example/saml/idp/sso", "SAMLRequest", &xml, Some("/inbox"));
    let query = url.split_once('?').map(|(_, query)| query).unwrap_or_default();
    let (_, redirected) = accept_redirect(query, &[&config.pairing], &config.local).expect("redirect");
    assert_eq!(redirected.relay_state.as_deref(), Some("/inbox"));
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("SAMLRequest", &base64::engine::general_purpose::STANDARD.encode(&xml))
        .append_pair("RelayState", "/inbox")
        .finish();
    let (_, posted) = accept_post(body.as_bytes(), &[&config.pairing], &config.local).expect("post");
    assert_eq!(posted, redirected);
}
