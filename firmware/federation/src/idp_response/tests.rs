//! The IdP's Response: every check, on real documents signed by `xmlsec1`, including the
//! classic attacks (signature wrapping, a comment in the NameID, an unsigned assertion in
//! a signed response, replay, another audience, expiry, DTDs).
#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use crate::test_support::{IdpDoc, TestSigner, config};

const REQUEST: &str = "id-postern-request-1";

struct Harness {
    signer: TestSigner,
    config: FederationConfig,
    pending: PendingRequests<&'static str>,
    replay: ReplayStore,
}

impl Harness {
    fn new() -> Self {
        let signer = TestSigner::new("idp");
        let mut config = config();
        config.pairing.idp_signing_certs_der = vec![signer.cert_der.clone()];
        let mut pending = crate::idp_request::pending_requests();
        pending.insert(REQUEST.into(), Utc::now() + TimeDelta::minutes(10), "sign-in", Utc::now()).unwrap();
        Self { signer, config, pending, replay: replay_store() }
    }

    fn verify(&mut self, xml: &str) -> Result<(VerifiedUser, &'static str), ResponseError> {
        verify_xml(xml.as_bytes(), &self.config, &mut self.pending, &mut self.replay, Utc::now())
    }

    /// A Response signed on the Response (the assertion inside unsigned).
    fn signed_response(&self, doc: &IdpDoc) -> String {
        self.signer.sign(&doc.response(&doc.assertion(false), true))
    }

    /// A Response whose Assertion alone is signed.
    fn signed_assertion(&self, doc: &IdpDoc) -> String {
        let assertion = self.signer.sign(&doc.assertion(true));
        doc.response(strip_declaration(&assertion), false)
    }
}

use crate::signing::without_declaration as strip_declaration;

#[test]
fn a_signed_response_yields_the_user_and_consumes_the_request() {
    let mut harness = Harness::new();
    let doc = IdpDoc::new(REQUEST);
    let (user, sign_in) = harness.verify(&harness.signed_response(&doc)).expect("accepted");
    assert_eq!(sign_in, "sign-in");
    assert_eq!(user.name_id, "alice@example.com");
    assert_eq!(user.attribute("groups"), vec!["staff".to_owned()]);
    assert!(harness.pending.is_empty());
}

#[test]
fn a_signed_assertion_in_an_unsigned_response_is_accepted() {
    let mut harness = Harness::new();
    let doc = IdpDoc::new(REQUEST);
    let (user, _) = harness.verify(&harness.signed_assertion(&doc)).expect("accepted");
    assert_eq!(user.assertion_id, doc.assertion_id);
}

#[test]
fn a_response_signed_twice_is_accepted() {
    let mut harness = Harness::new();
    let doc = IdpDoc::new(REQUEST);
    let assertion = harness.signer.sign(&doc.assertion(true));
    let both = harness.signer.sign(&doc.response(strip_declaration(&assertion), true));
    assert!(harness.verify(&both).is_ok());
}

#[test]
fn an_unsigned_response_or_another_key_is_refused() {
    let mut harness = Harness::new();
    let doc = IdpDoc::new(REQUEST);
    let unsigned = doc.response(&doc.assertion(false), false);
    assert!(matches!(harness.verify(&unsigned), Err(ResponseError::Signature(_))));
    let stranger = TestSigner::new("attacker");
    let forged = stranger.sign(&doc.response(&doc.assertion(false), true));
    assert!(matches!(harness.verify(&forged), Err(ResponseError::Signature(_))));
    assert_eq!(harness.pending.len(), 1, "a refused response consumes nothing");
}

#[test]
fn a_sha1_signature_is_refused() {
    let mut harness = Harness::new();
    let doc = IdpDoc::new(REQUEST);
    let template = doc
        .response(&doc.assertion(false), true)
        .replace("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2000/09/xmldsig#rsa-sha1")
        .replace("http://www.w3.org/2001/04/xmlenc#sha256", "http://www.w3.org/2000/09/xmldsig#sha1");
    let signed = harness.signer.sign(&template);
    assert!(signed.contains("xmldsig#rsa-sha1"));
    assert!(matches!(harness.verify(&signed), Err(ResponseError::Signature(_))));
}

#[test]
fn an_unsigned_assertion_swapped_into_a_signed_response_is_refused() {
    let mut harness = Harness::new();
    let doc = IdpDoc::new(REQUEST);
    let signed = harness.signed_response(&doc);
    let evil = IdpDoc { name_id: "admin@example.com".into(), ..doc.clone() };
    let swapped = signed.replace(&doc.assertion(false), &evil.assertion(false));
    assert_ne!(swapped, signed, "the assertion was swapped");
    assert!(matches!(harness.verify(&swapped), Err(ResponseError::Signature(_))));
    let edited = signed.replace("alice@example.com", "admin@example.com");
    assert!(matches!(harness.verify(&edited), Err(ResponseError::Signature(_))));
}

#[test]
fn a_forged_assertion_next_to_a_signed_one_is_refused() {
    let mut harness = Harness::new();
    let doc = IdpDoc::new(REQUEST);
    let signed = harness.signer.sign(&doc.assertion(true));
    let evil = IdpDoc { name_id: "admin@example.com".into(), assertion_id: "_evil".into(), ..doc.clone() };
    for both in [
        format!("{}{}", evil.assertion(false), strip_declaration(&signed)),
        format!("{}{}", strip_declaration(&signed), evil.assertion(false)),
    ] {
        assert_eq!(harness.verify(&doc.response(&both, false)).unwrap_err(), ResponseError::AssertionCount(2));
    }
}

#[test]
fn a_signed_assertion_hidden_in_extensions_is_refused() {
    let mut harness = Harness::new();
    let doc = IdpDoc::new(REQUEST);
    let signed = harness.signer.sign(&doc.assertion(true));
    // The signed assertion moved into Extensions, a forged one (same ID) where it belongs.
    let evil = IdpDoc { name_id: "admin@example.com".into(), ..doc.clone() };
    let wrapped = doc.response(&format!("{}{}", evil.assertion(false), strip_declaration(&signed)), false).replacen(
        strip_declaration(&signed),
        &format!("<samlp:Extensions>{}</samlp:Extensions>", strip_declaration(&signed)),
        1,
    );
    assert!(harness.verify(&wrapped).is_err());
    // The whole signed Response wrapped inside a forged one's Extensions, no other assertion.
    let signed_response = harness.signed_response(&doc);
    let outer = IdpDoc { response_id: "_outer".into(), ..doc.clone() };
    let wrapper =
        outer.response(&format!("<samlp:Extensions>{}</samlp:Extensions>", strip_declaration(&signed_response)), false);
    let error = harness.verify(&wrapper).unwrap_err();
    assert!(matches!(error, ResponseError::Signature(_)), "{error}");
    assert_eq!(harness.pending.len(), 1);
}

#[test]
fn a_comment_inside_the_name_id_is_refused() {
    let mut harness = Harness::new();
    let doc = IdpDoc { name_id: "admin@example.com.evil.example".into(), ..IdpDoc::new(REQUEST) };
    let signed = harness.signed_response(&doc);
    let commented = signed.replace("admin@example.com.evil.example", "admin@example.com<!---->.evil.example");
    assert_eq!(harness.verify(&commented).unwrap_err(), ResponseError::Xml(XmlGuardError::Comment));
}

#[test]
fn a_replayed_assertion_is_refused() {
    let mut harness = Harness::new();
    let signed = harness.signed_response(&IdpDoc::new(REQUEST));
    harness.verify(&signed).expect("first use");
    harness.pending.insert(REQUEST.into(), Utc::now() + TimeDelta::minutes(10), "again", Utc::now()).unwrap();
    assert!(matches!(harness.verify(&signed), Err(ResponseError::Replayed(_))));
}

#[test]
fn a_second_response_to_the_same_request_is_refused() {
    let mut harness = Harness::new();
    harness.verify(&harness.signed_response(&IdpDoc::new(REQUEST))).expect("first");
    let second = harness.signed_response(&IdpDoc::new(REQUEST));
    assert_eq!(harness.verify(&second).unwrap_err(), ResponseError::UnknownRequest(REQUEST.into()));
    let unknown = harness.signed_response(&IdpDoc::new("id-never-sent"));
    assert_eq!(harness.verify(&unknown).unwrap_err(), ResponseError::UnknownRequest("id-never-sent".into()));
}

#[test]
fn another_audience_recipient_destination_or_issuer_is_refused() {
    let mut harness = Harness::new();
    let base = IdpDoc::new(REQUEST);
    let other_audience = IdpDoc { audience: "https://other.example/sp".into(), ..base.clone() };
    assert!(matches!(harness.verify(&harness.signed_response(&other_audience)), Err(ResponseError::Audience(_))));
    let other_recipient = IdpDoc { recipient: "https://other.example/acs".into(), ..base.clone() };
    assert!(matches!(harness.verify(&harness.signed_response(&other_recipient)), Err(ResponseError::Recipient(_))));
    let other_destination = IdpDoc { destination: "https://other.example/acs".into(), ..base.clone() };
    assert!(matches!(harness.verify(&harness.signed_response(&other_destination)), Err(ResponseError::Destination(_))));
    let other_issuer = IdpDoc { issuer: "https://other.example/idp".into(), ..base.clone() };
    assert!(matches!(harness.verify(&harness.signed_response(&other_issuer)), Err(ResponseError::Issuer(_))));
    assert_eq!(harness.pending.len(), 1);
}

#[test]
fn the_validity_window_allows_sixty_seconds_of_skew() {
    let mut harness = Harness::new();
    let lifetime = TimeDelta::minutes(5);
    let expired = IdpDoc { issued: Utc::now() - lifetime - TimeDelta::seconds(90), ..IdpDoc::new(REQUEST) };
    assert!(matches!(harness.verify(&harness.signed_response(&expired)), Err(ResponseError::Expired(_))));
    let future = IdpDoc { issued: Utc::now() + TimeDelta::seconds(120), ..IdpDoc::new(REQUEST) };
    assert!(matches!(harness.verify(&harness.signed_response(&future)), Err(ResponseError::Expired(_))));
    let just_late = IdpDoc { issued: Utc::now() - lifetime - TimeDelta::seconds(30), ..IdpDoc::new(REQUEST) };
    assert!(harness.verify(&harness.signed_response(&just_late)).is_ok());
}

#[test]
fn a_doctype_is_refused_before_parsing() {
    let mut harness = Harness::new();
    let signed = harness.signed_response(&IdpDoc::new(REQUEST));
    let with_dtd = format!(r#"<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>{}"#, strip_declaration(&signed));
    assert_eq!(harness.verify(&with_dtd).unwrap_err(), ResponseError::Xml(XmlGuardError::Doctype));
}

#[test]
fn the_post_binding_carries_the_response() {
    use base64::Engine as _;
    let mut harness = Harness::new();
    let signed = harness.signed_response(&IdpDoc::new(REQUEST));
    let body = format!(
        "SAMLResponse={}",
        url::form_urlencoded::byte_serialize(base64::engine::general_purpose::STANDARD.encode(signed).as_bytes())
            .collect::<String>()
    );
    let now = Utc::now();
    assert!(verify_post(body.as_bytes(), &harness.config, &mut harness.pending, &mut harness.replay, now).is_ok());
}

#[test]
fn a_name_id_split_by_cdata_is_refused_and_by_a_character_reference_reads_whole() {
    let name = "admin@example.com.evil.example";
    let mut harness = Harness::new();
    let doc = IdpDoc { name_id: name.into(), ..IdpDoc::new(REQUEST) };
    let signed = harness.signed_response(&doc);
    let cdata = signed.replace(name, "admin@example.com<![CDATA[.evil.example]]>");
    assert_eq!(harness.verify(&cdata).unwrap_err(), ResponseError::Xml(XmlGuardError::CData));
    let reference = signed.replace(name, "admin@example.com&#46;evil.example");
    assert_ne!(reference, signed);
    let (user, _) = harness.verify(&reference).expect("the same signed text");
    assert_eq!(user.name_id, name);
}

/// What a refusal must look like.
type Expected = Box<dyn Fn(&ResponseError) -> bool>;

#[test]
fn each_missing_or_wrong_part_is_refused_by_its_own_check() {
    let mut harness = Harness::new();
    let doc = IdpDoc::new(REQUEST);
    let unsigned = doc.response(&doc.assertion(false), true);
    let audience =
        format!("<saml:AudienceRestriction><saml:Audience>{}</saml:Audience></saml:AudienceRestriction>", doc.audience);
    let name_id = format!(
        r#"<saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">{}</saml:NameID>"#,
        doc.name_id
    );
    let edits: Vec<(&str, String, Expected)> = vec![
        (
            "urn:oasis:names:tc:SAML:2.0:status:Success",
            "urn:oasis:names:tc:SAML:2.0:status:Requester".into(),
            Box::new(|e| matches!(e, ResponseError::Status(_))),
        ),
        (audience.as_str(), String::new(), Box::new(|e| matches!(e, ResponseError::Audience(_)))),
        (name_id.as_str(), String::new(), Box::new(|e| *e == ResponseError::NoNameId)),
        (
            r#"Method="urn:oasis:names:tc:SAML:2.0:cm:bearer""#,
            r#"Method="urn:oasis:names:tc:SAML:2.0:cm:holder-of-key""#.into(),
            Box::new(|e| matches!(e, ResponseError::Confirmation(_))),
        ),
        (
            r#"InResponseTo="id-postern-request-1" NotOnOrAfter"#,
            "NotOnOrAfter".into(),
            Box::new(|e| matches!(e, ResponseError::UnknownRequest(_))),
        ),
        (
            "<samlp:Response ",
            r#"<samlp:Response Version="1.1" "#.into(),
            Box::new(|e| matches!(e, ResponseError::NotResponse(_))),
        ),
    ];
    for (from, to, expected) in edits {
        assert!(unsigned.contains(from), "{from}");
        let edited = unsigned.replacen(from, &to, 1).replacen(r#" Version="2.0""#, "", usize::from(to.contains("1.1")));
        let error = harness.verify(&harness.signer.sign(&edited)).unwrap_err();
        assert!(expected(&error), "{from} → {to}: {error}");
    }
    let encrypted = unsigned
        .replace("<saml:Assertion ", "<saml:EncryptedAssertion><saml:Assertion ")
        .replace("</saml:Assertion>", "</saml:Assertion></saml:EncryptedAssertion>");
    assert_eq!(harness.verify(&encrypted).unwrap_err(), ResponseError::EncryptedAssertion);
    assert_eq!(harness.pending.len(), 1, "nothing refused consumed the request");
}
