//! `[uem.connector]`: how the gateway reaches the UEM, chosen by `kind`.

use crate::checks;
use crate::static_uem::StaticConnector;
use crate::validation::Report;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Longest Entra ID tenant (a GUID or a domain name), in bytes.
pub const GRAPH_TENANT_MAX: usize = 253;
/// Longest application (client) id, in bytes.
pub const GRAPH_CLIENT_ID_MAX: usize = 128;

/// `[uem.connector]`: the UEM the gateway asks, selected by `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Connector {
    /// `kind = "static"`: a UEM written into the configuration (demos, tests, labs).
    Static(StaticConnector),
    /// `kind = "postern-api"`: a UEM speaking Postern's own check-in API.
    PosternApi(PosternApiConnector),
    /// `kind = "graph"`: Microsoft Intune through Microsoft Graph (configuration shape
    /// only for now).
    Graph(GraphConnector),
}

impl Default for Connector {
    fn default() -> Self {
        Connector::Static(StaticConnector::default())
    }
}

/// `kind = "postern-api"`: a UEM reached over Postern's check-in API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PosternApiConnector {
    /// Base URL of the UEM's API. Required; an https URL.
    pub url: String,
    /// PEM file of the certificate authorities that may sign the UEM's certificate. Must
    /// be absolute. Needed: the appliance trusts no public roots, so while it is absent
    /// the gateway treats the UEM as unreachable and says why in `show checkins`.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// File holding the bearer token this gateway presents to the UEM. Must be absolute.
    /// Needed: while it is absent the gateway treats the UEM as unreachable.
    #[serde(default)]
    pub gateway_credentials: Option<PathBuf>,
}

/// `kind = "graph"`: Microsoft Intune through Microsoft Graph, with the OAuth 2.0 client
/// credentials flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphConnector {
    /// The Entra ID tenant (GUID or domain). Required; 1 to 253 bytes, no control
    /// characters.
    pub tenant: String,
    /// The application (client) id. Required; 1 to 128 bytes, no control characters.
    pub client_id: String,
    /// File holding the client secret (never the secret itself). Required; absolute.
    pub client_secret_file: PathBuf,
    /// Token endpoint. Default: absent, meaning
    /// `https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token`. An https URL.
    #[serde(default)]
    pub token_url: Option<String>,
    /// Graph API base. Default: absent, meaning `https://graph.microsoft.com`. An https URL.
    #[serde(default)]
    pub graph_url: Option<String>,
    /// PEM file of the certificate authorities trusted for the token and Graph endpoints.
    /// Default: absent, and the system bundle is used. Must be absolute.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

impl Connector {
    pub(crate) fn check(&self, at: &str, report: &mut Report) {
        match self {
            Connector::Static(c) => c.check(at, report),
            Connector::PosternApi(c) => c.check(at, report),
            Connector::Graph(c) => c.check(at, report),
        }
    }
}

impl PosternApiConnector {
    fn check(&self, at: &str, report: &mut Report) {
        report.check(at, "url", checks::https_url(&self.url));
        if let Some(path) = &self.ca_file {
            report.check(at, "ca_file", checks::absolute_path(path));
        }
        if let Some(path) = &self.gateway_credentials {
            report.check(at, "gateway_credentials", checks::absolute_path(path));
        }
    }
}

impl GraphConnector {
    fn check(&self, at: &str, report: &mut Report) {
        report.check(at, "tenant", checks::text(&self.tenant, GRAPH_TENANT_MAX));
        report.check(at, "client_id", checks::text(&self.client_id, GRAPH_CLIENT_ID_MAX));
        report.check(at, "client_secret_file", checks::absolute_path(&self.client_secret_file));
        if let Some(url) = &self.token_url {
            report.check(at, "token_url", checks::https_url(url));
        }
        if let Some(url) = &self.graph_url {
            report.check(at, "graph_url", checks::https_url(url));
        }
        if let Some(path) = &self.ca_file {
            report.check(at, "ca_file", checks::absolute_path(path));
        }
    }
}
