//! A whole sign-in through the sans-IO flow: the SP's request, Postern's request to the
//! IdP, the IdP's signed Response, the rules, and Postern's Response or a deny page.
#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use crate::access::{DeviceRecord, Posture, Rule};
use crate::binding::{decode_redirect, encode_redirect};
use crate::test_support::{IdpDoc, SP_ACS, SP_ENTITY, TestSigner, config};

struct OneDevice;

impl DeviceDirectory for OneDevice {
    fn lookup(&self, device_id: &str) -> Option<DeviceRecord> {
        match device_id {
            "good" => Some(DeviceRecord { platform: "iOS".into(), compliant: true }),
            "bad" => Some(DeviceRecord { platform: "iOS".into(), compliant: false }),
            _ => None,
        }
    }
}

fn rule(name: &str, posture: Posture, action: Action) -> Rule {
    Rule {
        name: name.into(),
        postures: vec![posture],
        platforms: vec![],
        apps: vec![],
        networks: vec![],
        groups: vec![],
        action,
    }
}

fn sign_in(binding: DeviceBinding) -> (SignInRecord, String) {
    sign_in_across(binding.clone(), binding)
}

fn sign_in_across(binding: DeviceBinding, finished_on: DeviceBinding) -> (SignInRecord, String) {
    let idp = TestSigner::new("idp");
    let ours = TestSigner::new("postern");
    let mut config = config();
    config.pairing.idp_signing_certs_der = vec![idp.cert_der.clone()];
    config.local.signing_key_der = ours.key_der();
    config.local.signing_cert_der = ours.cert_der.clone();
    config.rules = vec![
        rule("compliant", Posture::ManagedCompliant, Action::Allow),
        rule(
            "non-compliant",
            Posture::ManagedNonCompliant,
            Action::Deny {
                reason: "Your device is not compliant.".into(),
                remedy: "Open the device management app and fix what it lists.".into(),
            },
        ),
        rule("unmanaged", Posture::Unmanaged, Action::Warn { message: "This device is not managed.".into() }),
    ];
    let mut federation = Federation::new(config.into());
    let request = format!(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="sp-1" Version="2.0" IssueInstant="2026-12-05T10:00:00Z" AssertionConsumerServiceURL="{SP_ACS}"><saml:Issuer>{SP_ENTITY}</saml:Issuer></samlp:AuthnRequest>"#
    );
    let url = encode_redirect("https://postern.example/saml/idp/sso", "SAMLRequest", &request, Some("/inbox"));
    let query = url.split_once('?').unwrap().1;
    let now = Utc::now();
    let redirect =
        federation.on_sp_request(Incoming::Redirect(query), binding, "192.0.2.1".parse().unwrap(), now).unwrap();
    let ours_request = decode_redirect(redirect.location.split_once('?').unwrap().1, "SAMLRequest", 65536).unwrap();
    assert!(String::from_utf8(ours_request.xml).unwrap().contains(&redirect.request_id));

    let doc = IdpDoc::new(&redirect.request_id);
    let signed = idp.sign(&doc.response(&doc.assertion(false), true));
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("SAMLResponse", &base64::Engine::encode(&base64::engine::general_purpose::STANDARD, signed))
        .finish();
    let record = federation.on_idp_response(body.as_bytes(), finished_on, &OneDevice, now).unwrap();
    let html = record.outcome.html();
    (record, html)
}

#[test]
fn a_compliant_device_gets_a_response_for_the_sp() {
    let (record, html) = sign_in(DeviceBinding::Certificate { device_id: "good".into() });
    assert_eq!((record.user.as_str(), record.rule.as_deref()), ("alice@example.com", Some("compliant")));
    let Outcome::Allow(response) = record.outcome else { panic!("allowed") };
    assert_eq!((response.acs_url.as_str(), response.relay_state.as_deref()), (SP_ACS, Some("/inbox")));
    assert!(html.contains(r#"name="SAMLResponse""#) && html.contains("submit()"));
}

#[test]
fn a_non_compliant_device_sees_why_and_what_to_do() {
    let (record, html) = sign_in(DeviceBinding::AppTunnel { device_id: "bad".into(), app: "Mail".into() });
    assert!(matches!(record.outcome, Outcome::Deny { .. }));
    assert!(html.contains("Your device is not compliant.") && html.contains("Open the device management app"));
    assert!(!html.contains("SAMLResponse"));
}

#[test]
fn an_unidentified_device_gets_the_unmanaged_rule() {
    let (record, html) = sign_in(DeviceBinding::Unidentified);
    assert_eq!(record.rule.as_deref(), Some("unmanaged"));
    assert!(matches!(record.outcome, Outcome::Warn { .. }));
    assert!(html.contains("This device is not managed.") && html.contains("Continue") && !html.contains("submit()"));
}

#[test]
fn a_sign_in_finished_on_another_device_is_unidentified() {
    let good = DeviceBinding::Certificate { device_id: "good".into() };
    let (record, _) = sign_in_across(good.clone(), DeviceBinding::Unidentified);
    assert_eq!((record.rule.as_deref(), record.device_id), (Some("unmanaged"), None));
    let (record, _) = sign_in_across(DeviceBinding::Unidentified, good);
    assert_eq!(record.rule.as_deref(), Some("unmanaged"));
}

#[test]
fn one_address_cannot_fill_the_pending_store() {
    let mut federation = Federation::new(config().into());
    let request = format!(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="sp-1" Version="2.0" IssueInstant="2026-12-05T10:00:00Z"><saml:Issuer>{SP_ENTITY}</saml:Issuer></samlp:AuthnRequest>"#
    );
    let url = encode_redirect("https://postern.example/saml/idp/sso", "SAMLRequest", &request, None);
    let query = url.split_once('?').unwrap().1;
    let (now, busy, other) = (Utc::now(), "192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
    for _ in 0..PENDING_PER_SOURCE {
        federation.on_sp_request(Incoming::Redirect(query), DeviceBinding::Unidentified, busy, now).unwrap();
    }
    let refused = federation.on_sp_request(Incoming::Redirect(query), DeviceBinding::Unidentified, busy, now);
    assert!(matches!(refused, Err(FlowError::Full(_))));
    assert!(federation.on_sp_request(Incoming::Redirect(query), DeviceBinding::Unidentified, other, now).is_ok());
    let later = now + crate::idp_request::PENDING_LIFETIME;
    assert!(federation.on_sp_request(Incoming::Redirect(query), DeviceBinding::Unidentified, busy, later).is_ok());
}
