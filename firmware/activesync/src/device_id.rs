//! Device ids: the text form and the binary form of the base64 query.

use heapless::String;

use crate::{
    error::{Field, ParseError},
    limits::{MAX_DEVICE_ID_BINARY_LEN, MAX_DEVICE_ID_LEN},
    text,
};

/// Where a request's text device id came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DeviceIdSource {
    /// Sent as text: the plain query's `DeviceId`, or base64 device id bytes that are
    /// themselves 1–32 ASCII letters and digits (the spec's own example, `v140Device`).
    #[default]
    Text,
    /// Sent as binary bytes (such as a 16-byte GUID) in the base64 query; the text id is
    /// their upper-case hex, two characters per byte.
    BinaryHex,
}

/// A device id as text.
pub(crate) type DeviceId = String<MAX_DEVICE_ID_LEN>;

/// Checks a text device id (`1*32(ALPHA / DIGIT)`); `offset` locates it in errors.
pub(crate) fn text_id(value: &[u8], offset: usize) -> Result<DeviceId, ParseError> {
    let field = Field::DeviceId;
    if value.is_empty() {
        return Err(ParseError::Empty { field, offset });
    }
    if value.len() > MAX_DEVICE_ID_LEN {
        return Err(ParseError::TooLong { field, max: MAX_DEVICE_ID_LEN, offset });
    }
    let mut id = DeviceId::new();
    for &b in value {
        if !b.is_ascii_alphanumeric() {
            return Err(ParseError::InvalidCharacter { field, offset });
        }
        id.push(char::from(b)).map_err(|_| ParseError::TooLong { field, max: MAX_DEVICE_ID_LEN, offset })?;
    }
    Ok(id)
}

/// Maps the base64 form's device id bytes to text (see [`DeviceIdSource`]).
pub(crate) fn from_bytes(bytes: &[u8], decoded_offset: usize) -> Result<(DeviceId, DeviceIdSource), ParseError> {
    if text::is_alphanumeric(bytes) && bytes.len() <= MAX_DEVICE_ID_LEN {
        return text_id(bytes, decoded_offset).map(|id| (id, DeviceIdSource::Text));
    }
    if bytes.len() > MAX_DEVICE_ID_BINARY_LEN {
        return Err(ParseError::TooLong {
            field: Field::DeviceId,
            max: MAX_DEVICE_ID_BINARY_LEN,
            offset: decoded_offset,
        });
    }
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut id = DeviceId::new();
    for &b in bytes {
        for nibble in [b >> 4, b & 0x0f] {
            let digit = HEX.get(usize::from(nibble)).copied().unwrap_or(b'0');
            id.push(char::from(digit)).map_err(|_| ParseError::TooLong {
                field: Field::DeviceId,
                max: MAX_DEVICE_ID_BINARY_LEN,
                offset: decoded_offset,
            })?;
        }
    }
    Ok((id, DeviceIdSource::BinaryHex))
}
