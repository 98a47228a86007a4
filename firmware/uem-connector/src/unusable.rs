//! The connector used when the configured one cannot be built (a missing CA file, say):
//! every call fails as "unreachable" with the reason, so the outage rules apply and
//! `show checkins` tells the operator what to fix. The gateway keeps running.

use crate::connector::{Features, UemConnector, UemFuture};
use crate::error::UemError;
use postern_decision::{AppTunnelAnswer, EasRequest, UemDeviceId};
use postern_uem_api::{
    AppId, ComplianceChanges, Cursor, DeviceLookup, InventoryEntry, ServiceName, Settings, TunnelActions,
};
use std::time::Duration;

/// A connector that cannot reach anything, and says why.
pub struct Unusable {
    kind: &'static str,
    reason: String,
}

impl Unusable {
    /// A stand-in for the `kind` connector, which could not be built for `reason`.
    pub fn new(kind: &'static str, reason: impl Into<String>) -> Self {
        Self { kind, reason: reason.into() }
    }

    fn fail<'a, T: Send + 'a>(&'a self) -> UemFuture<'a, T> {
        Box::pin(
            async move { Err(UemError::Unreachable { endpoint: self.kind.to_owned(), reason: self.reason.clone() }) },
        )
    }
}

impl UemConnector for Unusable {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn features(&self) -> Features {
        Features { tunnel_actions: true, inventory_push: true, long_poll: false }
    }

    fn register(&self) -> UemFuture<'_, Settings> {
        self.fail()
    }

    fn lookup<'a>(&'a self, _: &'a EasRequest) -> UemFuture<'a, DeviceLookup> {
        self.fail()
    }

    fn authorise_app<'a>(
        &'a self,
        _: &'a UemDeviceId,
        _: &'a AppId,
        _: &'a ServiceName,
    ) -> UemFuture<'a, AppTunnelAnswer> {
        self.fail()
    }

    fn compliance_changes<'a>(&'a self, _: Option<&'a Cursor>, _: Duration) -> UemFuture<'a, ComplianceChanges> {
        self.fail()
    }

    fn tunnel_actions<'a>(&'a self, _: Option<&'a Cursor>, _: Duration) -> UemFuture<'a, TunnelActions> {
        self.fail()
    }

    fn push_inventory<'a>(&'a self, _: &'a [InventoryEntry]) -> UemFuture<'a, ()> {
        self.fail()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_call_is_an_outage_with_the_reason() {
        let uem = Unusable::new("postern-api", "uem.connector.ca_file is not set");
        let error = uem.register().await.expect_err("never answers");
        assert!(error.is_outage());
        assert!(error.to_string().contains("uem.connector.ca_file is not set"), "{error}");
    }
}
