//! The static UEM's compliance feed: cursors derived from the configuration, so a
//! configuration with other devices refuses older cursors and the gateway resyncs in full.
//!
//! A cursor is `s<digest>` while every status is as configured, and
//! `s<digest>-<instance>-<version>` once [`super::StaticUem::set_status`] has changed one:
//! the digest covers the configured devices and settings, the instance is random per
//! [`super::StaticUem`], the version counts status changes.

use super::devices::Device;
use postern_config::StaticConnector;
use postern_decision::GatewayId;
use postern_uem_api::{ComplianceChange, Cursor, MAX_PAGE};
use std::hash::BuildHasher;

/// What identifies one life of a static UEM's feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FeedId {
    digest: u64,
    instance: u64,
}

impl FeedId {
    /// The feed of this configuration, with a fresh instance number.
    pub(super) fn new(config: &StaticConnector, gateway: &GatewayId) -> Self {
        Self {
            digest: digest(config, gateway),
            instance: std::collections::hash_map::RandomState::new().hash_one(gateway),
        }
    }

    /// The cursor that continues after `version`.
    pub(super) fn cursor(&self, version: u64) -> Cursor {
        let text = if version == 0 {
            format!("s{:016x}", self.digest)
        } else {
            format!("s{:016x}-{:016x}-{version}", self.digest, self.instance)
        };
        // 17 to 55 characters of `s`, hex digits, `-` and decimal digits, whatever the
        // numbers: always a valid cursor.
        #[allow(clippy::expect_used, reason = "the format above always yields a cursor")]
        Cursor::new(&text).expect("a static cursor is 17 to 55 cursor characters")
    }

    /// The version a cursor continues after, if it is one of this feed's and not ahead of
    /// `current`.
    pub(super) fn position(&self, cursor: &Cursor, current: u64) -> Option<u64> {
        let rest = cursor.as_str().strip_prefix('s')?;
        let mut parts = rest.split('-');
        let digest = u64::from_str_radix(parts.next()?, 16).ok()?;
        if digest != self.digest {
            return None;
        }
        let version = match (parts.next(), parts.next(), parts.next()) {
            (None, _, _) => 0,
            (Some(instance), Some(version), None) => {
                if u64::from_str_radix(instance, 16).ok()? != self.instance {
                    return None;
                }
                version.parse().ok()?
            }
            _ => return None,
        };
        (version <= current).then_some(version)
    }
}

/// The changes after `since`, oldest first, at most one page; and whether more wait.
/// Returns the version the next cursor continues after.
pub(super) fn changes_since(devices: &[Device], since: u64, current: u64) -> (Vec<ComplianceChange>, u64, bool) {
    let mut changed: Vec<&Device> = devices.iter().filter(|d| d.changed_at > since).collect();
    changed.sort_by_key(|d| d.changed_at);
    let more = changed.len() > MAX_PAGE;
    changed.truncate(MAX_PAGE);
    let upto = match changed.last() {
        Some(last) if more => last.changed_at,
        _ => current,
    };
    (changed.into_iter().map(change).collect(), upto, more)
}

/// A device's status as a compliance change.
pub(super) fn change(d: &Device) -> ComplianceChange {
    ComplianceChange {
        uem_device_id: d.wire.uem_device_id.clone(),
        activesync_id: d.wire.activesync_id.clone(),
        user: d.wire.user.clone(),
        status: d.wire.status,
    }
}

/// FNV-1a over the configuration's devices and settings and the gateway id: stable
/// across builds, so a cursor survives a restart with the same configuration.
fn digest(config: &StaticConnector, gateway: &GatewayId) -> u64 {
    let mut text = String::new();
    text.push_str(gateway.as_str());
    let s = &config.settings;
    text.push_str(&format!("\u{1}{:?}\u{1}{}", s.new_device_when_unreachable, s.supports_quarantine));
    for d in &config.devices {
        text.push_str(&format!(
            "\u{1}{}\u{2}{}\u{2}{}\u{2}{:?}\u{2}{:?}\u{2}{:?}",
            d.activesync_id, d.user, d.uem_id, d.platform, d.state, d.allowed_on_gateway
        ));
    }
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}
