//! Single Logout towards an SP (A5), sans-IO: a `LogoutRequest` for a session Postern
//! issued, signed RSA-SHA256 by libxmlsec1 with Postern's key and wrapped for the SOAP
//! binding, and the check of the SP's `LogoutResponse`.

use crate::config::LocalIdentity;
use crate::sessions::IssuedSession;
use crate::signing::{SignError, sign_first_template, signature_template};
use crate::xml_guard::{RESPONSE_LIMITS, XmlGuardError, check_xml};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use quick_xml::escape::escape;
use quick_xml::events::Event;

/// How long a LogoutRequest may be acted on.
pub const LOGOUT_REQUEST_LIFETIME: TimeDelta = TimeDelta::minutes(5);
/// The `Content-Type` of a SOAP 1.1 message.
pub const SOAP_CONTENT_TYPE: &str = "text/xml; charset=utf-8";

const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";

/// A signed LogoutRequest, ready to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutRequest {
    /// Its ID (the LogoutResponse's InResponseTo must name it).
    pub id: String,
    /// The SOAP envelope carrying it.
    pub soap: String,
}

/// Why an SP's LogoutResponse does not confirm the logout.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LogoutError {
    /// The answer is not acceptable XML.
    #[error("the answer is not acceptable XML: {0}")]
    Xml(#[from] XmlGuardError),
    /// The answer does not parse.
    #[error("the answer does not parse: {0}")]
    Parse(String),
    /// There is no LogoutResponse in it.
    #[error("the answer holds no LogoutResponse")]
    NoResponse,
    /// It answers another request.
    #[error("the LogoutResponse answers `{found}`, not this request `{expected}`")]
    OtherRequest {
        /// The request sent.
        expected: String,
        /// What its InResponseTo names.
        found: String,
    },
    /// Its top-level status is not Success.
    #[error("the SP answered status {0}")]
    Status(String),
}

fn instant(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Builds and signs a LogoutRequest from Postern (as the SP's IdP) for `session`, to the
/// SP's Single Logout service at `destination`.
pub fn logout_request(
    local: &LocalIdentity,
    session: &IssuedSession,
    destination: &str,
    now: DateTime<Utc>,
) -> Result<LogoutRequest, SignError> {
    let id = samael::crypto::gen_saml_response_id();
    let format = session.name_id_format.as_deref().map(|f| format!(r#" Format="{}""#, escape(f))).unwrap_or_default();
    let xml = format!(
        concat!(
            r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" "#,
            r#"xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0" "#,
            r#"IssueInstant="{now}" Destination="{destination}" NotOnOrAfter="{end}" "#,
            r#"Reason="urn:oasis:names:tc:SAML:2.0:logout:admin">"#,
            r#"<saml:Issuer>{issuer}</saml:Issuer>{signature}"#,
            r#"<saml:NameID{format}>{name}</saml:NameID>"#,
            r#"<samlp:SessionIndex>{index}</samlp:SessionIndex></samlp:LogoutRequest>"#
        ),
        id = id,
        now = instant(now),
        end = instant(now + LOGOUT_REQUEST_LIFETIME),
        destination = escape(destination),
        issuer = escape(&local.idp_entity_id),
        signature = signature_template(&id, Some(&local.signing_cert_der)),
        format = format,
        name = escape(&session.name_id),
        index = escape(&session.session_index),
    );
    let signed = sign_first_template(&xml, &local.signing_key_der)?;
    let soap = format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<soap11:Envelope xmlns:soap11="http://schemas.xmlsoap.org/soap/envelope/"><soap11:Body>"#,
            r#"{signed}</soap11:Body></soap11:Envelope>"#
        ),
        signed = signed
    );
    Ok(LogoutRequest { id, soap })
}

/// Checks the SP's answer to the LogoutRequest `request_id`: a bounded, plain XML document
/// (SOAP envelope or bare) whose LogoutResponse answers that request with status Success.
/// The answer's signature is not checked: it came back on the TLS connection Postern
/// opened to the SP's https URL.
pub fn check_logout_response(body: &[u8], request_id: &str) -> Result<(), LogoutError> {
    let (text, _) = check_xml(body, RESPONSE_LIMITS)?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut in_response_to = None;
    let mut status = None;
    let mut seen_response = false;
    loop {
        match reader.read_event().map_err(|e| LogoutError::Parse(e.to_string()))? {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.local_name();
                let attribute = |wanted: &[u8]| -> Result<Option<String>, LogoutError> {
                    for a in e.attributes() {
                        let a = a.map_err(|err| LogoutError::Parse(err.to_string()))?;
                        if a.key.local_name().as_ref() == wanted {
                            let value = a
                                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .map_err(|err| LogoutError::Parse(err.to_string()))?;
                            return Ok(Some(value.into_owned()));
                        }
                    }
                    Ok(None)
                };
                match name.as_ref() {
                    b"LogoutResponse" if !seen_response => {
                        seen_response = true;
                        in_response_to = attribute(b"InResponseTo")?;
                    }
                    // The first StatusCode is the top-level one; nested ones only refine it.
                    b"StatusCode" if seen_response && status.is_none() => status = attribute(b"Value")?,
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !seen_response {
        return Err(LogoutError::NoResponse);
    }
    let found = in_response_to.unwrap_or_default();
    if found != request_id {
        return Err(LogoutError::OtherRequest { expected: request_id.to_owned(), found });
    }
    match status {
        Some(value) if value == SUCCESS => Ok(()),
        Some(value) => Err(LogoutError::Status(value)),
        None => Err(LogoutError::Status("(none)".into())),
    }
}

#[cfg(test)]
mod tests;
