//! The signed header: magic, manifest length, manifest and signature; encoding, decoding, signing.

use crate::error::BundleError;
use crate::keys::SigningKey;
use crate::limits::{FORMAT, MAGIC, MANIFEST_OFFSET, MAX_MANIFEST_LEN, SIGNATURE_LEN};
use crate::manifest::{BundleInfo, Manifest, PayloadEntry};
use crate::part::Part;
use alloc::string::ToString;
use alloc::vec::Vec;

/// A signed header ready to be written before the payloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeader {
    /// The manifest it carries.
    pub manifest: Manifest,
    /// Magic, manifest length, manifest and signature.
    pub bytes: Vec<u8>,
}

/// A header signed again with another key (see [`resign_header`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resigned {
    /// The new header.
    pub header: SignedHeader,
    /// How many bytes the old header took at the start of the input; the payloads follow them.
    pub old_header_len: usize,
}

/// Makes the manifest of `info` and `payloads` for `key` and signs it.
pub fn sign_manifest(
    info: &BundleInfo,
    payloads: Vec<PayloadEntry>,
    key: &SigningKey,
) -> Result<SignedHeader, BundleError> {
    let manifest = Manifest::new(info, payloads, key.key_id())?;
    let encoded =
        postcard::to_allocvec(&manifest).map_err(|e| BundleError::MalformedManifest { reason: e.to_string() })?;
    let length = u32::try_from(encoded.len())
        .ok()
        .filter(|length| *length <= MAX_MANIFEST_LEN)
        .ok_or(BundleError::ManifestTooLarge { length: u32::MAX, max: MAX_MANIFEST_LEN })?;
    let mut bytes = Vec::with_capacity(MANIFEST_OFFSET + encoded.len() + SIGNATURE_LEN);
    bytes.extend_from_slice(&MAGIC);
    bytes.extend_from_slice(&length.to_le_bytes());
    bytes.extend_from_slice(&encoded);
    let signature = key.sign(&bytes);
    bytes.extend_from_slice(&signature);
    Ok(SignedHeader { manifest, bytes })
}

/// Signs the manifest at the start of `bundle` again with `key` (its key id changes, nothing else).
///
/// `bundle` needs to hold at least the whole header. The old signature is not checked: this is
/// the maker's tool for moving a bundle to another key, never a way to accept one.
pub fn resign_header(bundle: &[u8], key: &SigningKey) -> Result<Resigned, BundleError> {
    let too_short = |part, received: usize, expected: usize| BundleError::Truncated {
        part,
        received: received as u64,
        expected: expected as u64,
        offset: bundle.len() as u64,
    };
    let magic = bundle.get(..MAGIC.len()).ok_or_else(|| too_short(Part::Magic, bundle.len(), MAGIC.len()))?;
    check_magic(magic)?;
    let length_bytes = bundle
        .get(MAGIC.len()..MANIFEST_OFFSET)
        .ok_or_else(|| too_short(Part::ManifestLength, bundle.len() - MAGIC.len(), MANIFEST_OFFSET - MAGIC.len()))?;
    let length = manifest_length(length_bytes)?;
    let end = MANIFEST_OFFSET + length;
    let encoded = bundle
        .get(MANIFEST_OFFSET..end)
        .ok_or_else(|| too_short(Part::Manifest, bundle.len() - MANIFEST_OFFSET, length))?;
    let manifest = decode_manifest(encoded)?;
    let old_header_len = end + SIGNATURE_LEN;
    if bundle.len() < old_header_len {
        return Err(too_short(Part::Signature, bundle.len() - end, SIGNATURE_LEN));
    }
    let header = sign_manifest(&BundleInfo::from(&manifest), manifest.payloads, key)?;
    Ok(Resigned { header, old_header_len })
}

/// Refuses `found` unless it is a prefix of the magic.
pub(crate) fn check_magic(found: &[u8]) -> Result<(), BundleError> {
    match found.iter().zip(MAGIC).position(|(a, b)| *a != b) {
        None => Ok(()),
        Some(first_wrong) => Err(BundleError::BadMagic { found: found[..=first_wrong].to_vec() }),
    }
}

/// The manifest length from its 4 little-endian bytes, refused above the bound.
pub(crate) fn manifest_length(bytes: &[u8]) -> Result<usize, BundleError> {
    let array: [u8; 4] = bytes
        .try_into()
        .map_err(|_| BundleError::MalformedManifest { reason: "the manifest length is not 4 bytes".to_string() })?;
    let length = u32::from_le_bytes(array);
    if length > MAX_MANIFEST_LEN {
        return Err(BundleError::ManifestTooLarge { length, max: MAX_MANIFEST_LEN });
    }
    Ok(length as usize)
}

/// Decodes manifest bytes: the format first, then the whole manifest, with nothing left over.
pub(crate) fn decode_manifest(encoded: &[u8]) -> Result<Manifest, BundleError> {
    let malformed = |e: postcard::Error| BundleError::MalformedManifest { reason: e.to_string() };
    let (format, _) = postcard::take_from_bytes::<u16>(encoded).map_err(malformed)?;
    if format != FORMAT {
        return Err(BundleError::UnsupportedFormat { format, supported: FORMAT });
    }
    let (manifest, rest) = postcard::take_from_bytes::<Manifest>(encoded).map_err(malformed)?;
    if !rest.is_empty() {
        return Err(BundleError::MalformedManifest {
            reason: alloc::format!("{} bytes follow the manifest's last field", rest.len()),
        });
    }
    Ok(manifest)
}
