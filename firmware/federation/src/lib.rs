//! SAML federation proxy core: Postern is the IdP a cloud service (SP) trusts and the SP
//! the real IdP trusts. Sans-IO: every function takes the time and the stores it needs;
//! XML signatures go through libxmlsec1 (samael), never through code of our own. A thin
//! hyper shell ([`shell::FederationService`]) serves it over the TLS front end.

pub mod access;
pub mod binding;
pub mod config;
pub mod config_file;
pub mod expiring;
pub mod flow;
pub mod idp_request;
pub mod idp_response;
pub mod logout;
pub mod metadata;
pub mod profile;
pub mod sessions;
pub mod shell;
pub mod signing;
pub mod sp_request;
pub mod sp_response;
pub mod xml_guard;

#[cfg(test)]
mod test_support;
