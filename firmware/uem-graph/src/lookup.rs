//! S1 for Intune: the managed devices that may be the one behind an ActiveSync request,
//! found by `easDeviceId` and by `userPrincipalName`.
//!
//! Graph is asked with `$filter` first. Graph documents `$filter` support on
//! `managedDevice` only loosely; if it refuses the filter (400), the connector lists
//! every device and matches locally from then on (ASCII case-insensitively, as Graph's
//! `eq` does), which is slower but gives the same answer.

use crate::client::GraphClient;
use crate::mapping::to_wire_device;
use crate::query;
use crate::wire::ManagedDevice;
use postern_decision::EasRequest;
use postern_uem_api::{BoundedList, DeviceLookup, MAX_REGISTERED_MATCHES};
use postern_uem_connector::UemError;
use std::sync::atomic::{AtomicBool, Ordering};

/// Finds the candidates for a request.
pub(crate) struct Lookup {
    filter_refused: AtomicBool,
}

fn same(a: Option<&str>, b: &str) -> bool {
    a.is_some_and(|a| a.eq_ignore_ascii_case(b))
}

impl Lookup {
    pub(crate) fn new() -> Self {
        Self { filter_refused: AtomicBool::new(false) }
    }

    /// The registered devices that may match `request` (ActiveSync id matches first); no
    /// unregistered tunnels, which Intune does not know of.
    pub(crate) async fn run(&self, client: &GraphClient, request: &EasRequest) -> Result<DeviceLookup, UemError> {
        let eas = request.eas_device_id.as_str();
        let user = request.user.as_ref().map(|u| u.as_str());
        let found = match self.filtered(client, eas, user).await {
            Err(UemError::Status { status: 400, message, .. }) => {
                tracing::warn!(%message, "Graph refused a managedDevices $filter; matching locally from now on");
                self.filter_refused.store(true, Ordering::Relaxed);
                self.scanned(client, eas, user).await?
            }
            other => other?,
        };
        let mut registered = Vec::new();
        for device in found.iter().filter_map(to_wire_device) {
            if registered.iter().any(|d: &postern_uem_api::WireDevice| d.uem_device_id == device.uem_device_id) {
                continue;
            }
            if registered.len() == MAX_REGISTERED_MATCHES {
                tracing::warn!(
                    max = MAX_REGISTERED_MATCHES,
                    "more managed devices match than a lookup holds; the rest are left out"
                );
                break;
            }
            registered.push(device);
        }
        Ok(DeviceLookup {
            registered: BoundedList::new(registered).map_err(|e| UemError::BadAnswer {
                endpoint: "managedDevices lookup".to_owned(),
                reason: e.to_string(),
            })?,
            unregistered_tunnels: BoundedList::empty(),
        })
    }

    async fn filtered(
        &self,
        client: &GraphClient,
        eas: &str,
        user: Option<&str>,
    ) -> Result<Vec<ManagedDevice>, UemError> {
        if self.filter_refused.load(Ordering::Relaxed) {
            return self.scanned(client, eas, user).await;
        }
        let mut found = client.list(client.url(&query::devices_where("easDeviceId", eas))?).await?;
        if let Some(user) = user {
            found.extend(client.list(client.url(&query::devices_where("userPrincipalName", user))?).await?);
        }
        Ok(found)
    }

    async fn scanned(
        &self,
        client: &GraphClient,
        eas: &str,
        user: Option<&str>,
    ) -> Result<Vec<ManagedDevice>, UemError> {
        let all = client.list(client.url(&query::all_devices())?).await?;
        let (mut by_eas, by_user): (Vec<_>, Vec<_>) = all
            .into_iter()
            .filter(|d| {
                same(d.eas_device_id.as_deref(), eas) || user.is_some_and(|u| same(d.user_principal_name.as_deref(), u))
            })
            .partition(|d| same(d.eas_device_id.as_deref(), eas));
        by_eas.extend(by_user);
        Ok(by_eas)
    }
}
