//! SAML metadata for Postern's two roles: the IdP the SP trusts, the SP the IdP trusts.

use crate::config::LocalIdentity;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use quick_xml::escape::escape;

const REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
const POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";

fn key_descriptor(cert_der: &[u8]) -> String {
    format!(
        concat!(
            r#"<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">"#,
            r#"<ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"#
        ),
        STANDARD.encode(cert_der)
    )
}

/// Metadata of Postern as IdP (for the cloud service): SSO over Redirect and POST, signing key.
pub fn idp_metadata(local: &LocalIdentity) -> String {
    let sso = escape(&local.idp_sso_url);
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity}">"#,
            r#"<md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">"#,
            r#"{key}<md:SingleSignOnService Binding="{REDIRECT}" Location="{sso}"/>"#,
            r#"<md:SingleSignOnService Binding="{POST}" Location="{sso}"/></md:IDPSSODescriptor></md:EntityDescriptor>"#
        ),
        entity = escape(&local.idp_entity_id),
        key = key_descriptor(&local.signing_cert_der),
        REDIRECT = REDIRECT,
        POST = POST,
        sso = sso,
    )
}

/// Metadata of Postern as SP (for the real IdP): its ACS over POST; it wants signed assertions.
pub fn sp_metadata(local: &LocalIdentity) -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity}">"#,
            r#"<md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true" "#,
            r#"protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{key}"#,
            r#"<md:AssertionConsumerService Binding="{POST}" Location="{acs}" index="0" isDefault="true"/>"#,
            r#"</md:SPSSODescriptor></md:EntityDescriptor>"#
        ),
        entity = escape(&local.sp_entity_id),
        key = key_descriptor(&local.signing_cert_der),
        POST = POST,
        acs = escape(&local.acs_url),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::config;

    #[test]
    fn metadata_names_the_endpoints_and_parses() {
        let local = config().local;
        let idp = idp_metadata(&local);
        assert!(idp.contains(r#"entityID="https://postern.example/saml/idp""#));
        assert!(idp.contains(r#"Location="https://postern.example/saml/idp/sso""#));
        let sp = sp_metadata(&local);
        assert!(sp.contains(r#"Location="https://postern.example/saml/sp/acs""#));
        for xml in [idp, sp] {
            let parsed: samael::metadata::EntityDescriptor = xml.parse().expect("valid metadata");
            assert!(parsed.entity_id.is_some());
        }
    }
}
