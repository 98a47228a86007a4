//! What a cache entry is keyed by, and the canonical bytes that key is stored under.
//!
//! A stored key is one kind byte followed by the key's fields. The kind byte also orders
//! the store: every AppTunnel key sorts after every ActiveSync key.

use crate::error::KeyError;
use postern_decision::{
    APP_ID_MAX, AccessKey, AppId, Channel, EasDeviceId, SERVICE_NAME_MAX, ServiceName, TunnelKey, UemDeviceId,
};
use serde::{Deserialize, Serialize};

/// Longest encoded key: kind byte plus three length-prefixed fields (two-byte lengths at most).
pub const ENCODED_KEY_MAX: usize =
    1 + (2 + postern_decision::UEM_DEVICE_ID_MAX) + (2 + APP_ID_MAX) + (2 + SERVICE_NAME_MAX);

/// Kind byte of an ActiveSync device key.
const KIND_ACTIVE_SYNC: u8 = 0x01;
/// Kind byte of an AppTunnel key.
const KIND_APP_TUNNEL: u8 = 0x02;

/// The stored form of a key, built on the stack so a lookup allocates nothing.
pub type EncodedKey = heapless::Vec<u8, ENCODED_KEY_MAX>;

/// Storing a key: its canonical bytes, and back.
pub trait StoredKey: Sized {
    /// The canonical bytes this key is stored and indexed under.
    fn encode(&self) -> Result<EncodedKey, KeyError>;
    /// Reads a key back from its stored bytes, validating every field.
    fn decode(bytes: &[u8]) -> Result<Self, KeyError>;
}

/// The kind byte every stored key of a channel starts with.
pub(crate) const fn tag(channel: Channel) -> u8 {
    match channel {
        Channel::ActiveSync => KIND_ACTIVE_SYNC,
        Channel::AppTunnel => KIND_APP_TUNNEL,
    }
}

/// The fields of an AppTunnel key as they are stored.
#[derive(Serialize, Deserialize)]
struct TunnelFields<'a> {
    uem_device_id: &'a str,
    app_id: &'a str,
    service: &'a str,
}

impl StoredKey for AccessKey {
    fn encode(&self) -> Result<EncodedKey, KeyError> {
        let mut out = EncodedKey::new();
        out.push(tag(self.channel())).map_err(|_| too_long())?;
        match self {
            AccessKey::ActiveSync(id) => {
                out.extend_from_slice(id.as_str().as_bytes()).map_err(|_| too_long())?;
            }
            AccessKey::AppTunnel(t) => {
                let fields = TunnelFields {
                    uem_device_id: t.uem_device_id.as_str(),
                    app_id: t.app_id.as_str(),
                    service: t.service.as_str(),
                };
                let mut buf = [0u8; ENCODED_KEY_MAX];
                let used =
                    postcard::to_slice(&fields, &mut buf).map_err(|e| KeyError::Encoding { reason: e.to_string() })?;
                out.extend_from_slice(used).map_err(|_| too_long())?;
            }
        }
        Ok(out)
    }

    fn decode(bytes: &[u8]) -> Result<Self, KeyError> {
        match bytes.split_first() {
            Some((&KIND_ACTIVE_SYNC, id)) => {
                let id = core::str::from_utf8(id).map_err(|_| KeyError::Malformed { len: bytes.len() })?;
                Ok(AccessKey::ActiveSync(EasDeviceId::new(id)?))
            }
            Some((&KIND_APP_TUNNEL, rest)) => {
                let fields: TunnelFields<'_> =
                    postcard::from_bytes(rest).map_err(|_| KeyError::Malformed { len: bytes.len() })?;
                Ok(AccessKey::AppTunnel(TunnelKey {
                    uem_device_id: UemDeviceId::new(fields.uem_device_id)?,
                    app_id: AppId::new(fields.app_id)?,
                    service: ServiceName::new(fields.service)?,
                }))
            }
            _ => Err(KeyError::Malformed { len: bytes.len() }),
        }
    }
}

fn too_long() -> KeyError {
    KeyError::TooLong { kind: "encoded key", len: ENCODED_KEY_MAX + 1, max: ENCODED_KEY_MAX }
}

/// Which kind a stored key is, from its first byte alone.
pub(crate) fn kind_of(bytes: &[u8]) -> Option<Channel> {
    match bytes.first() {
        Some(&KIND_ACTIVE_SYNC) => Some(Channel::ActiveSync),
        Some(&KIND_APP_TUNNEL) => Some(Channel::AppTunnel),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tunnel(uem: &str, app: &str, service: &str) -> AccessKey {
        AccessKey::AppTunnel(TunnelKey {
            uem_device_id: UemDeviceId::new(uem).expect("valid uem id"),
            app_id: AppId::new(app).expect("valid app id"),
            service: ServiceName::new(service).expect("valid service"),
        })
    }

    #[test]
    fn keys_round_trip_through_their_bytes() {
        let long = "u".repeat(postern_decision::UEM_DEVICE_ID_MAX);
        let app = "a".repeat(APP_ID_MAX);
        let service = "s".repeat(SERVICE_NAME_MAX);
        for key in [
            AccessKey::ActiveSync(EasDeviceId::new("ABC123").expect("valid id")),
            tunnel("dev-1", "com.example.mail", "intranet"),
            tunnel(&long, &app, &service),
        ] {
            let bytes = key.encode().expect("encodes");
            assert_eq!(AccessKey::decode(&bytes).expect("decodes"), key);
            assert_eq!(kind_of(&bytes), Some(key.channel()));
        }
    }

    #[test]
    fn stored_key_bytes_are_frozen() {
        let eas = AccessKey::ActiveSync(EasDeviceId::new("Ab1").expect("valid id"));
        assert_eq!(eas.encode().expect("encodes").as_slice(), b"\x01Ab1");
        let t = tunnel("d", "app", "svc");
        assert_eq!(t.encode().expect("encodes").as_slice(), b"\x02\x01d\x03app\x03svc");
    }

    #[test]
    fn malformed_key_bytes_are_refused() {
        for bad in [&b""[..], b"\x01", b"\x01a-b", b"\x03abc", b"\x02\x05ab", b"\x02\x00\x01a\x01s"] {
            assert!(AccessKey::decode(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn bounds_are_enforced() {
        assert!(AppId::new(&"a".repeat(APP_ID_MAX + 1)).is_err());
        assert!(ServiceName::new("").is_err());
        assert!(ServiceName::new("a\nb").is_err());
    }
}
