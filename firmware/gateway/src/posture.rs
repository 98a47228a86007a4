//! Host Checker decisions meeting the access service (H4): which UEM device an
//! ActiveSync device is, posture refusals counted with the other decisions, and the
//! live connections of a device whose new assessment failed cut.

use crate::blocks::BlockTarget;
use crate::error::GatewayError;
use crate::gateway::{Cut, Gateway};
use postern_decision::{EasDeviceId, Reason};
use postern_device_cache::{CacheKey, KeyKind};

impl Gateway {
    /// The UEM device id the device cache holds for ActiveSync device `eas`.
    pub fn uem_device_of(&self, eas: &EasDeviceId) -> Option<String> {
        let record = self.cache().record(&CacheKey::ActiveSync(eas.clone())).ok()??;
        record.identity.uem_device_id.map(|u| u.as_str().to_owned())
    }

    /// The user the device cache knows for UEM device `uem_device`: that of an
    /// ActiveSync device linked to it (the first found; none when no linked record names
    /// a user). Walks the cache's ActiveSync records.
    pub fn user_of_uem_device(&self, uem_device: &str) -> Result<Option<String>, GatewayError> {
        let cache = self.cache();
        let capacity = cache.capacity().get() as usize;
        let entries = cache.entries(KeyKind::ActiveSync, capacity)?;
        Ok(entries.into_iter().find_map(|(_, record)| {
            let identity = record.identity;
            identity.uem_device_id.filter(|u| u.as_str() == uem_device)?;
            identity.user.map(|u| u.as_str().to_owned())
        }))
    }

    /// Counts a refusal a proxy made from posture under `postern_decisions_total`.
    pub fn count_posture_refusal(&self) {
        let _ = self.count(postern_decision::Decision::from_state(
            postern_decision::DeviceState::Blocked,
            Reason::PostureFailed,
            postern_decision::Provenance::Uem,
        ));
    }

    /// Cuts the live connections of every cache entry of UEM device `uem_device` (its
    /// ActiveSync devices and its AppTunnels): its new assessment failed a policy a
    /// resource requires. Returns how many entries were cut.
    pub fn cut_for_posture(&self, uem_device: &str) -> Result<usize, GatewayError> {
        let named = self.entries_named(&BlockTarget::device(uem_device)?)?;
        for (key, _) in &named {
            self.announce_cut(Cut { key: key.clone(), reason: Reason::PostureFailed });
        }
        Ok(named.len())
    }
}
