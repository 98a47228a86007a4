//! The base64-encoded query form (MS-ASHTTP 2.2.1.1.1.1): a byte sequence of fixed
//! fields followed by tagged command parameters, base64-encoded after the `?`.

use base64::{
    Engine as _, alphabet,
    engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig},
};
use heapless::{String, Vec};

use crate::{
    command::Command,
    device_id,
    error::{Field, ParseError},
    headers::ProtocolVersion,
    limits::{MAX_DECODED_QUERY_LEN, MAX_DEVICE_TYPE_LEN, MAX_PARAMETER_BYTES, MAX_QUERY_LEN, MAX_USER_LEN},
    parameters::{CommandOptions, ParameterName},
    percent,
    request::ActiveSyncRequest,
    text,
};

/// RFC 2045 alphabet; padding may be present or left out.
const ENGINE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

const TAG_OPTIONS: u8 = 7;
const TAG_USER: u8 = 8;

/// Decodes `query` (found at `base` in the target) and parses its fields into `req`.
///
/// `%2B`, `%2F` and `%3D` (any `%XX`) are undone first: some clients escape the
/// base64 characters that are special in URLs.
pub(crate) fn parse(query: &[u8], base: usize, req: &mut ActiveSyncRequest) -> Result<(), ParseError> {
    let mut unescaped = Vec::<u8, MAX_QUERY_LEN>::new();
    let escaped = query.contains(&b'%');
    let text = if escaped {
        percent::decode(query, false, &mut unescaped).map_err(|_| ParseError::InvalidBase64 { offset: base })?;
        unescaped.as_slice()
    } else {
        query
    };
    let mut bytes = [0u8; MAX_DECODED_QUERY_LEN];
    let len = ENGINE.decode_slice(text, &mut bytes).map_err(|e| {
        let at = match e {
            base64::DecodeSliceError::DecodeError(
                base64::DecodeError::InvalidByte(i, _) | base64::DecodeError::InvalidLastSymbol(i, _),
            ) if !escaped => i,
            _ => 0,
        };
        ParseError::InvalidBase64 { offset: base + at }
    })?;
    parse_bytes(bytes.get(..len).unwrap_or(&[]), req)
}

/// Parses the decoded byte sequence; offsets in errors are offsets into `bytes`.
pub(crate) fn parse_bytes(bytes: &[u8], req: &mut ActiveSyncRequest) -> Result<(), ParseError> {
    let mut r = Reader { bytes, pos: 0 };

    let value = r.byte(Field::ProtocolVersion)?;
    let version = ProtocolVersion::from_byte(value).ok_or(ParseError::UnknownProtocolVersionByte { value })?;
    if !version.allows_base64_query() {
        return Err(ParseError::Base64NotAllowed { version });
    }
    req.protocol_version = Some(version);

    let code = r.byte(Field::Command)?;
    req.command = Some(Command::from_code(code).ok_or(ParseError::UnknownCommandCode { code })?);

    let locale = r.take(2, Field::Locale)?;
    req.locale = Some(u16::from_le_bytes([locale[0], locale[1]]));

    let at = r.pos;
    let len = r.byte(Field::DeviceId)?;
    if len == 0 {
        return Err(ParseError::EmptyDeviceId);
    }
    let (id, source) = device_id::from_bytes(r.take_at(len, Field::DeviceId, at)?, at)?;
    req.device_id = Some(id);
    req.device_id_source = source;

    let at = r.pos;
    req.policy_key = match r.byte(Field::PolicyKey)? {
        0 => None,
        4 => {
            let k = r.take_at(4, Field::PolicyKey, at)?;
            Some(u32::from_le_bytes([k[0], k[1], k[2], k[3]]))
        }
        len => {
            return Err(ParseError::InvalidPolicyKeyLength { len, decoded_offset: at });
        }
    };

    let at = r.pos;
    let len = r.byte(Field::DeviceType)?;
    let device_type = r.take_at(len, Field::DeviceType, at)?;
    req.device_type = Some(device_type_text(device_type, at)?);

    let mut seen = 0u16;
    while !r.done() {
        let at = r.pos;
        let tag = r.byte(Field::Options)?;
        let field = tag_field(tag).ok_or(ParseError::UnknownParameterTag { tag, decoded_offset: at })?;
        let len = r.byte(field).map_err(|_| ParseError::Truncated { field, decoded_offset: at })?;
        let value = r.take_at(len, field, at)?;
        if seen & (1 << tag) != 0 {
            return Err(ParseError::DuplicateParameter { field, offset: at });
        }
        seen |= 1 << tag;
        apply_parameter(tag, field, value, at, req)?;
    }
    Ok(())
}

fn tag_field(tag: u8) -> Option<Field> {
    match tag {
        TAG_OPTIONS => Some(Field::Options),
        TAG_USER => Some(Field::User),
        _ => ParameterName::from_tag(tag).map(Field::Parameter),
    }
}

fn apply_parameter(
    tag: u8,
    field: Field,
    value: &[u8],
    at: usize,
    req: &mut ActiveSyncRequest,
) -> Result<(), ParseError> {
    match (tag, field) {
        (TAG_OPTIONS, _) => match value {
            [bits] => req.options = CommandOptions(*bits),
            _ => {
                let len = u8::try_from(value.len()).unwrap_or(u8::MAX);
                return Err(ParseError::InvalidOptionsLength { len, decoded_offset: at });
            }
        },
        (_, Field::Parameter(name)) => {
            let value = free_text(value, field, at)?;
            req.parameters
                .insert(name, value)
                .map_err(|_| ParseError::ParametersTooLong { max: MAX_PARAMETER_BYTES, offset: at })?;
        }
        _ => {
            if value.is_empty() {
                return Err(ParseError::Empty { field, offset: at });
            }
            let user = free_text(value, field, at)?;
            req.user.insert(String::new()).push_str(user).map_err(|_| ParseError::TooLong {
                field,
                max: MAX_USER_LEN,
                offset: at,
            })?;
        }
    }
    Ok(())
}

fn free_text(value: &[u8], field: Field, at: usize) -> Result<&str, ParseError> {
    core::str::from_utf8(value)
        .ok()
        .filter(|s| text::is_free_text(s))
        .ok_or(ParseError::InvalidCharacter { field, offset: at })
}

fn device_type_text(value: &[u8], at: usize) -> Result<String<MAX_DEVICE_TYPE_LEN>, ParseError> {
    let field = Field::DeviceType;
    if value.is_empty() {
        return Err(ParseError::Empty { field, offset: at });
    }
    if !text::is_visible_ascii(value) {
        return Err(ParseError::InvalidCharacter { field, offset: at });
    }
    let mut out = String::new();
    for &b in value {
        out.push(char::from(b)).map_err(|_| ParseError::TooLong { field, max: MAX_DEVICE_TYPE_LEN, offset: at })?;
    }
    Ok(out)
}

/// A cursor over the decoded bytes that reports where a field was cut short.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn done(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn byte(&mut self, field: Field) -> Result<u8, ParseError> {
        let b = self.bytes.get(self.pos).copied().ok_or(ParseError::Truncated { field, decoded_offset: self.pos })?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, len: usize, field: Field) -> Result<&'a [u8], ParseError> {
        let at = self.pos;
        self.take_len(len, field, at)
    }

    fn take_at(&mut self, len: u8, field: Field, at: usize) -> Result<&'a [u8], ParseError> {
        self.take_len(usize::from(len), field, at)
    }

    fn take_len(&mut self, len: usize, field: Field, at: usize) -> Result<&'a [u8], ParseError> {
        let slice =
            self.bytes.get(self.pos..self.pos + len).ok_or(ParseError::Truncated { field, decoded_offset: at })?;
        self.pos += len;
        Ok(slice)
    }
}
