//! Each resource of API v1 as a [`UemConnector`] call.

use super::PosternApiConnector;
use super::timeouts::{FEED_ANSWER, LOOKUP_ANSWER, SMALL_ANSWER};
use super::transport::Call;
use crate::{Features, UemConnector, UemError, UemFuture};
use hyper::Method;
use postern_decision::{AppTunnelAnswer, EasRequest, UemDeviceId};
use postern_uem_api::{
    ACTIONS_PATH, AUTHORISE_PATH, AppId, AuthoriseRequest, AuthoriseResponse, CHANGES_PATH, ComplianceChanges, Cursor,
    DeviceLookup, InventoryEntry, LOOKUP_PATH, LookupQuery, MAX_INVENTORY_ENTRIES, MAX_INVENTORY_REQUEST_BYTES,
    MAX_WAIT_SECS, PollQuery, Registration, ServiceName, Settings, TunnelActions, decode, encode, inventory_path,
    register_path,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// The inventory push body, borrowing the entries (same shape as `InventoryReport`).
#[derive(Serialize)]
struct InventoryBody<'a> {
    entries: &'a [InventoryEntry],
    #[serde(skip_serializing_if = "Option::is_none")]
    hold_secs: Option<u32>,
}

impl PosternApiConnector {
    fn call(&self, method: Method, path: String, cap: usize) -> Call {
        Call { method, path, query: None, body: None, cap, deadline: self.transport.timeouts.request }
    }

    /// Sends a call and decodes its answer.
    async fn fetch<T: DeserializeOwned>(&self, call: Call) -> Result<T, UemError> {
        let endpoint = self.transport.endpoint(&call);
        let cap = call.cap;
        let bytes = self.transport.exchange(call).await?;
        decode(&bytes, cap).map_err(|e| UemError::BadAnswer { endpoint, reason: e.to_string() })
    }

    fn request_error(&self, call: &Call, reason: String) -> UemError {
        UemError::Request { endpoint: self.transport.endpoint(call), reason }
    }

    /// A feed pull: `wait` (at most 30 s, whole seconds) on top of the request deadline.
    fn poll(&self, path: &str, cursor: Option<&Cursor>, wait: Duration) -> Call {
        let wait_secs = u32::try_from(wait.as_secs()).unwrap_or(u32::MAX).min(MAX_WAIT_SECS);
        let query = PollQuery { cursor: cursor.cloned(), wait_secs };
        let mut call = self.call(Method::GET, path.to_owned(), FEED_ANSWER);
        call.query = Some(query.to_query_string());
        call.deadline += Duration::from_secs(u64::from(wait_secs));
        call
    }

    async fn register_now(&self) -> Result<Settings, UemError> {
        let call = self.call(Method::POST, register_path(&self.gateway), SMALL_ANSWER);
        let endpoint = self.transport.endpoint(&call);
        let registration: Registration = self.fetch(call).await?;
        if registration.gateway_id != self.gateway {
            return Err(UemError::BadAnswer {
                endpoint,
                reason: format!("registered gateway `{}` instead of `{}`", registration.gateway_id, self.gateway),
            });
        }
        Ok(registration.settings)
    }

    async fn authorise_now(
        &self,
        device: &UemDeviceId,
        app: &AppId,
        service: &ServiceName,
    ) -> Result<AppTunnelAnswer, UemError> {
        let mut call = self.call(Method::POST, AUTHORISE_PATH.to_owned(), SMALL_ANSWER);
        let question =
            AuthoriseRequest { uem_device_id: device.clone(), app_id: app.clone(), service: service.clone() };
        call.body = Some(encode(&question).map_err(|e| self.request_error(&call, e.to_string()))?);
        let answer: AuthoriseResponse = self.fetch(call).await?;
        Ok(answer.into())
    }

    async fn push_now(&self, entries: &[InventoryEntry]) -> Result<(), UemError> {
        let mut call = self.call(Method::PUT, inventory_path(&self.gateway), SMALL_ANSWER);
        if entries.len() > MAX_INVENTORY_ENTRIES {
            let reason = format!("{} inventory entries; API v1 carries at most {MAX_INVENTORY_ENTRIES}", entries.len());
            return Err(self.request_error(&call, reason));
        }
        let body = encode(&InventoryBody { entries, hold_secs: self.inventory_hold })
            .map_err(|e| self.request_error(&call, e.to_string()))?;
        if body.len() > MAX_INVENTORY_REQUEST_BYTES {
            let reason =
                format!("the inventory is {} bytes; API v1 carries at most {MAX_INVENTORY_REQUEST_BYTES}", body.len());
            return Err(self.request_error(&call, reason));
        }
        call.body = Some(body);
        self.transport.exchange(call).await.map(drop)
    }
}

impl UemConnector for PosternApiConnector {
    fn kind(&self) -> &'static str {
        "postern-api"
    }

    fn features(&self) -> Features {
        Features { tunnel_actions: true, inventory_push: true, long_poll: true }
    }

    fn register(&self) -> UemFuture<'_, Settings> {
        Box::pin(self.register_now())
    }

    fn lookup<'a>(&'a self, request: &'a EasRequest) -> UemFuture<'a, DeviceLookup> {
        let query = LookupQuery { activesync_id: Some(request.eas_device_id.clone()), user: request.user.clone() };
        let mut call = self.call(Method::GET, LOOKUP_PATH.to_owned(), LOOKUP_ANSWER);
        call.query = Some(query.to_query_string());
        Box::pin(self.fetch(call))
    }

    fn authorise_app<'a>(
        &'a self,
        device: &'a UemDeviceId,
        app: &'a AppId,
        service: &'a ServiceName,
    ) -> UemFuture<'a, AppTunnelAnswer> {
        Box::pin(self.authorise_now(device, app, service))
    }

    fn compliance_changes<'a>(
        &'a self,
        cursor: Option<&'a Cursor>,
        wait: Duration,
    ) -> UemFuture<'a, ComplianceChanges> {
        Box::pin(self.fetch(self.poll(CHANGES_PATH, cursor, wait)))
    }

    fn tunnel_actions<'a>(&'a self, cursor: Option<&'a Cursor>, wait: Duration) -> UemFuture<'a, TunnelActions> {
        Box::pin(self.fetch(self.poll(ACTIONS_PATH, cursor, wait)))
    }

    fn push_inventory<'a>(&'a self, entries: &'a [InventoryEntry]) -> UemFuture<'a, ()> {
        Box::pin(self.push_now(entries))
    }
}
