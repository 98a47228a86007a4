//! The configuration the federation core works from: SP/IdP pairings, Postern's own
//! identities and keys, and the conditional access rules of each pairing. The portal's
//! profile maps onto it ([`crate::profile`]).

use crate::access::Rule;

/// One cloud service (SP) federated with one real identity provider through Postern.
/// AuthnRequest signatures are not checked (the ACS URL allow-list guards where
/// assertions go), so the SP's certificate is not part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pairing {
    /// The pairing's name (reported with each sign-in; rules may name it).
    pub name: String,
    /// The SP's entity id (the Issuer of its AuthnRequests).
    pub sp_entity_id: String,
    /// The SP's Assertion Consumer Service URLs; the first is used when a request names none.
    pub sp_acs_urls: Vec<String>,
    /// The real IdP's entity id (the Issuer of its Responses and Assertions).
    pub idp_entity_id: String,
    /// The real IdP's single sign-on URL (HTTP-Redirect binding).
    pub idp_sso_url: String,
    /// Certificates (DER) whose keys may sign the IdP's Responses; any one verifies.
    pub idp_signing_certs_der: Vec<Vec<u8>>,
}

/// Postern's own identities towards both sides, and its signing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalIdentity {
    /// Entity id Postern uses as the SP's IdP (Issuer of the Responses it sends to the SP).
    pub idp_entity_id: String,
    /// Postern's SSO URL (where SPs send AuthnRequests); the Destination they must name.
    pub idp_sso_url: String,
    /// Entity id Postern uses as the real IdP's SP (Issuer of its AuthnRequests, audience).
    pub sp_entity_id: String,
    /// Postern's ACS URL (where the real IdP posts its Responses).
    pub acs_url: String,
    /// Private key (DER, PKCS#8 or PKCS#1 RSA) that signs Postern's Responses.
    pub signing_key_der: Vec<u8>,
    /// Certificate (DER) of that key, published in metadata and in the signature.
    pub signing_cert_der: Vec<u8>,
}

/// Everything the federation core needs for one pairing (its rules are those that apply
/// to it).
#[derive(Debug, Clone, PartialEq)]
pub struct FederationConfig {
    /// The SP/IdP pairing.
    pub pairing: Pairing,
    /// Postern's identities and key.
    pub local: LocalIdentity,
    /// Conditional access rules, first match wins; no match denies.
    pub rules: Vec<Rule>,
    /// Attribute names copied from the IdP's assertion into Postern's (all when empty).
    pub released_attributes: Vec<String>,
}

/// Every pairing Postern serves, with Postern's own identities (shared by all pairings).
#[derive(Debug, Clone, PartialEq)]
pub struct FederationSet {
    local: LocalIdentity,
    pairings: Vec<FederationConfig>,
}

impl FederationSet {
    /// The set of `pairings`, each with `local` as Postern's identities.
    pub fn new(local: LocalIdentity, pairings: Vec<(Pairing, Vec<Rule>, Vec<String>)>) -> Self {
        let pairings = pairings
            .into_iter()
            .map(|(pairing, rules, released_attributes)| FederationConfig {
                pairing,
                local: local.clone(),
                rules,
                released_attributes,
            })
            .collect();
        Self { local, pairings }
    }

    /// Postern's identities.
    pub fn local(&self) -> &LocalIdentity {
        &self.local
    }

    /// The pairings, in the profile's order.
    pub fn pairings(&self) -> &[FederationConfig] {
        &self.pairings
    }

    /// The pairing named `name`.
    pub fn by_name(&self, name: &str) -> Option<&FederationConfig> {
        self.pairings.iter().find(|config| config.pairing.name == name)
    }
}

impl From<FederationConfig> for FederationSet {
    /// A set of the one pairing `config`.
    fn from(config: FederationConfig) -> Self {
        Self { local: config.local.clone(), pairings: vec![config] }
    }
}
