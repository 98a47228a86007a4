//! Checking an OpenSSH public key line (`type base64 [comment]`), down to the structure of
//! the key blob.

use crate::validation::Problem;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The public key types accepted for logging in, as OpenSSH names them.
pub const SSH_KEY_TYPES: &[&str] =
    &["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"];
/// Longest public key line, in bytes.
pub const SSH_KEY_LINE_MAX: usize = 8 * 1024;
/// Smallest RSA modulus accepted, in bits.
pub const SSH_RSA_MIN_BITS: usize = 2048;

/// The part of a key line that identifies the key: its type and its base64 blob.
pub(crate) type KeyId<'a> = (&'a str, &'a str);

/// Checks `line` and returns the key's identity (the comment left out).
pub(crate) fn check(line: &str) -> Result<KeyId<'_>, Problem> {
    let bad = |reason: String| Problem::BadSshKey { reason };
    if line.len() > SSH_KEY_LINE_MAX {
        return Err(bad(format!("it is longer than {SSH_KEY_LINE_MAX} bytes")));
    }
    if line.chars().any(char::is_control) {
        return Err(bad("it holds control characters (one key per entry)".into()));
    }
    let mut words = line.split_ascii_whitespace();
    let key_type = words.next().ok_or_else(|| bad("it is empty".into()))?;
    if !SSH_KEY_TYPES.contains(&key_type) {
        return Err(bad(format!(
            "`{key_type}` is not an accepted key type ({}); options before the type are \
             not accepted",
            SSH_KEY_TYPES.join(", ")
        )));
    }
    let encoded = words.next().ok_or_else(|| bad("the base64 key after the type is missing".into()))?;
    let blob = STANDARD.decode(encoded).map_err(|e| bad(format!("the key is not valid base64: {e}")))?;
    check_blob(key_type, &blob).map_err(|reason| bad(reason.into()))?;
    Ok((key_type, encoded))
}

/// Checks the wire form of a public key (RFC 4253 section 6.6, RFC 5656, RFC 8709).
fn check_blob(key_type: &str, blob: &[u8]) -> Result<(), &'static str> {
    let mut rest = blob;
    let named = read_string(&mut rest).ok_or("the key blob is truncated")?;
    if named != key_type.as_bytes() {
        return Err("the key blob is of another type than the line says");
    }
    match key_type {
        "ssh-ed25519" => {
            let key = read_string(&mut rest).ok_or("the Ed25519 key is truncated")?;
            if key.len() != 32 {
                return Err("the Ed25519 key is not 32 bytes");
            }
        }
        "ssh-rsa" => {
            let exponent = read_string(&mut rest).ok_or("the RSA exponent is truncated")?;
            let modulus = read_string(&mut rest).ok_or("the RSA modulus is truncated")?;
            if bits(exponent) < 2 {
                return Err("the RSA exponent is not usable");
            }
            if bits(modulus) < SSH_RSA_MIN_BITS {
                return Err("the RSA key is shorter than 2048 bits");
            }
        }
        _ => {
            let curve = read_string(&mut rest).ok_or("the ECDSA curve name is truncated")?;
            let point = read_string(&mut rest).ok_or("the ECDSA point is truncated")?;
            let (expected_curve, point_len) = match key_type {
                "ecdsa-sha2-nistp256" => (&b"nistp256"[..], 65),
                "ecdsa-sha2-nistp384" => (&b"nistp384"[..], 97),
                _ => (&b"nistp521"[..], 133),
            };
            if curve != expected_curve {
                return Err("the ECDSA curve does not match the key type");
            }
            if point.len() != point_len || point.first() != Some(&4) {
                return Err("the ECDSA point is not an uncompressed point of its curve");
            }
        }
    }
    if rest.is_empty() { Ok(()) } else { Err("the key blob has trailing bytes") }
}

/// Reads one SSH `string`: a 32-bit big-endian length and that many bytes.
fn read_string<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    let (len, tail) = rest.split_first_chunk::<4>()?;
    let len = usize::try_from(u32::from_be_bytes(*len)).ok()?;
    let (value, tail) = tail.split_at_checked(len)?;
    *rest = tail;
    Some(value)
}

/// The bit length of an unsigned big-endian integer (an SSH `mpint` of a positive value).
fn bits(mpint: &[u8]) -> usize {
    match mpint.iter().position(|&b| b != 0) {
        Some(first) => {
            let leading = mpint.get(first).map_or(0, |b| b.leading_zeros() as usize);
            (mpint.len() - first) * 8 - leading
        }
        None => 0,
    }
}
