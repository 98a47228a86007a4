//! Netlink attributes (type-length-value, 4-byte aligned): written and read without I/O.

/// The flag of a nested attribute's type.
pub const NESTED: u16 = 0x8000;

/// Appends an attribute of `kind` holding `data`, padded to 4 bytes.
pub fn push(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    let len = u16::try_from(4 + data.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_ne_bytes());
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(data);
    out.resize(align(out.len()), 0);
}

/// Appends a nested attribute of `kind` whose contents `fill` writes.
pub fn push_nested(out: &mut Vec<u8>, kind: u16, fill: impl FnOnce(&mut Vec<u8>)) {
    let mut inner = Vec::new();
    fill(&mut inner);
    push(out, kind | NESTED, &inner);
}

/// A string attribute's bytes: the text and its NUL.
pub fn string(text: &str) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    bytes.push(0);
    bytes
}

/// The attributes in `buf` as (type without flags, data); stops at a malformed one.
pub fn parse(buf: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    let mut rest = buf;
    while rest.len() >= 4 {
        let len = usize::from(u16::from_ne_bytes([rest[0], rest[1]]));
        let kind = u16::from_ne_bytes([rest[2], rest[3]]) & !NESTED & 0x3fff;
        if len < 4 || len > rest.len() {
            break;
        }
        out.push((kind, &rest[4..len]));
        rest = &rest[align(len).min(rest.len())..];
    }
    out
}

/// The first attribute of `kind` in `attrs`.
pub fn find<'a>(attrs: &[(u16, &'a [u8])], kind: u16) -> Option<&'a [u8]> {
    attrs.iter().find(|(k, _)| *k == kind).map(|(_, d)| *d)
}

/// A `u32` attribute's value.
pub fn u32_of(data: &[u8]) -> Option<u32> {
    Some(u32::from_ne_bytes(data.get(..4)?.try_into().ok()?))
}

/// A string attribute's text, without its NUL.
pub fn text_of(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data.split(|b| *b == 0).next()?).ok()
}

/// `len` rounded up to 4.
pub const fn align(len: usize) -> usize {
    (len + 3) & !3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_attributes_are_written_aligned_and_read_back() {
        let mut out = Vec::new();
        push_nested(&mut out, 1, |inner| {
            push(inner, 2, &string("eth0"));
            push(inner, 3, &7u32.to_ne_bytes());
        });
        push(&mut out, 4, &[]);
        assert_eq!(out.len() % 4, 0);
        let outer = parse(&out);
        assert_eq!(outer.iter().map(|(k, _)| *k).collect::<Vec<_>>(), [1, 4]);
        let inner = parse(find(&outer, 1).expect("nested"));
        assert_eq!(find(&inner, 2).and_then(text_of), Some("eth0"));
        assert_eq!(find(&inner, 3).and_then(u32_of), Some(7));
        assert_eq!(parse(&out[..6]).len(), 0, "a truncated attribute is not read");
    }
}
