//! Helpers shared by the integration tests: building base64-form queries byte by byte.

#![allow(dead_code, unreachable_pub)]

use base64::Engine as _;

/// The fields of a base64-form byte sequence (MS-ASHTTP 2.2.1.1.1.1), to encode.
pub struct Binary<'a> {
    pub version: u8,
    pub command: u8,
    pub locale: u16,
    pub device_id: &'a [u8],
    pub policy_key: Option<u32>,
    pub device_type: &'a [u8],
    pub parameters: Vec<(u8, Vec<u8>)>,
}

impl Default for Binary<'_> {
    fn default() -> Self {
        Self {
            version: 141,
            command: 0,
            locale: 0x0409,
            device_id: b"ABCDEF0123",
            policy_key: None,
            device_type: b"iPhone",
            parameters: Vec::new(),
        }
    }
}

impl Binary<'_> {
    /// The raw byte sequence.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = vec![self.version, self.command];
        out.extend_from_slice(&self.locale.to_le_bytes());
        out.push(u8::try_from(self.device_id.len()).expect("device id fits a length byte"));
        out.extend_from_slice(self.device_id);
        match self.policy_key {
            Some(key) => {
                out.push(4);
                out.extend_from_slice(&key.to_le_bytes());
            }
            None => out.push(0),
        }
        out.push(u8::try_from(self.device_type.len()).expect("device type fits a length byte"));
        out.extend_from_slice(self.device_type);
        for (tag, value) in &self.parameters {
            out.push(*tag);
            out.push(u8::try_from(value.len()).expect("value fits a length byte"));
            out.extend_from_slice(value);
        }
        out
    }

    /// The request target carrying this sequence.
    pub fn target(&self) -> String {
        target_for(&self.bytes())
    }
}

/// `/Microsoft-Server-ActiveSync?<base64 of bytes>`.
pub fn target_for(bytes: &[u8]) -> String {
    format!("/Microsoft-Server-ActiveSync?{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}
