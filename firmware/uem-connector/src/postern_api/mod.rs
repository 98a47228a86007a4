//! `kind = "postern-api"`: a UEM speaking Postern UEM API v1 over HTTPS.

mod answer;
mod body;
mod calls;
mod origin;
mod setup;
mod timeouts;
mod transport;

use crate::SetupError;
use origin::Origin;
use postern_config::PosternApiConnector as ApiConfig;
use postern_decision::GatewayId;
use std::fmt;
pub use timeouts::Timeouts;
use tokio_rustls::TlsConnector;
use transport::Transport;

/// A UEM reached over Postern UEM API v1: HTTPS only (TLS 1.2 or 1.3, trusting only the
/// configured CA bundle), the gateway's bearer token on every request, its gateway id in
/// the paths. Each request uses a fresh connection within [`Timeouts`], and every answer
/// is read with a size cap.
pub struct PosternApiConnector {
    gateway: GatewayId,
    transport: Transport,
    inventory_hold: Option<u32>,
}

impl PosternApiConnector {
    /// Builds the connector from `[uem.connector]` (kind `postern-api`) for the gateway
    /// `gateway`, reading the CA bundle (`ca_file`) and the bearer token
    /// (`gateway_credentials`, trimmed). Both are required: the appliance has no system
    /// trust store, and API v1 refuses a gateway without a token. Errors name the setting.
    pub fn from_config(config: &ApiConfig, gateway: &GatewayId) -> Result<Self, SetupError> {
        let origin = Origin::parse(&config.url).map_err(|reason| SetupError::Url {
            setting: "uem.connector.url".to_owned(),
            url: config.url.clone(),
            reason,
        })?;
        let ca_file = config.ca_file.as_deref().ok_or(SetupError::Missing {
            setting: setup::CA_FILE.to_owned(),
            why: "the gateway has no system trust store; name the PEM bundle of the \
                  certificate authorities that may sign the UEM's certificate",
        })?;
        let credentials = config.gateway_credentials.as_deref().ok_or(SetupError::Missing {
            setting: setup::CREDENTIALS.to_owned(),
            why: "the UEM identifies the gateway by the bearer token in this file",
        })?;
        let tls = setup::client_config(setup::load_roots(ca_file)?)?;
        let token = setup::load_token(credentials)?;
        Ok(Self {
            gateway: gateway.clone(),
            transport: Transport { origin, tls: TlsConnector::from(tls), token, timeouts: Timeouts::default() },
            inventory_hold: None,
        })
    }

    /// The same connector asking the UEM to hold this gateway's inventory for `secs`
    /// after each push (`hold_secs`, clamped to [`postern_uem_api::HOLD_SECS`]): if no
    /// push renews it in that time, the UEM lets the gateway's devices go elsewhere.
    #[must_use]
    pub fn with_inventory_hold(mut self, secs: u32) -> Self {
        let range = postern_uem_api::HOLD_SECS;
        self.inventory_hold = Some(secs.clamp(*range.start(), *range.end()));
        self
    }

    /// The same connector with other time limits.
    #[must_use]
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Self {
        self.transport.timeouts = timeouts;
        self
    }

    /// The time limits in force.
    pub fn timeouts(&self) -> Timeouts {
        self.transport.timeouts
    }

    /// The UEM's base URL, as requests use it.
    pub fn base_url(&self) -> String {
        self.transport.origin.base()
    }
}

impl fmt::Debug for PosternApiConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PosternApiConnector")
            .field("url", &self.base_url())
            .field("gateway", &self.gateway)
            .field("timeouts", &self.transport.timeouts)
            .finish_non_exhaustive()
    }
}
