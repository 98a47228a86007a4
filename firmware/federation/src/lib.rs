//! SAML federation proxy core.
