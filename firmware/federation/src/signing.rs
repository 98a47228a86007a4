//! Enveloped XML signatures made by libxmlsec1 (through samael): Postern writes only the
//! empty `<ds:Signature>` template; digests, canonicalisation and signing are the library's.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use samael::crypto::{Crypto, CryptoProvider};

/// Why signing failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("signing with libxmlsec1 failed: {0}")]
pub struct SignError(pub String);

/// An empty RSA-SHA256 / SHA-256 / exclusive-c14n signature template over the element
/// whose ID is `id`, carrying `cert_der` in its KeyInfo when given.
pub fn signature_template(id: &str, cert_der: Option<&[u8]>) -> String {
    let key_info = cert_der.map_or_else(
        || "<ds:X509Data/>".to_owned(),
        |der| format!("<ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data>", STANDARD.encode(der)),
    );
    format!(
        concat!(
            r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>"#,
            r#"<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#,
            r#"<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>"#,
            r##"<ds:Reference URI="#{id}"><ds:Transforms>"##,
            r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>"#,
            r#"<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>"#,
            r#"<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>"#,
            r#"<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/>"#,
            r#"<ds:KeyInfo>{key_info}</ds:KeyInfo></ds:Signature>"#
        ),
        id = id,
        key_info = key_info
    )
}

/// Signs the first signature template of `xml` with `key_der`; the result has no XML declaration.
pub fn sign_first_template(xml: &str, key_der: &[u8]) -> Result<String, SignError> {
    let signed = Crypto::sign_xml(xml, key_der).map_err(|error| SignError(error.to_string()))?;
    Ok(without_declaration(&signed).to_owned())
}

/// `xml` without a leading `<?xml …?>` declaration.
pub fn without_declaration(xml: &str) -> &str {
    let xml = xml.trim();
    match xml.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or(xml, |(_, body)| body.trim()),
        None => xml,
    }
}
