//! Postern as the SP towards the real IdP: verifying the Response posted to its ACS.
//! The signature (on the Response or on the Assertion) is verified by libxmlsec1 through
//! samael, which also cuts away everything the signature does not cover; the assertion is
//! read from that signed remainder only.

use crate::binding::{self, BindingError};
use crate::config::FederationConfig;
use crate::expiring::{ExpiringStore, StoreFull};
use crate::idp_request::PendingRequests;
use crate::xml_guard::{RESPONSE_LIMITS, XmlGuardError, check_xml};
use chrono::{DateTime, TimeDelta, Utc};
use samael::crypto::{AllowedSignatureAlgorithm, CertificateDer, Crypto, CryptoProvider, ReduceMode};
use samael::schema::{Assertion, Response};

mod checks;
pub use checks::ResponseError;

/// Allowance for clocks that disagree, on every NotBefore and NotOnOrAfter.
pub const CLOCK_SKEW: TimeDelta = TimeDelta::seconds(60);
/// At most this many used assertion ids are remembered at once.
pub const REPLAY_CAPACITY: usize = 100_000;

const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const ALLOWED_ALGORITHMS: &[AllowedSignatureAlgorithm] = &[
    AllowedSignatureAlgorithm::RsaSha256,
    AllowedSignatureAlgorithm::RsaSha384,
    AllowedSignatureAlgorithm::RsaSha512,
    AllowedSignatureAlgorithm::EcdsaSha256,
    AllowedSignatureAlgorithm::EcdsaSha384,
    AllowedSignatureAlgorithm::EcdsaSha512,
];

/// Assertion ids already used, each kept while it could still be accepted.
pub type ReplayStore = ExpiringStore<()>;

/// An empty replay store with the documented bounds.
pub fn replay_store() -> ReplayStore {
    ExpiringStore::new("used assertion", REPLAY_CAPACITY)
}

/// One SAML attribute from the IdP's assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlAttribute {
    /// The attribute's Name.
    pub name: String,
    /// Its NameFormat, when given.
    pub name_format: Option<String>,
    /// Its values.
    pub values: Vec<String>,
}

/// What a verified IdP assertion says about the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedUser {
    /// The assertion's id (now used).
    pub assertion_id: String,
    /// The subject's NameID.
    pub name_id: String,
    /// The NameID's Format, when given.
    pub name_id_format: Option<String>,
    /// The assertion's attributes.
    pub attributes: Vec<SamlAttribute>,
}

impl VerifiedUser {
    /// Values of the attribute named `name` (empty when absent).
    pub fn attribute(&self, name: &str) -> Vec<String> {
        self.attributes.iter().filter(|a| a.name == name).flat_map(|a| a.values.iter().cloned()).collect()
    }
}

/// Verifies a Response posted (HTTP-POST binding, form-encoded `body`) to Postern's ACS.
/// On success the pending request it answers is consumed and returned with the user.
pub fn verify_post<P>(
    body: &[u8],
    config: &FederationConfig,
    pending: &mut PendingRequests<P>,
    replay: &mut ReplayStore,
    now: DateTime<Utc>,
) -> Result<(VerifiedUser, P), ResponseError> {
    let message = binding::decode_post(body, "SAMLResponse", RESPONSE_LIMITS.max_bytes)?;
    verify_xml(&message.xml, config, pending, replay, now)
}

/// The request a posted Response claims to answer (the Response's InResponseTo, or its
/// assertion's bearer confirmation's), read before any verification. It only selects the
/// pairing whose IdP certificates then verify the Response; the verified value decides.
pub fn claimed_request(body: &[u8]) -> Result<String, ResponseError> {
    let message = binding::decode_post(body, "SAMLResponse", RESPONSE_LIMITS.max_bytes)?;
    let (text, shape) = check_xml(&message.xml, RESPONSE_LIMITS)?;
    if shape.root != "Response" {
        return Err(ResponseError::NotResponse(format!("root element is {}", shape.root)));
    }
    let envelope: Response = text.parse().map_err(|e| ResponseError::NotResponse(format!("{e}")))?;
    if let Some(id) = envelope.in_response_to {
        return Ok(id);
    }
    let assertion = envelope.assertion.as_ref().ok_or(ResponseError::AssertionCount(0))?;
    checks::in_response_to(assertion, &envelope)
}

/// Verifies the XML of the IdP's Response; see [`verify_post`].
pub fn verify_xml<P>(
    xml: &[u8],
    config: &FederationConfig,
    pending: &mut PendingRequests<P>,
    replay: &mut ReplayStore,
    now: DateTime<Utc>,
) -> Result<(VerifiedUser, P), ResponseError> {
    let (text, shape) = check_xml(xml, RESPONSE_LIMITS)?;
    if shape.root != "Response" {
        return Err(ResponseError::NotResponse(format!("root element is {}", shape.root)));
    }
    if shape.encrypted_assertions > 0 {
        return Err(ResponseError::EncryptedAssertion);
    }
    if shape.assertions != 1 {
        return Err(ResponseError::AssertionCount(shape.assertions));
    }
    let envelope: Response = text.parse().map_err(|e| ResponseError::NotResponse(format!("{e}")))?;
    let assertion = signed_assertion(text, config)?;
    checks::envelope(&envelope, &assertion, config)?;
    let expires = checks::assertion(&assertion, config, now)?;
    let request_id = checks::in_response_to(&assertion, &envelope)?;
    let user = checks::user(&assertion)?;
    if replay.contains(&assertion.id, now) {
        return Err(ResponseError::Replayed(assertion.id.clone()));
    }
    if !pending.contains(&request_id, now) {
        return Err(ResponseError::UnknownRequest(request_id));
    }
    replay.insert(assertion.id.clone(), expires, (), now)?;
    let sign_in = pending.take(&request_id, now).ok_or(ResponseError::UnknownRequest(request_id))?;
    tracing::info!(assertion_id = %user.assertion_id, name_id = %user.name_id, "IdP assertion verified");
    Ok((user, sign_in))
}

/// The assertion as covered by a signature that verifies with one of the IdP's certificates.
fn signed_assertion(text: &str, config: &FederationConfig) -> Result<Assertion, ResponseError> {
    let certs: Vec<CertificateDer> =
        config.pairing.idp_signing_certs_der.iter().map(|der| CertificateDer::from(der.clone())).collect();
    if certs.is_empty() {
        return Err(ResponseError::NoIdpCertificate);
    }
    let signed = Crypto::reduce_xml_to_signed_with_allowed_algorithms(
        text,
        &certs,
        ReduceMode::ValidateAndMarkNoAncestors,
        Some(ALLOWED_ALGORITHMS),
    )
    .map_err(|error| ResponseError::Signature(error.to_string()))?;
    match check_xml(signed.as_bytes(), RESPONSE_LIMITS)?.1.root.as_str() {
        "Response" => {
            let response: Response = signed.parse().map_err(|e| ResponseError::NotResponse(format!("{e}")))?;
            if response.status.as_ref().and_then(|s| s.status_code.value.as_deref()) != Some(SUCCESS) {
                return Err(ResponseError::Status(status_of(&response)));
            }
            response.assertion.ok_or(ResponseError::AssertionCount(0))
        }
        "Assertion" => signed.parse().map_err(|e| ResponseError::NotResponse(format!("assertion: {e}"))),
        other => Err(ResponseError::Signature(format!("signature covers {other}, not the Response or Assertion"))),
    }
}

fn status_of(response: &Response) -> String {
    response.status.as_ref().and_then(|s| s.status_code.value.clone()).unwrap_or_else(|| "missing".into())
}

impl From<BindingError> for ResponseError {
    fn from(error: BindingError) -> Self {
        Self::Binding(error)
    }
}

impl From<XmlGuardError> for ResponseError {
    fn from(error: XmlGuardError) -> Self {
        Self::Xml(error)
    }
}

impl From<StoreFull> for ResponseError {
    fn from(error: StoreFull) -> Self {
        Self::Full(error)
    }
}

#[cfg(test)]
mod tests;
