//! `GET /api/v1/tunnels/actions`: administrator actions on tunnels since a cursor (S8).

use crate::limits::MAX_ACTIONS;
use crate::{AppId, BoundedList, Cursor, ServiceName};
use postern_decision::UemDeviceId;
use serde::{Deserialize, Serialize};

/// What the administrator did: `block` or `unblock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TunnelVerb {
    /// Cut and refuse the tunnel(s).
    Block,
    /// Lift an earlier block.
    Unblock,
}

/// Which tunnels of the device the action is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TunnelTarget {
    /// Every tunnel of the device (on the wire: no `app_id` and no `service`).
    AllTunnels,
    /// The tunnel of one app to one service.
    App {
        /// The app.
        app_id: AppId,
        /// The service.
        service: ServiceName,
    },
}

/// One administrator action. On the wire `app_id` and `service` come together or not at
/// all.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawAction", into = "RawAction")]
pub struct TunnelAction {
    /// Block or unblock.
    pub action: TunnelVerb,
    /// The device.
    pub uem_device_id: UemDeviceId,
    /// Which of its tunnels.
    pub target: TunnelTarget,
}

#[derive(Serialize, Deserialize)]
struct RawAction {
    action: TunnelVerb,
    uem_device_id: UemDeviceId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    app_id: Option<AppId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    service: Option<ServiceName>,
}

/// `app_id` came without `service` or the other way round.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a tunnel action names both `app_id` and `service`, or neither")]
#[non_exhaustive]
pub struct HalfTarget;

impl TryFrom<RawAction> for TunnelAction {
    type Error = HalfTarget;
    fn try_from(r: RawAction) -> Result<Self, HalfTarget> {
        let target = match (r.app_id, r.service) {
            (None, None) => TunnelTarget::AllTunnels,
            (Some(app_id), Some(service)) => TunnelTarget::App { app_id, service },
            _ => return Err(HalfTarget),
        };
        Ok(TunnelAction { action: r.action, uem_device_id: r.uem_device_id, target })
    }
}

impl From<TunnelAction> for RawAction {
    fn from(a: TunnelAction) -> Self {
        let (app_id, service) = match a.target {
            TunnelTarget::AllTunnels => (None, None),
            TunnelTarget::App { app_id, service } => (Some(app_id), Some(service)),
        };
        RawAction { action: a.action, uem_device_id: a.uem_device_id, app_id, service }
    }
}

/// One page of the tunnel-action feed. A full snapshot lists every block in force as a
/// `block` action; tunnels it does not list are not blocked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TunnelActions {
    /// Where the next pull continues.
    pub cursor: Cursor,
    /// This is a full snapshot (no cursor was given).
    pub full: bool,
    /// More actions wait after `cursor`: pull again at once.
    #[serde(default)]
    pub more: bool,
    /// The actions, oldest first (at most 50 000; at most 1 000 on an incremental page).
    pub actions: BoundedList<TunnelAction, MAX_ACTIONS>,
}
