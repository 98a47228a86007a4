//! Which device a client certificate identifies.
//!
//! The rule: the UEM device id is taken from a subjectAltName URI
//! `urn:postern:uem-device:<id>` (the first such URI). A certificate without one is
//! refused, unless the operator turned on the common-name fallback
//! (`apptunnel.identity_from_common_name`), when its subject common name is the id. A
//! certificate naming no device, with an id the UEM could not have issued (empty, too
//! long, control characters), or that does not parse is refused.

use postern_decision::UemDeviceId;
use rustls::pki_types::CertificateDer;
use x509_parser::extensions::GeneralName;

/// The subjectAltName URI prefix that carries the UEM device id.
pub const DEVICE_URI_PREFIX: &str = "urn:postern:uem-device:";

/// Why a client certificate does not identify a device.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// No certificate was presented.
    #[error("no client certificate")]
    NoCertificate,
    /// The certificate could not be parsed.
    #[error("client certificate does not parse: {0}")]
    Unparseable(String),
    /// Neither a device URI nor a subject common name.
    #[error("client certificate names no device (no {DEVICE_URI_PREFIX} URI, no common name)")]
    NoDeviceName,
    /// No device URI, and the common-name fallback is off.
    #[error(
        "client certificate has no {DEVICE_URI_PREFIX} URI (the common name is not used: apptunnel.identity_from_common_name is off)"
    )]
    NoDeviceUri,
    /// The name found is not a valid UEM device id.
    #[error("client certificate names device {name:?}, not a valid UEM device id: {detail}")]
    InvalidId {
        /// The name found.
        name: String,
        /// Why it is not valid.
        detail: String,
    },
}

impl IdentityError {
    /// A short stable code for the `X-Postern-Reason` header and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoCertificate => "device-certificate-missing",
            Self::Unparseable(_) => "device-certificate-unparseable",
            Self::NoDeviceName | Self::NoDeviceUri => "device-identity-missing",
            Self::InvalidId { .. } => "device-identity-invalid",
        }
    }
}

/// The UEM device id named by a (verified) client certificate, by the rule above;
/// `common_name_fallback` turns the fallback to the subject common name on.
pub fn device_identity(
    cert: Option<&CertificateDer<'_>>,
    common_name_fallback: bool,
) -> Result<UemDeviceId, IdentityError> {
    let der = cert.ok_or(IdentityError::NoCertificate)?;
    let (_, parsed) =
        x509_parser::parse_x509_certificate(der.as_ref()).map_err(|e| IdentityError::Unparseable(e.to_string()))?;
    let san = parsed.subject_alternative_name().map_err(|e| IdentityError::Unparseable(e.to_string()))?;
    let from_uri = san.and_then(|ext| {
        ext.value.general_names.iter().find_map(|name| match name {
            GeneralName::URI(uri) => uri.strip_prefix(DEVICE_URI_PREFIX),
            _ => None,
        })
    });
    let name = match from_uri {
        Some(id) => id.to_owned(),
        None if !common_name_fallback => return Err(IdentityError::NoDeviceUri),
        None => parsed
            .subject()
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .ok_or(IdentityError::NoDeviceName)?
            .to_owned(),
    };
    UemDeviceId::new(&name).map_err(|e| IdentityError::InvalidId { detail: e.to_string(), name })
}
