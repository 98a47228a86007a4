//! Postern as the SP towards the real IdP: its own AuthnRequest (HTTP-Redirect binding),
//! remembered for the Response that answers it.

use crate::binding::encode_redirect;
use crate::config::FederationConfig;
use crate::expiring::{ExpiringStore, StoreFull};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use quick_xml::escape::escape;

/// How long the user has at the IdP before Postern's AuthnRequest is forgotten.
pub const PENDING_LIFETIME: TimeDelta = TimeDelta::minutes(10);
/// At most this many AuthnRequests wait for their Response at once.
pub const PENDING_CAPACITY: usize = 10_000;

/// Postern's AuthnRequests waiting for their Response, with what they were sent for.
pub type PendingRequests<P> = ExpiringStore<P>;

/// An empty store of pending requests with the documented bounds.
pub fn pending_requests<P>() -> PendingRequests<P> {
    ExpiringStore::new("pending sign-in", PENDING_CAPACITY)
}

/// Postern's AuthnRequest, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpRedirect {
    /// The request id the IdP's Response must answer (InResponseTo).
    pub request_id: String,
    /// The URL to send the browser to (the IdP's SSO URL with the encoded request).
    pub location: String,
}

/// Builds Postern's AuthnRequest to the pairing's IdP and remembers `sign_in` under its id.
pub fn start_idp_sign_in<P>(
    config: &FederationConfig,
    sign_in: P,
    pending: &mut PendingRequests<P>,
    now: DateTime<Utc>,
) -> Result<IdpRedirect, StoreFull> {
    let request_id = samael::crypto::gen_saml_response_id();
    let xml = authn_request_xml(config, &request_id, now);
    pending.insert(request_id.clone(), now + PENDING_LIFETIME, sign_in, now)?;
    let location = encode_redirect(&config.pairing.idp_sso_url, "SAMLRequest", &xml, None);
    tracing::debug!(request_id = %request_id, idp = %config.pairing.idp_entity_id, "AuthnRequest to the IdP");
    Ok(IdpRedirect { request_id, location })
}

fn authn_request_xml(config: &FederationConfig, id: &str, now: DateTime<Utc>) -> String {
    format!(
        concat!(
            r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" "#,
            r#"xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0" "#,
            r#"IssueInstant="{instant}" Destination="{destination}" AssertionConsumerServiceURL="{acs}" "#,
            r#"ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST">"#,
            r#"<saml:Issuer>{issuer}</saml:Issuer>"#,
            r#"<samlp:NameIDPolicy AllowCreate="true"/></samlp:AuthnRequest>"#
        ),
        id = escape(id),
        instant = now.to_rfc3339_opts(SecondsFormat::Secs, true),
        destination = escape(&config.pairing.idp_sso_url),
        acs = escape(&config.local.acs_url),
        issuer = escape(&config.local.sp_entity_id),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use crate::binding::decode_redirect;
    use crate::test_support::config;
    use samael::schema::AuthnRequest;

    #[test]
    fn the_request_goes_to_the_idp_and_is_remembered() {
        let config = config();
        let now = Utc::now();
        let mut pending = pending_requests();
        let redirect = start_idp_sign_in(&config, "sp-request", &mut pending, now).expect("room");
        let (base, query) = redirect.location.split_once('?').unwrap();
        assert_eq!(base, config.pairing.idp_sso_url);
        let message = decode_redirect(query, "SAMLRequest", 64 * 1024).expect("decodes");
        let request: AuthnRequest = std::str::from_utf8(&message.xml).unwrap().parse().expect("parses");
        assert_eq!(request.id, redirect.request_id);
        assert_eq!(request.issuer.and_then(|i| i.value).as_deref(), Some(config.local.sp_entity_id.as_str()));
        assert_eq!(request.assertion_consumer_service_url.as_deref(), Some(config.local.acs_url.as_str()));
        assert_eq!(request.destination.as_deref(), Some(config.pairing.idp_sso_url.as_str()));
        assert!(pending.contains(&redirect.request_id, now + PENDING_LIFETIME - TimeDelta::seconds(1)));
        assert!(!pending.contains(&redirect.request_id, now + PENDING_LIFETIME));
    }
}
