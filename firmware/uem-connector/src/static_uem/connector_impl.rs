//! The static UEM as a [`UemConnector`]: every answer comes from memory at once.

use super::StaticUem;
use super::devices::Device;
use super::feed;
use crate::{Features, UemConnector, UemError, UemFuture};
use postern_decision::{AppTunnelAnswer, EasRequest, UemDeviceId, UemStatus};
use postern_uem_api::{
    AppId, BoundedList, ComplianceChanges, Cursor, DeviceLookup, InventoryEntry, ServiceName, Settings, TunnelActions,
    WireDevice, WireTunnel,
};
use std::time::Duration;

const KIND: &str = "static";

fn ready<'a, T: Send + 'a>(result: Result<T, UemError>) -> UemFuture<'a, T> {
    Box::pin(std::future::ready(result))
}

fn unsupported<'a, T: Send + 'a>(what: &'static str) -> UemFuture<'a, T> {
    ready(Err(UemError::Unsupported { connector: KIND, what }))
}

/// Keeps the first `MAX` items, as a UEM caps its answer.
fn capped<T, const MAX: usize>(mut items: Vec<T>) -> BoundedList<T, MAX> {
    items.truncate(MAX);
    BoundedList::new(items).unwrap_or_default()
}

fn same_device(d: &WireDevice, request: &EasRequest) -> bool {
    d.activesync_id.as_ref() == Some(&request.eas_device_id)
}

fn same_user(d: &WireDevice, request: &EasRequest) -> bool {
    request.user.is_some() && d.user == request.user
}

impl StaticUem {
    fn answer_lookup(&self, request: &EasRequest) -> DeviceLookup {
        let state = self.read();
        let devices = &state.devices;
        // ActiveSync id matches first, so a cap never drops them for user matches.
        let registered: Vec<WireDevice> = devices
            .iter()
            .filter(|d| same_device(&d.wire, request))
            .chain(devices.iter().filter(|d| !same_device(&d.wire, request) && same_user(&d.wire, request)))
            .map(|d| d.wire.clone())
            .collect();
        let tunnels: Vec<WireTunnel> = devices
            .iter()
            .filter(|d| same_device(&d.wire, request) || same_user(&d.wire, request))
            .filter_map(|d| self.tunnel_elsewhere(d))
            .map(Into::into)
            .collect();
        DeviceLookup { registered: capped(registered), unregistered_tunnels: capped(tunnels) }
    }

    /// What [`UemConnector::authorise_app`] answers for any app and service on `device`:
    /// the device policy holds while its status lets it in (compliant, or non-compliant
    /// with an action that does not block); a static UEM has no traffic rules and no app
    /// list, so those checks pass. An unknown device fails the device and traffic checks.
    pub fn authorise(&self, device: &UemDeviceId) -> AppTunnelAnswer {
        let caps = self.capabilities();
        match self.status_of(device) {
            Some(status) => AppTunnelAnswer {
                device_policy_ok: permits(status, caps),
                traffic_rules_ok: true,
                app_authorised: true,
            },
            // Like any UEM: an unknown device fails the device and traffic checks.
            None => AppTunnelAnswer { device_policy_ok: false, traffic_rules_ok: false, app_authorised: true },
        }
    }

    fn answer_changes(&self, cursor: Option<&Cursor>) -> Result<ComplianceChanges, UemError> {
        let state = self.read();
        let Some(cursor) = cursor else {
            let all: Vec<_> = state.devices.iter().map(feed::change).collect();
            return Ok(ComplianceChanges {
                cursor: self.feed.cursor(state.version),
                full: true,
                more: false,
                changes: capped(all),
            });
        };
        let since = self
            .feed
            .position(cursor, state.version)
            .ok_or_else(|| UemError::CursorRefused { endpoint: "static UEM compliance feed".to_owned() })?;
        let devices: &[Device] = &state.devices;
        let (changes, upto, more) = feed::changes_since(devices, since, state.version);
        Ok(ComplianceChanges { cursor: self.feed.cursor(upto), full: false, more, changes: capped(changes) })
    }
}

/// Whether a status leaves the device's policy satisfied: compliant, or non-compliant
/// with an action that does not block.
fn permits(status: UemStatus, caps: postern_decision::UemCapabilities) -> bool {
    status.state(caps).permits()
}

impl UemConnector for StaticUem {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn features(&self) -> Features {
        Features { tunnel_actions: false, inventory_push: false, long_poll: false }
    }

    fn register(&self) -> UemFuture<'_, Settings> {
        ready(Ok(self.settings))
    }

    fn lookup<'a>(&'a self, request: &'a EasRequest) -> UemFuture<'a, DeviceLookup> {
        ready(Ok(self.answer_lookup(request)))
    }

    fn authorise_app<'a>(
        &'a self,
        device: &'a UemDeviceId,
        _app: &'a AppId,
        _service: &'a ServiceName,
    ) -> UemFuture<'a, AppTunnelAnswer> {
        ready(Ok(self.authorise(device)))
    }

    /// Answers at once: the static UEM does not hold a pull open (`wait` is ignored).
    fn compliance_changes<'a>(
        &'a self,
        cursor: Option<&'a Cursor>,
        _wait: Duration,
    ) -> UemFuture<'a, ComplianceChanges> {
        ready(self.answer_changes(cursor))
    }

    fn tunnel_actions<'a>(&'a self, _cursor: Option<&'a Cursor>, _wait: Duration) -> UemFuture<'a, TunnelActions> {
        unsupported("the tunnel-action feed")
    }

    fn push_inventory<'a>(&'a self, _entries: &'a [InventoryEntry]) -> UemFuture<'a, ()> {
        unsupported("the inventory push")
    }
}
