//! A portal profile mapped onto the federation configuration.
#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use crate::test_support::TestSigner;
use postern_access_profile::{CertifiedKeyPem, IdentityProvider, RuleMatch, ServiceProvider};

fn pairing(name: &str, idp_cert: &str) -> postern_access_profile::Pairing {
    postern_access_profile::Pairing {
        name: name.into(),
        service_provider: ServiceProvider {
            entity_id: format!("https://{name}.example/sp"),
            acs_urls: vec![format!("https://{name}.example/acs")],
            certificate_pem: idp_cert.into(),
            slo_url: None,
        },
        identity_provider: IdentityProvider {
            entity_id: "https://idp.example/metadata".into(),
            sso_url: "https://idp.example/sso".into(),
            signing_certificates_pem: vec![idp_cert.into()],
        },
        revocation: postern_access_profile::Revocation::None,
    }
}

fn profile_rule(
    name: &str,
    matches: RuleMatch,
    action: postern_access_profile::Action,
) -> postern_access_profile::Rule {
    postern_access_profile::Rule { name: name.into(), matches, action }
}

fn profile(signing: &TestSigner) -> Profile {
    let (cert, key) = signing.pem();
    let (idp_cert, _) = TestSigner::new("idp").pem();
    Profile {
        revision: 1,
        tenant: "acme".into(),
        pairings: vec![pairing("mail", &idp_cert), pairing("files", &idp_cert)],
        rules: vec![
            profile_rule(
                "mail-managed",
                RuleMatch {
                    pairings: vec!["mail".into()],
                    posture: vec![postern_access_profile::Posture::Managed],
                    platforms: vec![Platform::Ios],
                    source_prefixes: vec!["10.0.0.0/8".into()],
                    ..RuleMatch::default()
                },
                postern_access_profile::Action::Allow,
            ),
            profile_rule(
                "everyone-else",
                RuleMatch::default(),
                postern_access_profile::Action::Deny { message: "Enrol this device first.".into() },
            ),
        ],
        listener_tls: CertifiedKeyPem { certificate_chain_pem: cert.clone(), private_key_pem: key.clone() },
        saml_signing: CertifiedKeyPem { certificate_chain_pem: cert, private_key_pem: key },
    }
}

#[test]
fn every_pairing_gets_the_rules_that_name_it_or_none() {
    let signing = TestSigner::new("postern");
    let set = federation_set(&profile(&signing), "https://sso.example.com:8443").unwrap();
    let local = set.local();
    assert_eq!(local.idp_entity_id, "https://sso.example.com:8443/saml/idp/metadata");
    assert_eq!(local.idp_sso_url, "https://sso.example.com:8443/saml/idp/sso");
    assert_eq!(local.sp_entity_id, "https://sso.example.com:8443/saml/sp/metadata");
    assert_eq!(local.acs_url, "https://sso.example.com:8443/saml/sp/acs");
    assert_eq!(local.signing_cert_der, signing.cert_der);
    let names =
        |name: &str| -> Vec<String> { set.by_name(name).unwrap().rules.iter().map(|rule| rule.name.clone()).collect() };
    assert_eq!(names("mail"), ["mail-managed", "everyone-else"]);
    assert_eq!(names("files"), ["everyone-else"]);
    let mail = &set.by_name("mail").unwrap().rules[0];
    assert_eq!(mail.postures, [Posture::ManagedCompliant, Posture::ManagedNonCompliant]);
    assert_eq!((mail.platforms.as_slice(), mail.networks.len()), (["ios".to_owned()].as_slice(), 1));
    let deny = &set.by_name("files").unwrap().rules[0].action;
    assert_eq!(deny, &Action::Deny { reason: "Enrol this device first.".into(), remedy: String::new() });
    assert_eq!(set.pairings()[1].pairing.sp_entity_id, "https://files.example/sp");
}

#[test]
fn the_base_url_is_https_with_a_host_only() {
    for bad in ["http://sso.example.com", "https://sso.example.com/saml", "https://sso.example.com/?a=b", "sso"] {
        assert!(matches!(local_urls(bad), Err(ProfileError::BaseUrl { .. })), "{bad}");
    }
    assert!(local_urls("https://sso.example.com/").is_ok());
}

#[test]
fn a_signing_key_other_than_rsa_is_refused() {
    let signing = TestSigner::new("postern");
    let mut p = profile(&signing);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["sso".to_owned()]).unwrap().self_signed(&key).unwrap();
    p.saml_signing = CertifiedKeyPem { certificate_chain_pem: cert.pem(), private_key_pem: key.serialize_pem() };
    assert_eq!(federation_set(&p, "https://sso.example.com").unwrap_err(), ProfileError::NotRsa);
}
