//! Character classes of the request fields.

/// `1*(ALPHA / DIGIT)`: the device id alphabet.
pub(crate) fn is_alphanumeric(value: &[u8]) -> bool {
    value.iter().all(u8::is_ascii_alphanumeric)
}

/// `1*VCHAR`: visible ASCII, no space.
pub(crate) fn is_visible_ascii(value: &[u8]) -> bool {
    value.iter().all(|b| matches!(b, 0x21..=0x7e))
}

/// Free text (user names, parameter values): any Unicode but no control characters,
/// so a value can be logged or forwarded without smuggling line breaks.
pub(crate) fn is_free_text(value: &str) -> bool {
    !value.chars().any(char::is_control)
}
