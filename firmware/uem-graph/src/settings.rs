//! How the Graph connector is set up: where it signs in, where Graph is, whom it trusts,
//! and the bounds of every call.

use postern_config::GraphConnector as GraphConfig;
use std::path::PathBuf;
use std::time::Duration;

/// The Microsoft Graph base URL used when `uem.connector.graph_url` is absent.
pub const DEFAULT_GRAPH_URL: &str = "https://graph.microsoft.com";

/// The Microsoft identity platform token endpoint for `tenant` (used when
/// `uem.connector.token_url` is absent).
pub fn default_token_url(tenant: &str) -> String {
    format!("https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token")
}

/// Bounds on every Graph call: deadlines, sizes, pages and throttling retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct GraphLimits {
    /// Deadline of one HTTP exchange (connect, TLS, request, whole body). Default 15 s.
    pub request_timeout: Duration,
    /// Deadline of one connector call, all pages and retries included. Default 180 s.
    pub call_timeout: Duration,
    /// Largest Graph page body read; more is refused while streaming. Default 16 MiB.
    pub max_page_bytes: usize,
    /// Largest token endpoint answer read. Default 64 KiB.
    pub max_token_bytes: usize,
    /// Most pages one listing follows through `@odata.nextLink`. Default 200.
    pub max_pages: usize,
    /// Most devices one listing may hold (the size of a full snapshot). Default 50 000.
    pub max_devices: usize,
    /// How many 429/503 answers with `Retry-After` one call waits out before giving up
    /// with `Throttled`. Default 2.
    pub max_throttle_retries: u32,
    /// Longest `Retry-After` waited out inside a call; a longer one ends the call with
    /// `Throttled` at once. Default 10 s.
    pub max_inline_wait: Duration,
}

impl Default for GraphLimits {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(15),
            call_timeout: Duration::from_secs(180),
            max_page_bytes: 16 * 1024 * 1024,
            max_token_bytes: 64 * 1024,
            max_pages: 200,
            max_devices: postern_uem_api::MAX_CHANGES,
            max_throttle_retries: 2,
            max_inline_wait: Duration::from_secs(10),
        }
    }
}

/// Everything the Graph connector needs to run.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GraphSettings {
    /// The Entra ID tenant (GUID or domain).
    pub tenant: String,
    /// The application (client) id.
    pub client_id: String,
    /// The file holding the client secret; read again at every token refresh, so a
    /// rotated secret is picked up without a restart.
    pub client_secret_file: PathBuf,
    /// The token endpoint (client-credentials grant).
    pub token_url: String,
    /// The Graph base URL, without `/v1.0`.
    pub graph_url: String,
    /// PEM file of the certificate authorities trusted for both endpoints; absent means
    /// the system bundle.
    pub ca_file: Option<PathBuf>,
    /// Bounds of every call.
    pub limits: GraphLimits,
}

impl GraphSettings {
    /// Settings from `[uem.connector]` with `kind = "graph"`, filling in the Microsoft
    /// endpoints where the configuration leaves them out.
    pub fn from_config(config: &GraphConfig) -> Self {
        Self {
            tenant: config.tenant.clone(),
            client_id: config.client_id.clone(),
            client_secret_file: config.client_secret_file.clone(),
            token_url: config.token_url.clone().unwrap_or_else(|| default_token_url(&config.tenant)),
            graph_url: config.graph_url.clone().unwrap_or_else(|| DEFAULT_GRAPH_URL.to_owned()),
            ca_file: None,
            limits: GraphLimits::default(),
        }
    }

    /// The same settings trusting the certificate authorities in `ca_file` instead of the
    /// system bundle.
    #[must_use]
    pub fn with_ca_file(mut self, ca_file: PathBuf) -> Self {
        self.ca_file = Some(ca_file);
        self
    }

    /// The same settings with other bounds.
    #[must_use]
    pub fn with_limits(mut self, limits: GraphLimits) -> Self {
        self.limits = limits;
        self
    }
}
