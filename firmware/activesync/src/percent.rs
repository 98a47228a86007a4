//! Strict percent-decoding of query values into fixed-capacity buffers.

use heapless::Vec;

/// Why a value could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PercentError {
    /// `%` at this index of the raw value is not followed by two hex digits.
    BadEscape(usize),
    /// The decoded value does not fit the buffer.
    Overflow,
}

/// Decodes `%XX` escapes of `raw` into `out`; with `plus_as_space`, `+` becomes a space
/// (form-urlencoded, as the servers behind the gateway read the query).
pub(crate) fn decode<const N: usize>(
    raw: &[u8],
    plus_as_space: bool,
    out: &mut Vec<u8, N>,
) -> Result<(), PercentError> {
    out.clear();
    let special = |b: &u8| *b == b'%' || (plus_as_space && *b == b'+');
    let mut i = 0;
    while let Some(rest) = raw.get(i..).filter(|r| !r.is_empty()) {
        // Copy the run up to the next escape in one go.
        let run = rest.iter().position(special).unwrap_or(rest.len());
        out.extend_from_slice(&rest[..run]).map_err(|_| PercentError::Overflow)?;
        i += run;
        let byte = match rest.get(run) {
            None => break,
            Some(b'+') => {
                i += 1;
                b' '
            }
            Some(_) => {
                let hi = raw.get(i + 1).and_then(|&h| hex_value(h));
                let lo = raw.get(i + 2).and_then(|&l| hex_value(l));
                let (Some(hi), Some(lo)) = (hi, lo) else {
                    return Err(PercentError::BadEscape(i));
                };
                i += 3;
                hi << 4 | lo
            }
        };
        out.push(byte).map_err(|_| PercentError::Overflow)?;
    }
    Ok(())
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}
