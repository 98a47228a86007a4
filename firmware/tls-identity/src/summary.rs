//! What a certificate says, as `show tls` prints it.

use crate::error::IdentityError;
use rustls::pki_types::CertificateDer;
use sha2::{Digest, Sha256};
use x509_parser::extensions::GeneralName;

/// The facts of one certificate an operator checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateSummary {
    /// The subject's distinguished name (`CN=postern`).
    pub subject: String,
    /// The issuer's distinguished name.
    pub issuer: String,
    /// The subject alternative names (`DNS:postern`, `IP:10.0.2.15`).
    pub names: Vec<String>,
    /// Valid from, UTC (`2025-01-31 12:00:00 UTC`).
    pub not_before: String,
    /// Valid until, UTC.
    pub not_after: String,
    /// SHA-256 of the DER certificate, as `openssl x509 -fingerprint -sha256` prints it.
    pub sha256: String,
}

/// The SHA-256 fingerprint of DER bytes: upper-case hex pairs joined by colons.
pub fn fingerprint(der: &[u8]) -> String {
    let digest = Sha256::digest(der);
    digest.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

fn utc(seconds: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(seconds) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => format!("{seconds} (Unix seconds)"),
    }
}

fn name(general: &GeneralName<'_>) -> String {
    match general {
        GeneralName::DNSName(dns) => format!("DNS:{dns}"),
        GeneralName::IPAddress(bytes) => match bytes.len() {
            4 => <[u8; 4]>::try_from(*bytes).map(|b| format!("IP:{}", std::net::Ipv4Addr::from(b))).unwrap_or_default(),
            16 => {
                <[u8; 16]>::try_from(*bytes).map(|b| format!("IP:{}", std::net::Ipv6Addr::from(b))).unwrap_or_default()
            }
            _ => "IP:?".into(),
        },
        GeneralName::URI(uri) => format!("URI:{uri}"),
        GeneralName::RFC822Name(mail) => format!("email:{mail}"),
        other => format!("{other:?}"),
    }
}

/// Summarises one DER certificate.
pub fn summarize(der: &CertificateDer<'_>) -> Result<CertificateSummary, IdentityError> {
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref())
        .map_err(|e| IdentityError::Certificate { index: 1, reason: e.to_string() })?;
    let names = match cert.subject_alternative_name() {
        Ok(Some(ext)) => ext.value.general_names.iter().map(name).collect(),
        Ok(None) => Vec::new(),
        Err(e) => return Err(IdentityError::Certificate { index: 1, reason: e.to_string() }),
    };
    Ok(CertificateSummary {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        names,
        not_before: utc(cert.validity().not_before.timestamp()),
        not_after: utc(cert.validity().not_after.timestamp()),
        sha256: fingerprint(der.as_ref()),
    })
}
