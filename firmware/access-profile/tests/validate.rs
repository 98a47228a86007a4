//! A profile is checked whole: every problem reported with its path.

use postern_access_profile::{
    Action, CertifiedKeyPem, IdentityProvider, Pairing, Platform, Posture, Profile, Revocation, Rule, RuleMatch,
    ServiceProvider, Succession, parse,
};

fn certified(name: &str) -> CertifiedKeyPem {
    let key = rcgen::KeyPair::generate().unwrap_or_else(|e| panic!("key: {e}"));
    let params = rcgen::CertificateParams::new(vec![name.to_owned()]).unwrap_or_else(|e| panic!("params: {e}"));
    let cert = params.self_signed(&key).unwrap_or_else(|e| panic!("cert: {e}"));
    CertifiedKeyPem { certificate_chain_pem: cert.pem(), private_key_pem: key.serialize_pem() }
}

fn pairing(name: &str) -> Pairing {
    Pairing {
        name: name.into(),
        service_provider: ServiceProvider {
            entity_id: format!("https://{name}.example.com/saml"),
            acs_urls: vec![format!("https://{name}.example.com/acs")],
            certificate_pem: certified("sp").certificate_chain_pem,
            slo_url: None,
        },
        identity_provider: IdentityProvider {
            entity_id: "https://idp.example.com".into(),
            sso_url: "https://idp.example.com/sso".into(),
            signing_certificates_pem: vec![certified("idp").certificate_chain_pem],
        },
        revocation: Revocation::None,
    }
}

fn profile() -> Profile {
    Profile {
        revision: 3,
        tenant: "acme".into(),
        pairings: vec![pairing("crm")],
        rules: vec![
            Rule {
                name: "unmanaged-out".into(),
                matches: RuleMatch { posture: vec![Posture::Unmanaged], ..RuleMatch::default() },
                action: Action::Deny { message: "Enrol this device first.".into() },
            },
            Rule {
                name: "crm-mobile".into(),
                matches: RuleMatch {
                    pairings: vec!["crm".into()],
                    platforms: vec![Platform::Ios, Platform::Android],
                    source_prefixes: vec!["10.0.0.0/8".into()],
                    ..RuleMatch::default()
                },
                action: Action::Allow,
            },
        ],
        listener_tls: certified("access.example.com"),
        saml_signing: certified("signing"),
    }
}

fn paths(profile: &Profile) -> Vec<String> {
    match profile.validate() {
        Ok(()) => Vec::new(),
        Err(problems) => problems.0.into_iter().map(|p| p.path).collect(),
    }
}

#[test]
fn a_good_profile_passes_and_round_trips_through_json() {
    let p = profile();
    assert_eq!(p.validate(), Ok(()));
    let json = serde_json::to_vec(&p).unwrap_or_default();
    let back = parse(&json).unwrap_or_else(|e| panic!("parse: {e}"));
    assert_eq!(back, p);
}

#[test]
fn every_problem_is_reported_with_its_path() {
    let mut p = profile();
    p.tenant = "bad tenant".into();
    p.pairings[0].identity_provider.sso_url = "http://idp.example.com/sso".into();
    p.pairings[0].service_provider.acs_urls.clear();
    p.rules[1].matches.pairings = vec!["nowhere".into()];
    p.rules[1].matches.source_prefixes = vec!["10.0.0.1/8".into()];
    assert_eq!(
        paths(&p),
        [
            "tenant",
            "pairings[0].service_provider.acs_urls",
            "pairings[0].identity_provider.sso_url",
            "rules[1].match.pairings[0]",
            "rules[1].match.source_prefixes[0]",
        ]
    );
}

#[test]
fn a_key_that_is_not_its_certificates_is_refused() {
    let mut p = profile();
    p.saml_signing.private_key_pem = certified("other").private_key_pem;
    assert_eq!(paths(&p), ["saml_signing.private_key_pem"]);
    let message = p.validate().err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("does not match the certificate"), "{message}");
}

#[test]
fn broken_pems_are_refused() {
    let mut p = profile();
    p.listener_tls.certificate_chain_pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".into();
    p.pairings[0].identity_provider.signing_certificates_pem = vec!["not a pem".into()];
    p.pairings[0].service_provider.certificate_pem = String::new();
    assert_eq!(
        paths(&p),
        [
            "pairings[0].service_provider.certificate_pem",
            "pairings[0].identity_provider.signing_certificates_pem[0]",
            "listener_tls.certificate_chain_pem",
        ]
    );
}

#[test]
fn names_and_service_providers_are_unique() {
    let mut p = profile();
    p.pairings.push(pairing("crm"));
    p.rules.push(p.rules[0].clone());
    assert_eq!(paths(&p), ["pairings[1].name", "pairings[1].service_provider.entity_id", "rules[2].name"]);
}

#[test]
fn entra_revocation_needs_https_endpoints() {
    let mut p = profile();
    p.pairings[0].revocation = Revocation::EntraGraph {
        tenant_id: "t".into(),
        client_id: "c".into(),
        client_secret: "s".into(),
        graph_url: "https://graph.microsoft.com".into(),
        login_url: "ftp://login.microsoftonline.com".into(),
    };
    assert_eq!(paths(&p), ["pairings[0].revocation.login_url"]);
}

#[test]
fn sizes_are_bounded() {
    let mut p = profile();
    p.pairings[0].service_provider.acs_urls = vec!["https://a.example.com/acs".into(); 17];
    p.rules[0].matches.groups = vec!["g".into(); 257];
    p.rules[0].action = Action::Warn { message: "x".repeat(2000) };
    assert_eq!(
        paths(&p),
        ["pairings[0].service_provider.acs_urls", "rules[0].match.groups", "rules[0].action.message"]
    );
    assert!(parse(&vec![b' '; postern_access_profile::MAX_PROFILE_BYTES + 1]).is_err());
}

#[test]
fn unknown_fields_and_actions_are_refused_by_the_parser() {
    let mut json = serde_json::to_value(profile()).unwrap_or_default();
    json["surprise"] = serde_json::json!(1);
    assert!(parse(json.to_string().as_bytes()).is_err());
    let mut json = serde_json::to_value(profile()).unwrap_or_default();
    json["rules"][0]["action"] = serde_json::json!({"kind": "maybe"});
    assert!(parse(json.to_string().as_bytes()).is_err());
}

#[test]
fn revisions_only_go_forward() {
    let p = profile();
    assert_eq!(p.succession(None), Succession::Newer);
    assert_eq!(p.succession(Some(2)), Succession::Newer);
    assert_eq!(p.succession(Some(3)), Succession::Same);
    assert_eq!(p.succession(Some(4)), Succession::Older);
}

#[test]
fn the_summary_has_a_line_per_pairing_and_rule_and_no_key() {
    let p = profile();
    let s = p.summary();
    assert_eq!(s.pairings.len(), 1);
    assert_eq!(s.rules[0].conditions, "posture=unmanaged");
    assert_eq!(s.rules[1].conditions, "pairings=crm platforms=ios,android source=10.0.0.0/8");
    assert_eq!(s.rules[1].action, "allow");
    assert_eq!(s.saml_signing_sha256.len(), 95);
    let text = format!("{s:?} {p:?}");
    assert!(!text.contains("PRIVATE KEY"), "a key leaks into a summary or Debug");
}
