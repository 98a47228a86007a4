//! Postern as the IdP towards the cloud service: its own Response with a fresh assertion,
//! signed by libxmlsec1 with Postern's key, delivered by an auto-submitting form.

use crate::config::FederationConfig;
use crate::idp_response::VerifiedUser;
use crate::signing::{SignError, sign_first_template, signature_template};
use crate::sp_request::SpRequest;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use quick_xml::escape::escape;

mod form;
pub use form::post_form;

/// How long Postern's assertion may be presented to the SP.
pub const ASSERTION_LIFETIME: TimeDelta = TimeDelta::minutes(5);

/// Postern's Response, ready to post to the SP's ACS URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpResponse {
    /// Where it goes (the ACS URL the SP's request named, one of the pairing's).
    pub acs_url: String,
    /// The signed Response XML.
    pub xml: String,
    /// The SP's RelayState, unchanged.
    pub relay_state: Option<String>,
}

impl SpResponse {
    /// The auto-submitting HTML form (with a button for browsers without scripts).
    pub fn html(&self) -> String {
        post_form(&self.acs_url, "SAMLResponse", &STANDARD.encode(&self.xml), self.relay_state.as_deref())
    }
}

/// Builds and signs Postern's Response to `request` for `user`; only the configured
/// attributes are released (all of the IdP's when none are configured).
pub fn issue(
    config: &FederationConfig,
    request: &SpRequest,
    user: &VerifiedUser,
    now: DateTime<Utc>,
) -> Result<SpResponse, SignError> {
    issue_session(config, request, user, now).map(|(response, _)| response)
}

/// As [`issue`], also returning the SessionIndex of the assertion (its id), which names
/// the SP's session in a later LogoutRequest.
pub fn issue_session(
    config: &FederationConfig,
    request: &SpRequest,
    user: &VerifiedUser,
    now: DateTime<Utc>,
) -> Result<(SpResponse, String), SignError> {
    let assertion_id = samael::crypto::gen_saml_assertion_id();
    let response_id = samael::crypto::gen_saml_response_id();
    let key = &config.local.signing_key_der;
    let cert = Some(config.local.signing_cert_der.as_slice());
    let assertion = sign_first_template(&assertion_xml(config, request, user, &assertion_id, now), key)?;
    let response =
        response_xml(config, request, &response_id, &signature_template(&response_id, cert), &assertion, now);
    let xml = sign_first_template(&response, key)?;
    tracing::info!(sp = %config.pairing.sp_entity_id, acs = %request.acs_url, response_id = %response_id, "Response issued");
    Ok((SpResponse { acs_url: request.acs_url.clone(), xml, relay_state: request.relay_state.clone() }, assertion_id))
}

fn instant(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn attributes(config: &FederationConfig, user: &VerifiedUser) -> String {
    let released = user.attributes.iter().filter(|a| {
        config.released_attributes.is_empty() || config.released_attributes.iter().any(|name| name == &a.name)
    });
    let mut xml = String::new();
    for attribute in released {
        let format =
            attribute.name_format.as_deref().map(|f| format!(r#" NameFormat="{}""#, escape(f))).unwrap_or_default();
        xml.push_str(&format!(r#"<saml:Attribute Name="{}"{format}>"#, escape(&attribute.name)));
        for value in &attribute.values {
            xml.push_str(&format!(
                r#"<saml:AttributeValue xsi:type="xs:string">{}</saml:AttributeValue>"#,
                escape(value)
            ));
        }
        xml.push_str("</saml:Attribute>");
    }
    if xml.is_empty() { xml } else { format!("<saml:AttributeStatement>{xml}</saml:AttributeStatement>") }
}

fn assertion_xml(
    config: &FederationConfig,
    request: &SpRequest,
    user: &VerifiedUser,
    id: &str,
    now: DateTime<Utc>,
) -> String {
    let format = user.name_id_format.as_deref().map(|f| format!(r#" Format="{}""#, escape(f))).unwrap_or_default();
    format!(
        concat!(
            r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" "#,
            r#"xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" "#,
            r#"ID="{id}" Version="2.0" IssueInstant="{now}"><saml:Issuer>{issuer}</saml:Issuer>{signature}"#,
            r#"<saml:Subject><saml:NameID{format}>{name}</saml:NameID>"#,
            r#"<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">"#,
            r#"<saml:SubjectConfirmationData InResponseTo="{irt}" NotOnOrAfter="{end}" Recipient="{acs}"/>"#,
            r#"</saml:SubjectConfirmation></saml:Subject>"#,
            r#"<saml:Conditions NotBefore="{now}" NotOnOrAfter="{end}"><saml:AudienceRestriction>"#,
            r#"<saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>"#,
            r#"<saml:AuthnStatement AuthnInstant="{now}" SessionIndex="{id}"><saml:AuthnContext>"#,
            r#"<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"#,
            r#"</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>{attributes}</saml:Assertion>"#
        ),
        id = id,
        now = instant(now),
        end = instant(now + ASSERTION_LIFETIME),
        issuer = escape(&config.local.idp_entity_id),
        signature = signature_template(id, Some(&config.local.signing_cert_der)),
        format = format,
        name = escape(&user.name_id),
        irt = escape(&request.id),
        acs = escape(&request.acs_url),
        audience = escape(&config.pairing.sp_entity_id),
        attributes = attributes(config, user),
    )
}

fn response_xml(
    config: &FederationConfig,
    request: &SpRequest,
    id: &str,
    signature: &str,
    assertion: &str,
    now: DateTime<Utc>,
) -> String {
    format!(
        concat!(
            r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" "#,
            r#"xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0" "#,
            r#"IssueInstant="{now}" Destination="{acs}" InResponseTo="{irt}">"#,
            r#"<saml:Issuer>{issuer}</saml:Issuer>{signature}<samlp:Status>"#,
            r#"<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>"#,
            r#"{assertion}</samlp:Response>"#
        ),
        id = id,
        now = instant(now),
        acs = escape(&request.acs_url),
        irt = escape(&request.id),
        issuer = escape(&config.local.idp_entity_id),
        signature = signature,
        assertion = assertion,
    )
}

#[cfg(test)]
mod tests;
