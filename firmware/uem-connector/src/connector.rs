//! The interface every UEM connector implements.

use crate::error::UemError;
use postern_decision::{AppTunnelAnswer, EasRequest, UemDeviceId};
use postern_uem_api::{
    AppId, ComplianceChanges, Cursor, DeviceLookup, InventoryEntry, ServiceName, Settings, TunnelActions,
};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// The future a connector call returns (boxed, so connectors can be used as trait objects).
pub type UemFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, UemError>> + Send + 'a>>;

/// What a connector can do beyond the basics; the scheduler skips what is missing and
/// `show checkins` says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Features {
    /// The UEM keeps administrator actions on tunnels (S8, second check-in).
    pub tunnel_actions: bool,
    /// The UEM accepts the gateway's tunnel inventory (S8, third check-in).
    pub inventory_push: bool,
    /// The compliance pull can be held open until something changes (long-poll).
    pub long_poll: bool,
}

/// A UEM as the gateway uses it. Every call is bounded in time and in the size of what it
/// reads; a failure is a typed [`UemError`].
pub trait UemConnector: Send + Sync {
    /// The connector's kind, for logs and `show checkins` (`static`, `postern-api`, `graph`).
    fn kind(&self) -> &'static str;

    /// What this connector can do.
    fn features(&self) -> Features;

    /// Registers the gateway (or confirms its registration) and returns the settings the
    /// UEM provides: the new-device rule while unreachable (S3) and quarantine support.
    fn register(&self) -> UemFuture<'_, Settings>;

    /// Registered devices and unregistered tunnels that may match a first ActiveSync
    /// access (S1).
    fn lookup<'a>(&'a self, request: &'a EasRequest) -> UemFuture<'a, DeviceLookup>;

    /// Whether an app on a device may reach a service (S4).
    fn authorise_app<'a>(
        &'a self,
        device: &'a UemDeviceId,
        app: &'a AppId,
        service: &'a ServiceName,
    ) -> UemFuture<'a, AppTunnelAnswer>;

    /// Compliance changes since `cursor` (a full snapshot without one); with `wait`, the
    /// UEM may hold the request until something changes (long-poll).
    fn compliance_changes<'a>(&'a self, cursor: Option<&'a Cursor>, wait: Duration)
    -> UemFuture<'a, ComplianceChanges>;

    /// Administrator actions on tunnels since `cursor`.
    fn tunnel_actions<'a>(&'a self, cursor: Option<&'a Cursor>, wait: Duration) -> UemFuture<'a, TunnelActions>;

    /// Sends the gateway's tunnel inventory (ActiveSync and app), replacing the last one.
    fn push_inventory<'a>(&'a self, entries: &'a [InventoryEntry]) -> UemFuture<'a, ()>;
}
