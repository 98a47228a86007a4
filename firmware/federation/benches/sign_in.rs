//! What one sign-in costs the gateway: verifying the IdP's Response (libxmlsec1), the
//! input checks before it, and issuing and signing Postern's own Response. Compare the
//! three with each other (ratios), not with absolute times.
#![allow(missing_docs, clippy::unwrap_used, reason = "benchmark")]

use chrono::Utc;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};
use postern_federation::config::{FederationConfig, LocalIdentity, Pairing};
use postern_federation::idp_request::pending_requests;
use postern_federation::idp_response::{SamlAttribute, VerifiedUser, replay_store, verify_xml};
use postern_federation::sp_request::SpRequest;
use postern_federation::sp_response::issue;
use postern_federation::xml_guard::{RESPONSE_LIMITS, check_xml};

/// An RSA-2048 key (PKCS#8 DER) and its self-signed certificate (DER).
fn key_and_cert() -> (Vec<u8>, Vec<u8>) {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "bench").unwrap();
    let name = name.build();
    let mut cert = X509::builder().unwrap();
    cert.set_version(2).unwrap();
    cert.set_subject_name(&name).unwrap();
    cert.set_issuer_name(&name).unwrap();
    cert.set_pubkey(&key).unwrap();
    cert.set_not_before(&Asn1Time::days_from_now(0).unwrap()).unwrap();
    cert.set_not_after(&Asn1Time::days_from_now(2).unwrap()).unwrap();
    cert.sign(&key, MessageDigest::sha256()).unwrap();
    (key.private_key_to_pkcs8().unwrap(), cert.build().to_der().unwrap())
}

/// Postern's configuration issuing to an SP, and the configuration of a gateway that takes
/// that SP's place: what one issues, the other verifies as its IdP's Response.
fn configs() -> (FederationConfig, FederationConfig) {
    let (key, cert) = key_and_cert();
    let issuer = FederationConfig {
        pairing: Pairing {
            name: "bench".into(),
            sp_entity_id: "https://sp.example/metadata".into(),
            sp_acs_urls: vec!["https://sp.example/acs".into()],
            idp_entity_id: "https://idp.example/metadata".into(),
            idp_sso_url: "https://idp.example/sso".into(),
            idp_signing_certs_der: vec![],
        },
        local: LocalIdentity {
            idp_entity_id: "https://postern.example/saml/idp".into(),
            idp_sso_url: "https://postern.example/saml/idp/sso".into(),
            sp_entity_id: "https://postern.example/saml/sp".into(),
            acs_url: "https://postern.example/saml/sp/acs".into(),
            signing_key_der: key,
            signing_cert_der: cert.clone(),
        },
        rules: vec![],
        released_attributes: vec![],
    };
    let mut verifier = issuer.clone();
    verifier.pairing.idp_entity_id = issuer.local.idp_entity_id.clone();
    verifier.pairing.idp_signing_certs_der = vec![cert];
    verifier.local.sp_entity_id = issuer.pairing.sp_entity_id.clone();
    verifier.local.acs_url = issuer.pairing.sp_acs_urls[0].clone();
    (issuer, verifier)
}

fn sign_in(c: &mut Criterion) {
    let (issuer, verifier) = configs();
    let request = SpRequest { id: "req-1".into(), acs_url: "https://sp.example/acs".into(), relay_state: None };
    let user = VerifiedUser {
        assertion_id: "_a".into(),
        name_id: "alice@example.com".into(),
        name_id_format: None,
        attributes: vec![SamlAttribute { name: "groups".into(), name_format: None, values: vec!["staff".into()] }],
    };
    let xml = issue(&issuer, &request, &user, Utc::now()).unwrap().xml;

    c.bench_function("input checks (size, depth, DTD, comments)", |b| {
        b.iter(|| check_xml(xml.as_bytes(), RESPONSE_LIMITS).unwrap())
    });
    c.bench_function("verify the IdP's Response (libxmlsec1 and every check)", |b| {
        b.iter_batched(
            || {
                let mut pending = pending_requests();
                pending.insert("req-1".into(), Utc::now() + chrono::TimeDelta::minutes(5), (), Utc::now()).unwrap();
                (pending, replay_store())
            },
            |(mut pending, mut replay)| {
                verify_xml(xml.as_bytes(), &verifier, &mut pending, &mut replay, Utc::now()).unwrap()
            },
            BatchSize::SmallInput,
        )
    });
    c.bench_function("issue and sign Postern's Response (libxmlsec1)", |b| {
        b.iter(|| issue(&issuer, &request, &user, Utc::now()).unwrap())
    });
}

criterion_group!(benches, sign_in);
criterion_main!(benches);
