//! A configuration shared by the unit tests.

use crate::access::{Action, Rule};
use crate::config::{FederationConfig, LocalIdentity, Pairing};

pub(crate) const SP_ENTITY: &str = "https://sp.example/metadata";
pub(crate) const SP_ACS: &str = "https://sp.example/acs";
pub(crate) const IDP_ENTITY: &str = "https://idp.example/metadata";
pub(crate) const OUR_ACS: &str = "https://postern.example/saml/sp/acs";
pub(crate) const OUR_SP_ENTITY: &str = "https://postern.example/saml/sp";

/// A pairing and local identity; keys and certificates are filled in by tests that sign.
pub(crate) fn config() -> FederationConfig {
    FederationConfig {
        pairing: Pairing {
            name: "mail".into(),
            sp_entity_id: SP_ENTITY.into(),
            sp_acs_urls: vec![SP_ACS.into(), "https://sp.example/acs2".into()],
            idp_entity_id: IDP_ENTITY.into(),
            idp_sso_url: "https://idp.example/sso".into(),
            idp_signing_certs_der: vec![],
        },
        local: LocalIdentity {
            idp_entity_id: "https://postern.example/saml/idp".into(),
            idp_sso_url: "https://postern.example/saml/idp/sso".into(),
            sp_entity_id: OUR_SP_ENTITY.into(),
            acs_url: OUR_ACS.into(),
            signing_key_der: vec![],
            signing_cert_der: vec![],
        },
        rules: vec![],
        released_attributes: vec![],
    }
}

mod signer;
pub(crate) use signer::{IdpDoc, TestSigner};

/// A rule named `name` that matches every sign-in and takes `action`.
pub(crate) fn rule(name: &str, action: Action) -> Rule {
    Rule {
        name: name.into(),
        postures: vec![],
        platforms: vec![],
        apps: vec![],
        networks: vec![],
        groups: vec![],
        action,
    }
}
