//! SAML HTTP bindings: HTTP-Redirect (DEFLATE + base64 in the query) and HTTP-POST
//! (base64 in a form field), with bounded decoding.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use std::io::{Read as _, Write as _};

/// Longest RelayState accepted, in bytes (SAML bindings §3.4.3: MUST NOT exceed 80 bytes).
pub const MAX_RELAY_STATE: usize = 80;

/// A SAML message taken out of its binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundMessage {
    /// The XML of the message, not yet checked.
    pub xml: Vec<u8>,
    /// The RelayState that came with it, to return unchanged.
    pub relay_state: Option<String>,
}

/// Why a binding could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BindingError {
    /// The message parameter was missing.
    #[error("no {0} parameter")]
    Missing(&'static str),
    /// A parameter appeared more than once.
    #[error("{0} appears more than once")]
    Repeated(&'static str),
    /// The base64 did not decode.
    #[error("{0} is not valid base64")]
    Base64(&'static str),
    /// The DEFLATE stream did not inflate.
    #[error("SAMLRequest does not inflate: {0}")]
    Inflate(String),
    /// The message is larger than allowed (encoded or inflated).
    #[error("{field} is larger than {limit} bytes")]
    TooLarge {
        /// Which parameter.
        field: &'static str,
        /// The limit.
        limit: usize,
    },
    /// A signed Redirect binding (SigAlg/Signature) was sent; not supported.
    #[error("signed HTTP-Redirect requests are not supported")]
    SignedRedirect,
}

fn single(pairs: &[(String, String)], name: &'static str) -> Result<Option<String>, BindingError> {
    let mut found = pairs.iter().filter(|(key, _)| key == name);
    let first = found.next().map(|(_, value)| value.clone());
    if found.next().is_some() {
        return Err(BindingError::Repeated(name));
    }
    Ok(first)
}

fn relay_state(pairs: &[(String, String)]) -> Result<Option<String>, BindingError> {
    let relay = single(pairs, "RelayState")?;
    if relay.as_ref().is_some_and(|value| value.len() > MAX_RELAY_STATE) {
        return Err(BindingError::TooLarge { field: "RelayState", limit: MAX_RELAY_STATE });
    }
    Ok(relay)
}

fn decode_base64(value: &str, field: &'static str, limit: usize) -> Result<Vec<u8>, BindingError> {
    let compact: String = value.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.len() / 4 * 3 > limit {
        return Err(BindingError::TooLarge { field, limit });
    }
    STANDARD.decode(compact).map_err(|_| BindingError::Base64(field))
}

/// Decodes an HTTP-Redirect binding from the query string (without `?`); the inflated
/// XML is bounded by `limit` bytes.
pub fn decode_redirect(query: &str, field: &'static str, limit: usize) -> Result<BoundMessage, BindingError> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    if single(&pairs, "Signature")?.is_some() || single(&pairs, "SigAlg")?.is_some() {
        return Err(BindingError::SignedRedirect);
    }
    let encoded = single(&pairs, field)?.ok_or(BindingError::Missing(field))?;
    let deflated = decode_base64(&encoded, field, limit)?;
    let mut xml = Vec::new();
    DeflateDecoder::new(deflated.as_slice())
        .take(limit as u64 + 1)
        .read_to_end(&mut xml)
        .map_err(|error| BindingError::Inflate(error.to_string()))?;
    if xml.len() > limit {
        return Err(BindingError::TooLarge { field, limit });
    }
    Ok(BoundMessage { xml, relay_state: relay_state(&pairs)? })
}

/// Decodes an HTTP-POST binding from an `application/x-www-form-urlencoded` body.
pub fn decode_post(body: &[u8], field: &'static str, limit: usize) -> Result<BoundMessage, BindingError> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let encoded = single(&pairs, field)?.ok_or(BindingError::Missing(field))?;
    let xml = decode_base64(&encoded, field, limit)?;
    if xml.len() > limit {
        return Err(BindingError::TooLarge { field, limit });
    }
    Ok(BoundMessage { xml, relay_state: relay_state(&pairs)? })
}

/// Encodes `xml` for the HTTP-Redirect binding as a URL to `destination`.
pub fn encode_redirect(destination: &str, field: &str, xml: &str, relay_state: Option<&str>) -> String {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    // Writing to a Vec cannot fail.
    let deflated = encoder.write_all(xml.as_bytes()).and_then(|()| encoder.finish()).unwrap_or_default();
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair(field, &STANDARD.encode(deflated));
    if let Some(relay) = relay_state {
        query.append_pair("RelayState", relay);
    }
    let separator = if destination.contains('?') { '&' } else { '?' };
    format!("{destination}{separator}{}", query.finish())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn redirect_round_trips_with_its_relay_state() {
        let url = encode_redirect("https://idp.example/sso?x=1", "SAMLRequest", "<r/>", Some("back here"));
        let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let message = decode_redirect(query, "SAMLRequest", 1024).expect("decodes");
        assert_eq!(message.xml, b"<r/>");
        assert_eq!(message.relay_state.as_deref(), Some("back here"));
    }

    #[test]
    fn a_deflate_bomb_stops_at_the_limit() {
        let xml = "<r>".to_owned() + &" ".repeat(100_000) + "</r>";
        let url = encode_redirect("https://idp.example/sso", "SAMLRequest", &xml, None);
        let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
        assert_eq!(
            decode_redirect(query, "SAMLRequest", 1024).unwrap_err(),
            BindingError::TooLarge { field: "SAMLRequest", limit: 1024 }
        );
    }

    #[test]
    fn post_decodes_and_refuses_repeats_and_long_relay_states() {
        let body = format!("SAMLResponse={}&RelayState=abc", STANDARD.encode("<r/>"));
        let message = decode_post(body.as_bytes(), "SAMLResponse", 1024).expect("decodes");
        assert_eq!(message.xml, b"<r/>");
        let twice = format!("{body}&SAMLResponse=eA==");
        assert_eq!(
            decode_post(twice.as_bytes(), "SAMLResponse", 1024).unwrap_err(),
            BindingError::Repeated("SAMLResponse")
        );
        let long = format!("SAMLResponse=eA==&RelayState={}", "r".repeat(81));
        assert!(matches!(decode_post(long.as_bytes(), "SAMLResponse", 1024), Err(BindingError::TooLarge { .. })));
        assert_eq!(decode_post(b"x=1", "SAMLResponse", 1024).unwrap_err(), BindingError::Missing("SAMLResponse"));
        assert_eq!(
            decode_post(b"SAMLResponse=***", "SAMLResponse", 1024).unwrap_err(),
            BindingError::Base64("SAMLResponse")
        );
    }

    #[test]
    fn a_signed_redirect_is_refused_clearly() {
        assert_eq!(
            decode_redirect("SAMLRequest=eA%3D%3D&SigAlg=x&Signature=y", "SAMLRequest", 1024).unwrap_err(),
            BindingError::SignedRedirect
        );
    }
}
