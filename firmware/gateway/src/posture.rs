//! Host Checker decisions meeting the access service (H4): which UEM device an
//! ActiveSync device is, posture refusals counted with the other decisions, and the
//! live connections of a device whose new assessment failed cut.

use crate::blocks::BlockTarget;
use crate::error::GatewayError;
use crate::gateway::{Cut, Gateway};
use postern_decision::{AccessKey, EasDeviceId, Reason, UemDeviceId};
use postern_device_cache::uem_tag;

impl Gateway {
    /// The UEM device id the device cache holds for ActiveSync device `eas`.
    pub fn uem_device_of(&self, eas: &EasDeviceId) -> Option<String> {
        let record = self.cache().record(&AccessKey::ActiveSync(eas.clone())).ok()??;
        record.identity.uem_device_id.map(|u| u.as_str().to_owned())
    }

    /// The user the device cache knows for UEM device `uem_device`: that of an
    /// ActiveSync device linked to it (the first found; none when no linked record names
    /// a user, or the id is not a valid UEM device id). Reads only the entries of that
    /// device's tag.
    pub fn user_of_uem_device(&self, uem_device: &str) -> Result<Option<String>, GatewayError> {
        let Ok(id) = UemDeviceId::new(uem_device) else { return Ok(None) };
        let entries = self.cache().entries_by_uem_tag(uem_tag(Some(&id)))?;
        Ok(entries.into_iter().find_map(|(key, record)| {
            let identity = record.identity;
            if !matches!(key, AccessKey::ActiveSync(_)) || identity.uem_device_id.as_ref() != Some(&id) {
                return None;
            }
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
