//! `GraphConnector`: Microsoft Intune, through Microsoft Graph, as a `UemConnector`.

use crate::client::GraphClient;
use crate::lookup::Lookup;
use crate::mapping::to_wire_device;
use crate::settings::GraphSettings;
use crate::setup_error::GraphSetupError;
use crate::snapshot::snapshot;
use crate::{query, wire::ManagedDevice};
use postern_decision::{AppTunnelAnswer, EasRequest, UemCapabilities, UemDeviceId, UemStatus};
use postern_uem_api::{
    AppId, ComplianceChanges, Cursor, DeviceLookup, InventoryEntry, ServiceName, Settings, TunnelActions, WireUemKind,
};
use postern_uem_connector::{Features, UemConnector, UemError, UemFuture};
use std::future::Future;
use std::time::Duration;

/// The connector kind, for logs and `show checkins`.
const KIND: &str = "graph";

/// Microsoft Intune through Microsoft Graph: compliance from `managedDevices`, with the
/// client-credentials flow. No tunnel actions, no inventory push, no long-poll.
pub struct GraphConnector {
    client: GraphClient,
    lookup: Lookup,
}

impl GraphConnector {
    /// A connector for these settings. Checks the URLs, loads the trusted certificate
    /// authorities and reads the secret file once; contacts nothing.
    pub fn new(settings: &GraphSettings) -> Result<Self, GraphSetupError> {
        Ok(Self { client: GraphClient::new(settings)?, lookup: Lookup::new() })
    }

    /// The settings Intune implies: no new-device rule (so the gateway blocks new devices
    /// while Intune is unreachable, S3), and quarantine meaningful because Exchange's
    /// `quarantined` state maps to the quarantine action.
    pub const fn settings() -> Settings {
        Settings { new_device_when_unreachable: None, supports_quarantine: true, kind: WireUemKind::Neurons }
    }

    async fn bounded<T>(&self, what: &str, call: impl Future<Output = Result<T, UemError>>) -> Result<T, UemError> {
        let after = self.client.limits().call_timeout;
        tokio::time::timeout(after, call)
            .await
            .unwrap_or_else(|_| Err(UemError::Timeout { endpoint: format!("Graph {what}"), after }))
    }

    async fn register_call(&self) -> Result<Settings, UemError> {
        // One small page proves the token, the tenant and the read permission.
        self.client.get(&self.client.url(&query::probe())?).await?;
        Ok(Self::settings())
    }

    async fn authorise_call(&self, device: &UemDeviceId) -> Result<AppTunnelAnswer, UemError> {
        let url = self.client.url(&query::device(device.as_str()))?;
        let policy_ok = match self.client.get(&url).await {
            Ok(body) => {
                let found: ManagedDevice = serde_json::from_slice(&body).map_err(|e| UemError::BadAnswer {
                    endpoint: url.display(),
                    reason: format!("not a managedDevice: {e}"),
                })?;
                to_wire_device(&found).is_some_and(|d| {
                    UemStatus::from(d.status)
                        .state(UemCapabilities::new(Self::settings().supports_quarantine))
                        .permits()
                })
            }
            // Not (or no longer) enrolled: retired, wiped or deleted.
            Err(UemError::Status { status: 404, .. }) => false,
            Err(e) => return Err(e),
        };
        Ok(AppTunnelAnswer { device_policy_ok: policy_ok, traffic_rules_ok: true, app_authorised: true })
    }

    async fn changes_call(&self) -> Result<ComplianceChanges, UemError> {
        let url = self.client.url(&query::all_devices())?;
        let devices = self.client.list(url.clone()).await?;
        snapshot(&devices).map_err(|reason| UemError::BadAnswer { endpoint: url.display(), reason })
    }
}

impl UemConnector for GraphConnector {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn features(&self) -> Features {
        Features { tunnel_actions: false, inventory_push: false, long_poll: false }
    }

    fn register(&self) -> UemFuture<'_, Settings> {
        Box::pin(self.bounded("register", self.register_call()))
    }

    fn lookup<'a>(&'a self, request: &'a EasRequest) -> UemFuture<'a, DeviceLookup> {
        Box::pin(self.bounded("lookup", self.lookup.run(&self.client, request)))
    }

    /// Intune has no per-app tunnel authorisation: the answer is the device's compliance;
    /// traffic rules and app authorisation are left to the gateway's own configuration.
    fn authorise_app<'a>(
        &'a self,
        device: &'a UemDeviceId,
        _app: &'a AppId,
        _service: &'a ServiceName,
    ) -> UemFuture<'a, AppTunnelAnswer> {
        Box::pin(self.bounded("authorise", self.authorise_call(device)))
    }

    /// Always a full snapshot (Graph has no change cursor for managed devices); the
    /// cursor and `wait` are not used.
    fn compliance_changes<'a>(
        &'a self,
        _cursor: Option<&'a Cursor>,
        _wait: Duration,
    ) -> UemFuture<'a, ComplianceChanges> {
        Box::pin(self.bounded("compliance", self.changes_call()))
    }

    fn tunnel_actions<'a>(&'a self, _cursor: Option<&'a Cursor>, _wait: Duration) -> UemFuture<'a, TunnelActions> {
        Box::pin(async { Err(UemError::Unsupported { connector: KIND, what: "tunnel actions" }) })
    }

    fn push_inventory<'a>(&'a self, _entries: &'a [InventoryEntry]) -> UemFuture<'a, ()> {
        Box::pin(async { Err(UemError::Unsupported { connector: KIND, what: "tunnel inventory push" }) })
    }
}
