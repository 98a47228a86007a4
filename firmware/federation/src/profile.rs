//! The portal's access profile mapped onto the federation configuration: every pairing
//! with the rules that apply to it, Postern's identities derived from its public base URL,
//! and the profile's SAML signing pair.

use crate::access::{Action, IpPrefix, Posture, Rule};
use crate::config::{FederationSet, LocalIdentity, Pairing};
use crate::shell::{ACS_PATH, IDP_METADATA_PATH, SP_METADATA_PATH, SSO_PATH};
use postern_access_profile::{Platform, Profile};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// DER of the AlgorithmIdentifier OID rsaEncryption (1.2.840.113549.1.1.1).
const RSA_ENCRYPTION_OID: &[u8] = &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// Why a profile cannot be served.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProfileError {
    /// Postern's public base URL is not an https URL without path, query or fragment.
    #[error("the public base URL `{url}` is not usable: {reason}")]
    BaseUrl {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// A PEM field holds no usable certificate or key.
    #[error("{field}: {reason}")]
    Pem {
        /// Where in the profile.
        field: String,
        /// Why.
        reason: String,
    },
    /// The SAML signing key is not an RSA key (Postern signs RSA-SHA256).
    #[error("saml_signing: the key is not an RSA key; Postern signs its assertions with RSA-SHA256")]
    NotRsa,
    /// A rule's source prefix does not parse.
    #[error("rule {rule}: {reason}")]
    Rule {
        /// The rule.
        rule: String,
        /// Why.
        reason: String,
    },
}

/// Postern's own URLs, all under its public base URL (e.g. `https://sso.example.com`).
pub fn local_urls(base: &str) -> Result<(String, String, String, String), ProfileError> {
    let error = |reason: &str| ProfileError::BaseUrl { url: base.to_owned(), reason: reason.to_owned() };
    let url = url::Url::parse(base).map_err(|e| error(&e.to_string()))?;
    if url.scheme() != "https" {
        return Err(error("only https is served"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(error("it names no host"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(error("give the scheme, host and port only"));
    }
    let base = base.trim_end_matches('/');
    Ok((
        format!("{base}{IDP_METADATA_PATH}"),
        format!("{base}{SSO_PATH}"),
        format!("{base}{SP_METADATA_PATH}"),
        format!("{base}{ACS_PATH}"),
    ))
}

/// The name a rule and the device directory give a platform (`ios`, `android`,
/// `windows`, `macos`, `other`), as the profile writes it.
pub fn platform_name(platform: Platform) -> &'static str {
    match platform {
        Platform::Ios => "ios",
        Platform::Android => "android",
        Platform::Windows => "windows",
        Platform::MacOs => "macos",
        _ => "other",
    }
}

fn certificate(field: &str, pem: &str) -> Result<Vec<u8>, ProfileError> {
    CertificateDer::from_pem_slice(pem.as_bytes())
        .map(|c| c.to_vec())
        .map_err(|e| ProfileError::Pem { field: field.to_owned(), reason: format!("no certificate: {e}") })
}

fn rsa_key(pem: &str) -> Result<Vec<u8>, ProfileError> {
    let key = PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|e| ProfileError::Pem {
        field: "saml_signing.private_key_pem".into(),
        reason: format!("no private key: {e}"),
    })?;
    let rsa = match &key {
        PrivateKeyDer::Pkcs1(_) => true,
        PrivateKeyDer::Pkcs8(der) => der
            .secret_pkcs8_der()
            .get(..32)
            .is_some_and(|head| head.windows(RSA_ENCRYPTION_OID.len()).any(|window| window == RSA_ENCRYPTION_OID)),
        _ => false,
    };
    if !rsa {
        return Err(ProfileError::NotRsa);
    }
    Ok(key.secret_der().to_vec())
}

fn postures(wanted: &[postern_access_profile::Posture]) -> Vec<Posture> {
    use postern_access_profile::Posture as P;
    let mut postures = Vec::new();
    for posture in wanted {
        let adds: &[Posture] = match posture {
            P::Compliant => &[Posture::ManagedCompliant],
            P::Managed => &[Posture::ManagedCompliant, Posture::ManagedNonCompliant],
            P::Unmanaged => &[Posture::Unmanaged],
        };
        for add in adds {
            if !postures.contains(add) {
                postures.push(*add);
            }
        }
    }
    postures
}

fn rule(rule: &postern_access_profile::Rule) -> Result<Rule, ProfileError> {
    let m = &rule.matches;
    let networks = m
        .source_prefixes
        .iter()
        .map(|prefix| prefix.parse::<IpPrefix>())
        .collect::<Result<_, _>>()
        .map_err(|e| ProfileError::Rule { rule: rule.name.clone(), reason: e.to_string() })?;
    let action = match &rule.action {
        postern_access_profile::Action::Allow => Action::Allow,
        postern_access_profile::Action::Deny { message } => {
            Action::Deny { reason: message.clone(), remedy: String::new() }
        }
        postern_access_profile::Action::Warn { message } => Action::Warn { message: message.clone() },
    };
    Ok(Rule {
        name: rule.name.clone(),
        postures: postures(&m.posture),
        platforms: m.platforms.iter().map(|p| platform_name(*p).to_owned()).collect(),
        apps: m.apps.clone(),
        networks,
        groups: m.groups.clone(),
        action,
    })
}

/// The federation configuration of a validated `profile`, served under `base_url`
/// (Postern's public https base URL): every pairing, each with the profile's rules that
/// name it or name no pairing, in the profile's order; all the IdP's attributes released.
pub fn federation_set(profile: &Profile, base_url: &str) -> Result<FederationSet, ProfileError> {
    let (idp_entity_id, idp_sso_url, sp_entity_id, acs_url) = local_urls(base_url)?;
    let local = LocalIdentity {
        idp_entity_id,
        idp_sso_url,
        sp_entity_id,
        acs_url,
        signing_key_der: rsa_key(&profile.saml_signing.private_key_pem)?,
        signing_cert_der: certificate(
            "saml_signing.certificate_chain_pem",
            &profile.saml_signing.certificate_chain_pem,
        )?,
    };
    let rules: Vec<(Vec<String>, Rule)> = profile
        .rules
        .iter()
        .map(|r| rule(r).map(|mapped| (r.matches.pairings.clone(), mapped)))
        .collect::<Result<_, _>>()?;
    let mut pairings = Vec::with_capacity(profile.pairings.len());
    for (i, p) in profile.pairings.iter().enumerate() {
        let idp = &p.identity_provider;
        let certs = idp
            .signing_certificates_pem
            .iter()
            .enumerate()
            .map(|(j, pem)| certificate(&format!("pairings[{i}].identity_provider.signing_certificates_pem[{j}]"), pem))
            .collect::<Result<_, _>>()?;
        let pairing = Pairing {
            name: p.name.clone(),
            sp_entity_id: p.service_provider.entity_id.clone(),
            sp_acs_urls: p.service_provider.acs_urls.clone(),
            idp_entity_id: idp.entity_id.clone(),
            idp_sso_url: idp.sso_url.clone(),
            idp_signing_certs_der: certs,
        };
        let applying = rules
            .iter()
            .filter(|(names, _)| names.is_empty() || names.contains(&p.name))
            .map(|(_, rule)| rule.clone())
            .collect();
        pairings.push((pairing, applying, Vec::new()));
    }
    Ok(FederationSet::new(local, pairings))
}

#[cfg(test)]
mod tests;
