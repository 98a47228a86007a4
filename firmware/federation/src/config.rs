//! The configuration the federation core works from: one SP/IdP pairing, Postern's own
//! identities and keys, and the conditional access rules. The portal's profile maps onto it.

use crate::access::Rule;

/// One cloud service (SP) federated with one real identity provider through Postern.
/// AuthnRequest signatures are not checked (the ACS URL allow-list guards where
/// assertions go), so the SP's certificate is not part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pairing {
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

/// Everything the federation core needs for one pairing.
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
