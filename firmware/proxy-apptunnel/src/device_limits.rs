//! How many connections one device may hold open at once.
//!
//! A device is the UEM device id its certificate names. Each connection of an identified
//! device takes a slot for its whole life (its HTTP requests and the tunnel a CONNECT
//! opened); a connection beyond the limit is answered `429` on every request and closed.

use postern_decision::UemDeviceId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The default for [`crate::AppTunnelConfig::max_connections_per_device`]: 64.
pub const DEFAULT_MAX_CONNECTIONS_PER_DEVICE: usize = 64;

/// Open connections per device.
#[derive(Debug)]
pub(crate) struct DeviceLimits {
    max: usize,
    open: Mutex<HashMap<UemDeviceId, usize>>,
}

/// One device connection's slot; dropping it frees the slot.
#[derive(Debug)]
pub(crate) struct DeviceSlot {
    limits: Arc<DeviceLimits>,
    device: UemDeviceId,
}

impl DeviceLimits {
    pub(crate) fn new(max: usize) -> Arc<Self> {
        Arc::new(Self { max, open: Mutex::new(HashMap::new()) })
    }

    fn map(&self) -> MutexGuard<'_, HashMap<UemDeviceId, usize>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A slot for `device`, or `None` when it already holds the maximum.
    pub(crate) fn try_take(self: &Arc<Self>, device: &UemDeviceId) -> Option<DeviceSlot> {
        let mut open = self.map();
        let count = open.entry(device.clone()).or_insert(0);
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(DeviceSlot { limits: self.clone(), device: device.clone() })
    }

    /// Connections `device` holds now.
    #[cfg(test)]
    pub(crate) fn open(&self, device: &UemDeviceId) -> usize {
        self.map().get(device).copied().unwrap_or(0)
    }
}

impl Drop for DeviceSlot {
    fn drop(&mut self) {
        let mut open = self.limits.map();
        if let Some(count) = open.get_mut(&self.device) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.device);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_holds_at_most_max_slots_and_freed_ones_are_reusable() -> Result<(), postern_decision::IdError> {
        let limits = DeviceLimits::new(2);
        let (a, b) = (UemDeviceId::new("dev-a")?, UemDeviceId::new("dev-b")?);
        let first = limits.try_take(&a);
        let second = limits.try_take(&a);
        assert!(first.is_some() && second.is_some());
        assert!(limits.try_take(&a).is_none(), "a third slot for the same device");
        assert!(limits.try_take(&b).is_some(), "another device is not affected");
        drop(first);
        assert_eq!(limits.open(&a), 1);
        assert!(limits.try_take(&a).is_some(), "a freed slot is reusable");
        drop(second);
        assert_eq!(limits.open(&a), 0);
        assert!(limits.map().is_empty(), "no entry is kept for a device without connections");
        Ok(())
    }
}
