//! The stored form of a [`DeviceRecord`]: one version byte, then a postcard body whose
//! layout that version fixes.
//!
//! The enums of the decision core are stored as explicit codes defined here, so reordering
//! or adding variants there never changes what is on disk. A new format gets a new version
//! byte and a new body type; every older version keeps its decoder.

use crate::error::RecordError;
use crate::record::DeviceRecord;
use postern_decision::{DeviceIdentity, DeviceState, EasDeviceId, Platform, Provenance, UemDeviceId, UserId};
use serde::{Deserialize, Serialize};

/// The format version new records are written in.
pub const RECORD_FORMAT_VERSION: u8 = 1;

/// Version 1 body. Field order and types are frozen.
#[derive(Serialize, Deserialize)]
struct BodyV1<'a> {
    eas_device_id: Option<&'a str>,
    user: Option<&'a str>,
    uem_device_id: Option<&'a str>,
    platform: u8,
    state: u8,
    provenance: u8,
    first_seen_ms: u64,
    updated_ms: u64,
}

/// Encodes a record in the current format.
pub fn encode_record(record: &DeviceRecord) -> Result<Vec<u8>, RecordError> {
    let id = &record.identity;
    let body = BodyV1 {
        eas_device_id: id.eas_device_id.as_ref().map(EasDeviceId::as_str),
        user: id.user.as_ref().map(UserId::as_str),
        uem_device_id: id.uem_device_id.as_ref().map(UemDeviceId::as_str),
        platform: platform_code(id.platform)?,
        state: state_code(record.state)?,
        provenance: provenance_code(record.provenance)?,
        first_seen_ms: record.first_seen_ms,
        updated_ms: record.updated_ms,
    };
    let mut out = vec![RECORD_FORMAT_VERSION];
    let body = postcard::to_allocvec(&body).map_err(|e| RecordError::Encoding { reason: e.to_string() })?;
    out.extend_from_slice(&body);
    Ok(out)
}

/// Decodes a stored record of any known format version, validating every field.
pub fn decode_record(bytes: &[u8]) -> Result<DeviceRecord, RecordError> {
    match bytes.split_first() {
        None => Err(RecordError::Empty),
        Some((1, body)) => decode_v1(body),
        Some((&version, _)) => Err(RecordError::UnknownVersion { version }),
    }
}

fn decode_v1(body: &[u8]) -> Result<DeviceRecord, RecordError> {
    let malformed = |reason: String| RecordError::Malformed { version: 1, reason };
    let (b, rest): (BodyV1<'_>, _) = postcard::take_from_bytes(body).map_err(|e| malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(malformed(format!("{} trailing bytes", rest.len())));
    }
    Ok(DeviceRecord {
        identity: DeviceIdentity {
            eas_device_id: b.eas_device_id.map(EasDeviceId::new).transpose()?,
            user: b.user.map(UserId::new).transpose()?,
            uem_device_id: b.uem_device_id.map(UemDeviceId::new).transpose()?,
            platform: platform_from(b.platform)?,
        },
        state: state_from(b.state)?,
        provenance: provenance_from(b.provenance)?,
        first_seen_ms: b.first_seen_ms,
        updated_ms: b.updated_ms,
    })
}

fn unrepresentable(field: &'static str, value: impl core::fmt::Debug) -> RecordError {
    RecordError::Unrepresentable { field, value: format!("{value:?}") }
}

fn platform_code(p: Platform) -> Result<u8, RecordError> {
    Ok(match p {
        Platform::Other => 0,
        Platform::Ios => 1,
        Platform::Android => 2,
        Platform::Windows => 3,
        Platform::MacOs => 4,
        other => return Err(unrepresentable("platform", other)),
    })
}

fn platform_from(code: u8) -> Result<Platform, RecordError> {
    Ok(match code {
        0 => Platform::Other,
        1 => Platform::Ios,
        2 => Platform::Android,
        3 => Platform::Windows,
        4 => Platform::MacOs,
        code => {
            return Err(RecordError::BadCode { field: "platform", code });
        }
    })
}

fn state_code(s: DeviceState) -> Result<u8, RecordError> {
    Ok(match s {
        DeviceState::Unknown => 0,
        DeviceState::Allowed => 1,
        DeviceState::Blocked => 2,
        DeviceState::Quarantined => 3,
        DeviceState::Wiped => 4,
        other => return Err(unrepresentable("state", other)),
    })
}

fn state_from(code: u8) -> Result<DeviceState, RecordError> {
    Ok(match code {
        0 => DeviceState::Unknown,
        1 => DeviceState::Allowed,
        2 => DeviceState::Blocked,
        3 => DeviceState::Quarantined,
        4 => DeviceState::Wiped,
        code => {
            return Err(RecordError::BadCode { field: "state", code });
        }
    })
}

fn provenance_code(p: Provenance) -> Result<u8, RecordError> {
    Ok(match p {
        Provenance::Uem => 0,
        Provenance::OutageRule => 1,
        Provenance::OutageAppTunnel => 2,
        Provenance::Persisted => 3,
        Provenance::Operator => 4,
        other => return Err(unrepresentable("provenance", other)),
    })
}

fn provenance_from(code: u8) -> Result<Provenance, RecordError> {
    Ok(match code {
        0 => Provenance::Uem,
        1 => Provenance::OutageRule,
        2 => Provenance::OutageAppTunnel,
        3 => Provenance::Persisted,
        4 => Provenance::Operator,
        code => {
            return Err(RecordError::BadCode { field: "provenance", code });
        }
    })
}

#[cfg(test)]
#[path = "record_format_tests.rs"]
mod tests;
