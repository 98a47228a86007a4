//! Several pairings at once: the SP's Issuer picks the pairing, the Response is matched
//! back to it by InResponseTo and must come from that pairing's IdP, and each pairing has
//! its own rules; a new configuration applies to sign-ins in progress.
#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use crate::access::DeviceRecord;
use crate::binding::encode_redirect;
use crate::config::Pairing;
use crate::test_support::{IdpDoc, SP_ENTITY, TestSigner, config, rule};

struct NoDevices;

impl DeviceDirectory for NoDevices {
    fn lookup(&self, _: &str) -> Option<DeviceRecord> {
        None
    }
}

const FILES_SP: &str = "https://files.example/sp";
const FILES_IDP: &str = "https://idp-b.example/metadata";

struct Rig {
    mail_idp: TestSigner,
    files_idp: TestSigner,
    set: FederationSet,
}

fn rig() -> Rig {
    let (mail_idp, files_idp, ours) = (TestSigner::new("idp-a"), TestSigner::new("idp-b"), TestSigner::new("postern"));
    let mut mail = config();
    mail.pairing.idp_signing_certs_der = vec![mail_idp.cert_der.clone()];
    mail.local.signing_key_der = ours.key_der();
    mail.local.signing_cert_der = ours.cert_der.clone();
    let files = Pairing {
        name: "files".into(),
        sp_entity_id: FILES_SP.into(),
        sp_acs_urls: vec!["https://files.example/acs".into()],
        idp_entity_id: FILES_IDP.into(),
        idp_sso_url: "https://idp-b.example/sso".into(),
        idp_signing_certs_der: vec![files_idp.cert_der.clone()],
    };
    let deny = Action::Deny { reason: "Files only from managed devices.".into(), remedy: String::new() };
    let set = FederationSet::new(
        mail.local.clone(),
        vec![
            (mail.pairing, vec![rule("mail-anyone", Action::Allow)], vec![]),
            (files, vec![rule("files-managed-only", deny)], vec![]),
        ],
    );
    Rig { mail_idp, files_idp, set }
}

fn start(federation: &mut Federation, sp: &str, now: DateTime<Utc>) -> String {
    let request = format!(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="sp-1" Version="2.0" IssueInstant="2026-12-05T10:00:00Z"><saml:Issuer>{sp}</saml:Issuer></samlp:AuthnRequest>"#
    );
    let url = encode_redirect("https://postern.example/saml/idp/sso", "SAMLRequest", &request, None);
    let source = "192.0.2.1".parse().unwrap();
    let redirect = federation
        .on_sp_request(Incoming::Redirect(url.split_once('?').unwrap().1), DeviceBinding::Unidentified, source, now)
        .unwrap();
    redirect.request_id
}

fn answer(idp: &TestSigner, issuer: &str, request_id: &str) -> String {
    let mut doc = IdpDoc::new(request_id);
    doc.issuer = issuer.into();
    let signed = idp.sign(&doc.response(&doc.assertion(false), true));
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("SAMLResponse", &base64::Engine::encode(&base64::engine::general_purpose::STANDARD, signed))
        .finish()
}

#[test]
fn each_pairing_signs_in_through_its_own_idp_under_its_own_rules() {
    let rig = rig();
    let mut federation = Federation::new(rig.set.clone());
    let now = Utc::now();
    let (mail, files) = (start(&mut federation, SP_ENTITY, now), start(&mut federation, FILES_SP, now));

    let body = answer(&rig.files_idp, FILES_IDP, &files);
    let record = federation.on_idp_response(body.as_bytes(), DeviceBinding::Unidentified, &NoDevices, now).unwrap();
    assert_eq!((record.pairing.as_str(), record.rule.as_deref()), ("files", Some("files-managed-only")));
    assert!(record.outcome.html().contains("Files only from managed devices."));

    // The mail pairing's IdP may not answer for it with its own issuer on another's key.
    let forged = answer(&rig.files_idp, crate::test_support::IDP_ENTITY, &mail);
    let refused = federation.on_idp_response(forged.as_bytes(), DeviceBinding::Unidentified, &NoDevices, now);
    assert!(matches!(refused, Err(FlowError::Response(ResponseError::Signature(_)))), "{refused:?}");
    let mail = start(&mut federation, SP_ENTITY, now);
    let body = answer(&rig.mail_idp, crate::test_support::IDP_ENTITY, &mail);
    let record = federation.on_idp_response(body.as_bytes(), DeviceBinding::Unidentified, &NoDevices, now).unwrap();
    assert_eq!((record.pairing.as_str(), record.rule.as_deref()), ("mail", Some("mail-anyone")));
    assert!(matches!(record.outcome, Outcome::Allow(_)));
}

#[test]
fn the_idp_of_one_pairing_cannot_answer_a_sign_in_of_another() {
    let rig = rig();
    let mut federation = Federation::new(rig.set.clone());
    let now = Utc::now();
    let files = start(&mut federation, FILES_SP, now);
    let body = answer(&rig.mail_idp, crate::test_support::IDP_ENTITY, &files);
    let refused = federation.on_idp_response(body.as_bytes(), DeviceBinding::Unidentified, &NoDevices, now);
    assert!(matches!(refused, Err(FlowError::Response(_))), "{refused:?}");
}

#[test]
fn a_new_configuration_applies_to_sign_ins_in_progress() {
    let rig = rig();
    let mut federation = Federation::new(rig.set.clone());
    let now = Utc::now();
    let (mail, files) = (start(&mut federation, SP_ENTITY, now), start(&mut federation, FILES_SP, now));
    let mut only_mail = config();
    only_mail.pairing.idp_signing_certs_der = vec![rig.mail_idp.cert_der.clone()];
    only_mail.local = rig.set.local().clone();
    only_mail.rules = vec![rule("mail-now-closed", Action::Deny { reason: "Closed.".into(), remedy: String::new() })];
    federation.reconfigure(only_mail.into());

    let body = answer(&rig.files_idp, FILES_IDP, &files);
    let gone = federation.on_idp_response(body.as_bytes(), DeviceBinding::Unidentified, &NoDevices, now);
    assert_eq!(gone.unwrap_err(), FlowError::PairingGone("files".into()));
    let body = answer(&rig.mail_idp, crate::test_support::IDP_ENTITY, &mail);
    let record = federation.on_idp_response(body.as_bytes(), DeviceBinding::Unidentified, &NoDevices, now).unwrap();
    assert_eq!(record.rule.as_deref(), Some("mail-now-closed"));
    assert!(start_refused(&mut federation, FILES_SP, now));
}

fn start_refused(federation: &mut Federation, sp: &str, now: DateTime<Utc>) -> bool {
    let request = format!(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="sp-2" Version="2.0" IssueInstant="2026-12-05T10:00:00Z"><saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">{sp}</saml:Issuer></samlp:AuthnRequest>"#
    );
    let url = encode_redirect("https://postern.example/saml/idp/sso", "SAMLRequest", &request, None);
    let source = "192.0.2.1".parse().unwrap();
    matches!(
        federation.on_sp_request(
            Incoming::Redirect(url.split_once('?').unwrap().1),
            DeviceBinding::Unidentified,
            source,
            now
        ),
        Err(FlowError::Request(SpRequestError::UnknownSp(_)))
    )
}
