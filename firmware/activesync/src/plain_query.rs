//! The plain text query form (MS-ASHTTP 2.2.1.1.1.2): `Cmd=...&User=...&DeviceId=...`.
//!
//! Strict where the gateway's decision depends on it: the identity parameters (`Cmd`,
//! `User`, `DeviceId`, `DeviceType`), the listed command parameters and `PolicyKey` are
//! decoded, checked and may appear once. Liberal elsewhere: parameters MS-ASHTTP does not
//! list (real clients send some) are accepted when their name is a plain token and their
//! value decodes to text, bounded in count and size, and are left in the target, which
//! the proxy forwards unchanged.

use heapless::{String, Vec};

use crate::{
    command::Command,
    device_id,
    error::{Field, ParseError},
    headers::parse_policy_key,
    limits::{
        MAX_COMMAND_NAME_LEN, MAX_DEVICE_ID_LEN, MAX_OTHER_NAME_LEN, MAX_OTHER_PARAMETERS, MAX_OTHER_VALUE_LEN,
        MAX_PARAMETER_BYTES, MAX_PARAMETER_VALUE_LEN,
    },
    parameters::{CommandOptions, ParameterName},
    percent::{self, PercentError},
    request::ActiveSyncRequest,
    text,
};

/// A parameter name the plain form may carry.
#[derive(Clone, Copy)]
enum Key {
    Cmd,
    User,
    DeviceId,
    DeviceType,
    SaveInSent,
    Policy,
    Parameter(ParameterName),
}

impl Key {
    fn from_name(name: &[u8]) -> Option<Self> {
        const FIXED: [(&[u8], Key); 6] = [
            (b"Cmd", Key::Cmd),
            (b"User", Key::User),
            (b"DeviceId", Key::DeviceId),
            (b"DeviceType", Key::DeviceType),
            (b"SaveInSent", Key::SaveInSent),
            (b"PolicyKey", Key::Policy),
        ];
        FIXED
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, k)| *k)
            .or_else(|| ParameterName::from_name(name).map(Key::Parameter))
    }

    fn field(self) -> Field {
        match self {
            Key::Cmd => Field::Command,
            Key::User => Field::User,
            Key::DeviceId => Field::DeviceId,
            Key::DeviceType => Field::DeviceType,
            Key::SaveInSent => Field::SaveInSent,
            Key::Policy => Field::PolicyKey,
            Key::Parameter(p) => Field::Parameter(p),
        }
    }

    /// A distinct bit per key, to refuse repetitions.
    fn bit(self) -> u16 {
        match self {
            Key::Cmd => 1,
            Key::User => 1 << 1,
            Key::DeviceId => 1 << 2,
            Key::DeviceType => 1 << 3,
            Key::SaveInSent => 1 << 4,
            Key::Policy => 1 << 5,
            Key::Parameter(p) => 1 << (6 + p.tag()),
        }
    }
}

/// Parses `query` (found at `base` in the target) into `req`.
pub(crate) fn parse(query: &[u8], base: usize, req: &mut ActiveSyncRequest) -> Result<(), ParseError> {
    let mut seen = 0u16;
    let mut offset = base;
    for segment in query.split(|&b| b == b'&') {
        let start = offset;
        offset += segment.len() + 1;
        if segment.is_empty() {
            continue;
        }
        let eq = segment.iter().position(|&b| b == b'=').ok_or(ParseError::MalformedParameter { offset: start })?;
        let (name, value) = (&segment[..eq], &segment[eq + 1..]);
        let Some(key) = Key::from_name(name) else {
            other(name, value, start, req)?;
            continue;
        };
        if seen & key.bit() != 0 {
            return Err(ParseError::DuplicateParameter { field: key.field(), offset: start });
        }
        seen |= key.bit();
        apply(key, value, start + eq + 1, req)?;
    }
    Ok(())
}

/// A parameter MS-ASHTTP does not list: checked and counted, not kept (the target that
/// carries it is forwarded as received). Repeats are allowed: the gateway reads none.
fn other(name: &[u8], raw: &[u8], offset: usize, req: &mut ActiveSyncRequest) -> Result<(), ParseError> {
    // A token only: no `%` or `+`, so no server can decode the name into a listed one.
    let token = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
    if name.is_empty() || name.len() > MAX_OTHER_NAME_LEN || !name.iter().all(token) {
        return Err(ParseError::InvalidParameterName { offset, max: MAX_OTHER_NAME_LEN });
    }
    if usize::from(req.other_parameters) >= MAX_OTHER_PARAMETERS {
        return Err(ParseError::TooManyParameters { max: MAX_OTHER_PARAMETERS, offset });
    }
    let value_at = offset + name.len() + 1;
    if !raw.is_empty() {
        let mut value = String::<MAX_OTHER_VALUE_LEN>::new();
        decode_into(raw, Field::Other, value_at, &mut value)?;
        require_free_text(&value, Field::Other, value_at)?;
    }
    req.other_parameters += 1;
    Ok(())
}

fn apply(key: Key, raw: &[u8], offset: usize, req: &mut ActiveSyncRequest) -> Result<(), ParseError> {
    let field = key.field();
    match key {
        Key::Cmd => {
            let mut name = String::<MAX_COMMAND_NAME_LEN>::new();
            decode_into(raw, field, offset, &mut name).map_err(|e| unknown_command_if_too_long(e, offset))?;
            req.command = Some(Command::from_name(name.as_bytes()).ok_or(ParseError::UnknownCommand { offset })?);
        }
        Key::User => {
            let user = req.user.insert(String::new());
            decode_into(raw, field, offset, user)?;
            require_free_text(user, field, offset)?;
        }
        Key::DeviceId => {
            let mut id = String::<MAX_DEVICE_ID_LEN>::new();
            decode_into(raw, field, offset, &mut id)?;
            req.device_id = Some(device_id::text_id(id.as_bytes(), offset)?);
        }
        Key::DeviceType => {
            let device_type = req.device_type.insert(String::new());
            decode_into(raw, field, offset, device_type)?;
            if !text::is_visible_ascii(device_type.as_bytes()) {
                return Err(ParseError::InvalidCharacter { field, offset });
            }
        }
        Key::Policy => {
            let mut text = String::<16>::new();
            decode_into(raw, field, offset, &mut text)?;
            let key =
                parse_policy_key(text.as_bytes()).map_err(|source| ParseError::InvalidPolicyKey { offset, source })?;
            req.policy_key = Some(key);
        }
        Key::SaveInSent => match raw {
            b"T" => req.options.0 |= CommandOptions::SAVE_IN_SENT,
            b"F" => req.options.0 &= !CommandOptions::SAVE_IN_SENT,
            _ => return Err(ParseError::InvalidSaveInSent { offset }),
        },
        Key::Parameter(name) => {
            let mut value = String::<MAX_PARAMETER_VALUE_LEN>::new();
            decode_into(raw, field, offset, &mut value)?;
            require_free_text(&value, field, offset)?;
            req.parameters
                .insert(name, &value)
                .map_err(|_| ParseError::ParametersTooLong { max: MAX_PARAMETER_BYTES, offset })?;
        }
    }
    Ok(())
}

/// Percent-decodes a non-empty UTF-8 value of at most `N` bytes into `out`.
fn decode_into<const N: usize>(raw: &[u8], field: Field, offset: usize, out: &mut String<N>) -> Result<(), ParseError> {
    if raw.is_empty() {
        return Err(ParseError::Empty { field, offset });
    }
    let too_long = |_| ParseError::TooLong { field, max: N, offset };
    let not_utf8 = |_| ParseError::InvalidCharacter { field, offset };
    if !raw.iter().any(|&b| b == b'%' || b == b'+') {
        // Nothing to decode: the target check already limited `raw` to visible ASCII.
        return out.push_str(core::str::from_utf8(raw).map_err(not_utf8)?).map_err(too_long);
    }
    let mut bytes = Vec::<u8, N>::new();
    percent::decode(raw, true, &mut bytes).map_err(|e| match e {
        PercentError::BadEscape(i) => ParseError::BadPercentEncoding { field, offset: offset + i },
        PercentError::Overflow => ParseError::TooLong { field, max: N, offset },
    })?;
    out.push_str(core::str::from_utf8(&bytes).map_err(not_utf8)?).map_err(too_long)
}

fn require_free_text(value: &str, field: Field, offset: usize) -> Result<(), ParseError> {
    if text::is_free_text(value) { Ok(()) } else { Err(ParseError::InvalidCharacter { field, offset }) }
}

fn unknown_command_if_too_long(error: ParseError, offset: usize) -> ParseError {
    match error {
        ParseError::TooLong { .. } => ParseError::UnknownCommand { offset },
        other => other,
    }
}
