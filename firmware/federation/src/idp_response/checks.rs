//! The checks on a signed assertion and on the Response around it.

use super::{CLOCK_SKEW, SUCCESS, SamlAttribute, VerifiedUser, status_of};
use crate::binding::BindingError;
use crate::config::FederationConfig;
use crate::expiring::StoreFull;
use crate::xml_guard::XmlGuardError;
use chrono::{DateTime, Utc};
use samael::schema::{Assertion, Response};

const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

/// Why the IdP's Response was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ResponseError {
    /// The binding could not be decoded.
    #[error("Response binding: {0}")]
    Binding(BindingError),
    /// The XML failed the input checks.
    #[error("Response XML: {0}")]
    Xml(XmlGuardError),
    /// Not a SAML 2.0 Response.
    #[error("not a SAML 2.0 Response: {0}")]
    NotResponse(String),
    /// Not exactly one Assertion.
    #[error("Response carries {0} assertions; exactly one is accepted")]
    AssertionCount(usize),
    /// An EncryptedAssertion (not supported).
    #[error("encrypted assertions are not supported")]
    EncryptedAssertion,
    /// The pairing has no IdP certificate.
    #[error("the pairing has no IdP signing certificate")]
    NoIdpCertificate,
    /// No signature verified with the IdP's certificates.
    #[error("signature does not verify with the IdP's certificates: {0}")]
    Signature(String),
    /// The IdP did not report success.
    #[error("IdP status {0}")]
    Status(String),
    /// The issuer is not the pairing's IdP.
    #[error("issued by `{0}`, not the pairing's IdP")]
    Issuer(String),
    /// The Destination is not Postern's ACS URL.
    #[error("Response destination `{0}` is not this gateway's ACS URL")]
    Destination(String),
    /// The audience does not name Postern's SP entity id.
    #[error("assertion is for audiences {0:?}, not this gateway")]
    Audience(Vec<String>),
    /// Outside the validity window.
    #[error("assertion not valid now: {0}")]
    Expired(String),
    /// No usable bearer SubjectConfirmation.
    #[error("no bearer subject confirmation: {0}")]
    Confirmation(String),
    /// The Recipient is not Postern's ACS URL.
    #[error("assertion recipient `{0}` is not this gateway's ACS URL")]
    Recipient(String),
    /// InResponseTo names no pending request of Postern's.
    #[error("answers request `{0}`, which this gateway is not waiting for")]
    UnknownRequest(String),
    /// The assertion id was used before.
    #[error("assertion `{0}` was already used")]
    Replayed(String),
    /// No NameID.
    #[error("assertion has no NameID")]
    NoNameId,
    /// A bounded store is full.
    #[error(transparent)]
    Full(StoreFull),
}

fn late(now: DateTime<Utc>, not_on_or_after: DateTime<Utc>) -> bool {
    now >= not_on_or_after + CLOCK_SKEW
}

fn early(now: DateTime<Utc>, not_before: DateTime<Utc>) -> bool {
    now < not_before - CLOCK_SKEW
}

/// The Response's own fields: issuer, destination, status (refuse-only: it may be unsigned).
pub(super) fn envelope(
    response: &Response,
    assertion: &Assertion,
    config: &FederationConfig,
) -> Result<(), ResponseError> {
    if response.version != "2.0" {
        return Err(ResponseError::NotResponse(format!("version {}", response.version)));
    }
    if response.status.as_ref().and_then(|s| s.status_code.value.as_deref()) != Some(SUCCESS) {
        return Err(ResponseError::Status(status_of(response)));
    }
    if let Some(issuer) = response.issuer.as_ref().and_then(|i| i.value.as_ref())
        && issuer != &config.pairing.idp_entity_id
    {
        return Err(ResponseError::Issuer(issuer.clone()));
    }
    if let Some(destination) = &response.destination
        && destination != &config.local.acs_url
    {
        return Err(ResponseError::Destination(destination.clone()));
    }
    if response.assertion.as_ref().map(|a| &a.id) != Some(&assertion.id) {
        return Err(ResponseError::Signature("the signed assertion is not the Response's".into()));
    }
    Ok(())
}

/// Issuer, validity window, audience and recipient; returns when the assertion stops being acceptable.
pub(super) fn assertion(
    assertion: &Assertion,
    config: &FederationConfig,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, ResponseError> {
    let issuer = assertion.issuer.value.clone().unwrap_or_default();
    if issuer != config.pairing.idp_entity_id {
        return Err(ResponseError::Issuer(issuer));
    }
    let conditions = assertion.conditions.as_ref().ok_or(ResponseError::Audience(vec![]))?;
    if let Some(not_before) = conditions.not_before
        && early(now, not_before)
    {
        return Err(ResponseError::Expired(format!("not before {not_before}")));
    }
    if let Some(not_on_or_after) = conditions.not_on_or_after
        && late(now, not_on_or_after)
    {
        return Err(ResponseError::Expired(format!("not on or after {not_on_or_after}")));
    }
    let audiences: Vec<String> =
        conditions.audience_restrictions.iter().flatten().flat_map(|r| r.audience.iter().cloned()).collect();
    let restrictions = conditions.audience_restrictions.as_deref().unwrap_or_default();
    if restrictions.is_empty() || !restrictions.iter().all(|r| r.audience.contains(&config.local.sp_entity_id)) {
        return Err(ResponseError::Audience(audiences));
    }
    let data = bearer_data(assertion)?;
    if data.recipient.as_deref() != Some(config.local.acs_url.as_str()) {
        return Err(ResponseError::Recipient(data.recipient.clone().unwrap_or_default()));
    }
    if let Some(not_before) = data.not_before
        && early(now, not_before)
    {
        return Err(ResponseError::Expired(format!("subject confirmation not before {not_before}")));
    }
    let confirmation_end = data.not_on_or_after.ok_or_else(|| ResponseError::Confirmation("no NotOnOrAfter".into()))?;
    if late(now, confirmation_end) {
        return Err(ResponseError::Expired(format!("subject confirmation not on or after {confirmation_end}")));
    }
    let end = conditions.not_on_or_after.map_or(confirmation_end, |c| c.min(confirmation_end));
    Ok(end + CLOCK_SKEW)
}

fn bearer_data(assertion: &Assertion) -> Result<&samael::schema::SubjectConfirmationData, ResponseError> {
    let confirmations = assertion.subject.as_ref().and_then(|s| s.subject_confirmations.as_ref());
    let bearers: Vec<_> = confirmations.into_iter().flatten().filter(|c| c.method.as_deref() == Some(BEARER)).collect();
    match bearers.as_slice() {
        [one] => one.subject_confirmation_data.as_ref().ok_or_else(|| ResponseError::Confirmation("no data".into())),
        [] => Err(ResponseError::Confirmation("none".into())),
        _ => Err(ResponseError::Confirmation("more than one".into())),
    }
}

/// The request the assertion answers; the Response's InResponseTo, when given, must agree.
pub(super) fn in_response_to(assertion: &Assertion, response: &Response) -> Result<String, ResponseError> {
    let data = bearer_data(assertion)?;
    let id = data.in_response_to.clone().ok_or_else(|| ResponseError::UnknownRequest(String::new()))?;
    if let Some(outer) = &response.in_response_to
        && outer != &id
    {
        return Err(ResponseError::UnknownRequest(outer.clone()));
    }
    Ok(id)
}

/// The NameID and attributes.
pub(super) fn user(assertion: &Assertion) -> Result<VerifiedUser, ResponseError> {
    let name_id = assertion.subject.as_ref().and_then(|s| s.name_id.as_ref()).ok_or(ResponseError::NoNameId)?;
    if name_id.value.trim().is_empty() {
        return Err(ResponseError::NoNameId);
    }
    let attributes = assertion
        .attribute_statements
        .iter()
        .flatten()
        .flat_map(|statement| statement.attributes.iter())
        .filter_map(|attribute| {
            Some(SamlAttribute {
                name: attribute.name.clone()?,
                name_format: attribute.name_format.clone(),
                values: attribute.values.iter().filter_map(|v| v.value.clone()).collect(),
            })
        })
        .collect();
    Ok(VerifiedUser {
        assertion_id: assertion.id.clone(),
        name_id: name_id.value.clone(),
        name_id_format: name_id.format.clone(),
        attributes,
    })
}
