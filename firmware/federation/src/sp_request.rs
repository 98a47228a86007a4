//! Postern as the IdP towards the cloud service: accepting the SP's AuthnRequest.

use crate::binding::{self, BindingError};
use crate::config::{LocalIdentity, Pairing};
use crate::xml_guard::{REQUEST_LIMITS, XmlGuardError, check_xml};
use samael::schema::AuthnRequest;

const POST_BINDING: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
const MAX_ID_LEN: usize = 256;

/// An AuthnRequest from the pairing's SP, accepted: what Postern answers to in the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpRequest {
    /// The SP's request id (InResponseTo of Postern's Response).
    pub id: String,
    /// The ACS URL Postern's Response goes to (one of the pairing's).
    pub acs_url: String,
    /// The SP's RelayState, returned unchanged.
    pub relay_state: Option<String>,
}

/// Why an AuthnRequest was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SpRequestError {
    /// The binding could not be decoded.
    #[error("AuthnRequest binding: {0}")]
    Binding(#[from] BindingError),
    /// The XML failed the input checks.
    #[error("AuthnRequest XML: {0}")]
    Xml(#[from] XmlGuardError),
    /// The XML is not a SAML 2.0 AuthnRequest.
    #[error("not a SAML 2.0 AuthnRequest: {0}")]
    NotAuthnRequest(String),
    /// The Issuer is the SP of no pairing.
    #[error("AuthnRequest from `{0}`, which is the service provider of no pairing")]
    UnknownSp(String),
    /// The Destination is not Postern's SSO URL.
    #[error("AuthnRequest for destination `{0}`, not this gateway's SSO URL")]
    WrongDestination(String),
    /// The ACS URL is not one of the pairing's.
    #[error("AuthnRequest names ACS URL `{0}`, which is not one of the pairing's")]
    UnknownAcs(String),
    /// The ACS index is not one of the pairing's.
    #[error("AuthnRequest names ACS index {0}, which the pairing does not have")]
    UnknownAcsIndex(usize),
    /// A response binding other than HTTP-POST was asked for.
    #[error("AuthnRequest asks for response binding `{0}`; only HTTP-POST is offered")]
    UnsupportedBinding(String),
}

/// Accepts an AuthnRequest sent with the HTTP-Redirect binding (`query` without `?`) from
/// the SP of one of `pairings`; returns that pairing's index with the request.
pub fn accept_redirect(
    query: &str,
    pairings: &[&Pairing],
    local: &LocalIdentity,
) -> Result<(usize, SpRequest), SpRequestError> {
    let message = binding::decode_redirect(query, "SAMLRequest", REQUEST_LIMITS.max_bytes)?;
    accept_xml(&message.xml, message.relay_state, pairings, local)
}

/// Accepts an AuthnRequest sent with the HTTP-POST binding (form-encoded `body`); see
/// [`accept_redirect`].
pub fn accept_post(
    body: &[u8],
    pairings: &[&Pairing],
    local: &LocalIdentity,
) -> Result<(usize, SpRequest), SpRequestError> {
    let message = binding::decode_post(body, "SAMLRequest", REQUEST_LIMITS.max_bytes)?;
    accept_xml(&message.xml, message.relay_state, pairings, local)
}

/// Accepts the XML of an AuthnRequest: the pairing is the one whose SP is the Issuer, and
/// only its ACS URLs are accepted.
pub fn accept_xml(
    xml: &[u8],
    relay_state: Option<String>,
    pairings: &[&Pairing],
    local: &LocalIdentity,
) -> Result<(usize, SpRequest), SpRequestError> {
    let (text, shape) = check_xml(xml, REQUEST_LIMITS)?;
    if shape.root != "AuthnRequest" {
        return Err(SpRequestError::NotAuthnRequest(format!("root element is {}", shape.root)));
    }
    let request: AuthnRequest = text.parse().map_err(|error| SpRequestError::NotAuthnRequest(format!("{error}")))?;
    if request.version != "2.0" {
        return Err(SpRequestError::NotAuthnRequest(format!("version {}", request.version)));
    }
    if request.id.is_empty() || request.id.len() > MAX_ID_LEN {
        return Err(SpRequestError::NotAuthnRequest("ID empty or too long".into()));
    }
    let issuer = request.issuer.as_ref().and_then(|issuer| issuer.value.clone()).unwrap_or_default();
    let (index, pairing) = pairings
        .iter()
        .enumerate()
        .find(|(_, pairing)| pairing.sp_entity_id == issuer)
        .ok_or_else(|| SpRequestError::UnknownSp(issuer.clone()))?;
    if let Some(destination) = &request.destination
        && destination != &local.idp_sso_url
    {
        return Err(SpRequestError::WrongDestination(destination.clone()));
    }
    if let Some(binding) = &request.protocol_binding
        && binding != POST_BINDING
    {
        return Err(SpRequestError::UnsupportedBinding(binding.clone()));
    }
    let acs_url = match (&request.assertion_consumer_service_url, request.assertion_consumer_service_index) {
        (Some(url), _) if pairing.sp_acs_urls.contains(url) => url.clone(),
        (Some(url), _) => return Err(SpRequestError::UnknownAcs(url.clone())),
        (None, Some(index)) => pairing.sp_acs_urls.get(index).cloned().ok_or(SpRequestError::UnknownAcsIndex(index))?,
        (None, None) => pairing.sp_acs_urls.first().cloned().ok_or(SpRequestError::UnknownAcsIndex(0))?,
    };
    tracing::debug!(pairing = %pairing.name, sp = %issuer, request_id = %request.id, acs = %acs_url, "AuthnRequest accepted");
    Ok((index, SpRequest { id: request.id, acs_url, relay_state }))
}

#[cfg(test)]
mod tests;
