//! A refused sign-in step as the portal hears of it (A3): the error, a stable reason code,
//! and the pairing and device when they can be told. The pairing of a refused AuthnRequest
//! is the one its Issuer names; that of a refused Response is the one of the pending
//! sign-in its (unverified) InResponseTo names. Neither is trusted for anything else.

use super::{Federation, FlowError, Incoming};
use crate::access::DeviceBinding;
use crate::binding::{self, BindingError};
use crate::idp_response::{ResponseError, claimed_request};
use crate::sp_request::SpRequestError;
use crate::xml_guard::{REQUEST_LIMITS, XmlGuardError, check_xml};
use chrono::{DateTime, Utc};
use samael::schema::AuthnRequest;

/// A sign-in step refused before any rule decided.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The pairing, when the message names one the configuration has.
    pub pairing: Option<String>,
    /// The device the browser was tied to, when it was.
    pub device_id: Option<String>,
    /// Why.
    pub error: FlowError,
}

impl Refusal {
    /// A refusal of a message no pairing can be told from, on a connection tied by `binding`.
    pub fn unattributed(binding: &DeviceBinding, error: FlowError) -> Self {
        Self { pairing: None, device_id: device_of(binding), error }
    }

    /// The stable reason code of [`Refusal::error`].
    pub fn code(&self) -> &'static str {
        self.error.code()
    }
}

impl FlowError {
    /// A stable code for reports: what kind of refusal this is, without the details.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Request(error) => request_code(error),
            Self::Response(error) => response_code(error),
            Self::Full(_) => "store-full",
            Self::Sign(_) => "signing-failed",
            Self::PairingGone(_) => "pairing-gone",
            Self::OtherPairing { .. } => "other-pairing",
        }
    }
}

fn request_code(error: &SpRequestError) -> &'static str {
    match error {
        SpRequestError::Binding(BindingError::TooLarge { .. })
        | SpRequestError::Xml(XmlGuardError::TooLarge { .. }) => "request-too-large",
        SpRequestError::Binding(BindingError::SignedRedirect) => "signed-redirect",
        SpRequestError::Binding(_) | SpRequestError::Xml(_) | SpRequestError::NotAuthnRequest(_) => "request-malformed",
        SpRequestError::UnknownSp(_) => "unknown-sp",
        SpRequestError::WrongDestination(_) => "wrong-destination",
        SpRequestError::UnknownAcs(_) | SpRequestError::UnknownAcsIndex(_) => "unknown-acs",
        SpRequestError::UnsupportedBinding(_) => "unsupported-binding",
    }
}

fn response_code(error: &ResponseError) -> &'static str {
    match error {
        ResponseError::Binding(BindingError::TooLarge { .. }) | ResponseError::Xml(XmlGuardError::TooLarge { .. }) => {
            "response-too-large"
        }
        ResponseError::Binding(_)
        | ResponseError::Xml(_)
        | ResponseError::NotResponse(_)
        | ResponseError::AssertionCount(_)
        | ResponseError::NoNameId => "response-malformed",
        ResponseError::EncryptedAssertion => "encrypted-assertion",
        ResponseError::NoIdpCertificate => "no-idp-certificate",
        ResponseError::Signature(_) => "bad-signature",
        ResponseError::Status(_) => "idp-status",
        ResponseError::Issuer(_) => "wrong-issuer",
        ResponseError::Destination(_) => "wrong-destination",
        ResponseError::Audience(_) => "wrong-audience",
        ResponseError::Expired(_) => "expired",
        ResponseError::Confirmation(_) => "no-bearer-confirmation",
        ResponseError::Recipient(_) => "wrong-recipient",
        ResponseError::UnknownRequest(_) => "unknown-in-response-to",
        ResponseError::Replayed(_) => "replayed",
        ResponseError::Full(_) => "store-full",
    }
}

fn device_of(binding: &DeviceBinding) -> Option<String> {
    match binding {
        DeviceBinding::Certificate { device_id } | DeviceBinding::AppTunnel { device_id, .. } => {
            Some(device_id.clone())
        }
        DeviceBinding::Unidentified => None,
    }
}

impl Federation {
    /// Describes the refusal of an SP request `incoming` (see [`Federation::on_sp_request`]):
    /// its pairing is the one whose SP its Issuer names, if any.
    pub fn sp_request_refusal(&self, incoming: Incoming<'_>, binding: &DeviceBinding, error: FlowError) -> Refusal {
        let pairing = match &error {
            FlowError::Request(
                SpRequestError::Binding(_)
                | SpRequestError::Xml(_)
                | SpRequestError::NotAuthnRequest(_)
                | SpRequestError::UnknownSp(_),
            ) => None,
            _ => self.issuer_pairing(incoming),
        };
        Refusal { pairing, device_id: device_of(binding), error }
    }

    /// Describes the refusal of the IdP's Response `body` (see
    /// [`Federation::on_idp_response`]): its pairing is that of the pending sign-in its
    /// InResponseTo names, if one is still pending.
    pub fn idp_response_refusal(
        &self,
        body: &[u8],
        binding: &DeviceBinding,
        error: FlowError,
        now: DateTime<Utc>,
    ) -> Refusal {
        let pairing = match &error {
            FlowError::PairingGone(pairing) | FlowError::OtherPairing { claimed: pairing, .. } => Some(pairing.clone()),
            _ => claimed_request(body).ok().and_then(|id| self.pending.get(&id, now).map(|p| p.pairing.clone())),
        };
        Refusal { pairing, device_id: device_of(binding), error }
    }

    fn issuer_pairing(&self, incoming: Incoming<'_>) -> Option<String> {
        let message = match incoming {
            Incoming::Redirect(query) => binding::decode_redirect(query, "SAMLRequest", REQUEST_LIMITS.max_bytes),
            Incoming::Post(body) => binding::decode_post(body, "SAMLRequest", REQUEST_LIMITS.max_bytes),
        }
        .ok()?;
        let (text, _) = check_xml(&message.xml, REQUEST_LIMITS).ok()?;
        let request: AuthnRequest = text.parse().ok()?;
        let issuer = request.issuer?.value?;
        let config = self.set.pairings().iter().find(|config| config.pairing.sp_entity_id == issuer)?;
        Some(config.pairing.name.clone())
    }
}

#[cfg(test)]
mod tests;
