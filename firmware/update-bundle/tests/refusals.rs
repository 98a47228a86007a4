//! Bundles that must be refused, each with the error that says why, before any byte counts.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::{Seen, bundle, header_len, info, key, payloads, read_all, read_with, small_bundle, trusting};
use ed25519_dalek::Signer;
use postern_update_bundle::{BundleError, BundleReader, Manifest, ManifestError, SigningKey};

/// The manifest of a bundle, read back.
fn manifest_of(bytes: &[u8], signer: &SigningKey) -> Manifest {
    read_all(&trusting(&[signer]), bytes).result.unwrap().manifest
}

/// A header for `manifest` signed with `seed` directly, whatever key id the manifest names.
fn forged_header(manifest: &Manifest, seed: &[u8; 32]) -> Vec<u8> {
    let encoded = postcard::to_allocvec(manifest).unwrap();
    let mut header = b"PSTNUPD1".to_vec();
    header.extend_from_slice(&(encoded.len() as u32).to_le_bytes());
    header.extend_from_slice(&encoded);
    let signature = ed25519_dalek::SigningKey::from_bytes(seed).sign(&header);
    header.extend_from_slice(&signature.to_bytes());
    header
}

#[test]
fn a_tampered_payload_byte_is_refused_naming_the_payload() {
    let bytes = small_bundle();
    let start = header_len(&bytes);
    for (at, index, name) in [
        (start, 0, "vmlinuz"),
        (start + 299, 0, "vmlinuz"),
        (start + 300, 1, "rootfs.cpio.gz"),
        (bytes.len() - 1, 1, "rootfs.cpio.gz"),
    ] {
        let mut tampered = bytes.clone();
        tampered[at] ^= 0x40;
        let outcome = read_all(&trusting(&[&key(1)]), &tampered);
        assert!(!outcome.events.contains(&Seen::Complete(index)), "payload {index} must not complete");
        let error = outcome.error();
        assert!(
            matches!(&error, BundleError::PayloadHashMismatch { index: i, name: n, .. } if *i == index && n == name),
            "{error}"
        );
        assert!(error.to_string().contains(name));
    }
}

#[test]
fn every_tampered_header_byte_is_refused_before_any_payload_byte() {
    let bytes = small_bundle();
    let trusted = trusting(&[&key(1)]);
    for at in 0..header_len(&bytes) {
        for flip in [0x01, 0x80] {
            let mut tampered = bytes.clone();
            tampered[at] ^= flip;
            let outcome = read_with(BundleReader::new(&trusted), &tampered, || 16);
            assert!(!outcome.released_data(), "byte {at} flipped with {flip:#x} released payload bytes");
            let error = outcome.error();
            let expected_kind = match at {
                0..8 => matches!(error, BundleError::BadMagic { .. }),
                8..12 => matches!(
                    error,
                    BundleError::ManifestTooLarge { .. }
                        | BundleError::MalformedManifest { .. }
                        | BundleError::Truncated { .. }
                        | BundleError::UnsupportedFormat { .. }
                ),
                _ => matches!(
                    error,
                    BundleError::MalformedManifest { .. }
                        | BundleError::UnsupportedFormat { .. }
                        | BundleError::UnknownKey { .. }
                        | BundleError::BadSignature { .. }
                ),
            };
            assert!(expected_kind, "byte {at} flipped with {flip:#x}: {error}");
        }
    }
}

#[test]
fn a_bundle_signed_by_an_untrusted_key_is_refused_with_its_key_id() {
    let stranger = key(9);
    let bytes = bundle(&stranger, &info(2), &payloads(0));
    let outcome = read_all(&trusting(&[&key(1), &key(2)]), &bytes);
    assert!(!outcome.released_data());
    let error = outcome.error();
    assert_eq!(error, BundleError::UnknownKey { key_id: stranger.key_id() });
    assert!(error.to_string().contains(&stranger.key_id().to_string()));
}

#[test]
fn a_manifest_naming_a_trusted_key_but_signed_by_another_is_refused() {
    let (trusted_key, other) = (key(1), key(2));
    let bytes = small_bundle();
    let manifest = manifest_of(&bytes, &trusted_key);
    let mut forged = forged_header(&manifest, &[2; 32]);
    assert_eq!(forged.len(), header_len(&bytes));
    forged.extend_from_slice(&bytes[header_len(&bytes)..]);
    let outcome = read_all(&trusting(&[&trusted_key, &other]), &forged);
    assert!(!outcome.released_data());
    assert_eq!(outcome.error(), BundleError::BadSignature { key_id: trusted_key.key_id() });
}

#[test]
fn mix_and_match_manifest_of_one_version_payloads_of_another_is_refused() {
    let signer = key(1);
    let old = bundle(&signer, &info(2), &payloads(1));
    let new = bundle(&signer, &info(3), &payloads(2));
    let mut mixed = new[..header_len(&new)].to_vec();
    mixed.extend_from_slice(&old[header_len(&old)..]);
    let error = read_all(&trusting(&[&signer]), &mixed).error();
    assert!(matches!(&error, BundleError::PayloadHashMismatch { index: 0, name, .. } if name == "vmlinuz"), "{error}");
}

#[test]
fn trailing_bytes_are_refused_whether_in_the_last_chunk_or_after_it() {
    let mut bytes = small_bundle();
    let end = bytes.len() as u64;
    bytes.push(0);
    let trusted = trusting(&[&key(1)]);
    assert_eq!(read_all(&trusted, &bytes).error(), BundleError::TrailingBytes { offset: end });
    assert_eq!(
        read_with(BundleReader::new(&trusted), &bytes, || 1).error(),
        BundleError::TrailingBytes { offset: end }
    );
}

#[test]
fn an_oversized_manifest_length_is_refused_without_waiting_for_it() {
    let mut bytes = small_bundle();
    bytes[8..12].copy_from_slice(&(64 * 1024 + 1u32).to_le_bytes());
    let error = read_all(&trusting(&[&key(1)]), &bytes[..12]).error();
    assert_eq!(error, BundleError::ManifestTooLarge { length: 64 * 1024 + 1, max: 64 * 1024 });
    bytes[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(read_all(&trusting(&[&key(1)]), &bytes).error(), BundleError::ManifestTooLarge { .. }));
}

#[test]
fn a_wrong_magic_is_refused_at_the_first_wrong_byte() {
    let error = read_all(&trusting(&[&key(1)]), b"PK\x03\x04").error();
    assert_eq!(error, BundleError::BadMagic { found: b"PK".to_vec() });
    assert!(error.to_string().contains("PSTNUPD1"), "{error}");
}

#[test]
fn an_unknown_manifest_format_is_refused_by_number() {
    let bytes = small_bundle();
    let mut manifest = manifest_of(&bytes, &key(1));
    manifest.format = 2;
    let header = forged_header(&manifest, &[1; 32]);
    let error = read_all(&trusting(&[&key(1)]), &header).error();
    assert_eq!(error, BundleError::UnsupportedFormat { format: 2, supported: 1 });
}

/// A change made to a manifest before signing it.
type Change = Box<dyn Fn(&mut Manifest)>;
/// Whether an error is the one a change should cause.
type Expected = fn(&ManifestError) -> bool;

#[test]
fn a_signed_manifest_outside_the_bounds_is_refused() {
    let signer = key(1);
    let manifest = manifest_of(&small_bundle(), &signer);
    let cases: Vec<(Change, Expected)> = vec![
        (Box::new(|m| m.payloads[0].name = "../vmlinuz".into()), |e| matches!(e, ManifestError::BadPayloadName { .. })),
        (Box::new(|m| m.payloads[1].name = "vmlinuz".into()), |e| {
            matches!(e, ManifestError::DuplicatePayloadName { .. })
        }),
        (Box::new(|m| m.payloads.clear()), |e| *e == ManifestError::NoPayloads),
        (Box::new(|m| m.payloads = vec![m.payloads[0].clone(); 17]), |e| {
            matches!(e, ManifestError::TooManyPayloads { count: 17, max: 16 })
        }),
        (Box::new(|m| m.payloads[0].length = (4 << 30) + 1), |e| matches!(e, ManifestError::PayloadTooLarge { .. })),
        (Box::new(|m| m.board = "Qemu".into()), |e| matches!(e, ManifestError::BadBoard { .. })),
        (Box::new(|m| m.version_string = "v1\n".into()), |e| matches!(e, ManifestError::BadVersionString { .. })),
        (Box::new(|m| m.expires_unix = m.created_unix), |e| matches!(e, ManifestError::ExpiresBeforeCreated { .. })),
    ];
    for (index, (change, expected)) in cases.iter().enumerate() {
        let mut bad = manifest.clone();
        change(&mut bad);
        let outcome = read_all(&trusting(&[&signer]), &forged_header(&bad, &[1; 32]));
        assert!(!outcome.released_data());
        match outcome.error() {
            BundleError::InvalidManifest(e) => assert!(expected(&e), "case {index}: {e}"),
            other => panic!("case {index}: {other}"),
        }
    }
}

#[test]
fn trailing_bytes_inside_the_manifest_are_refused() {
    let manifest = manifest_of(&small_bundle(), &key(1));
    let mut encoded = postcard::to_allocvec(&manifest).unwrap();
    encoded.push(0);
    let mut header = b"PSTNUPD1".to_vec();
    header.extend_from_slice(&(encoded.len() as u32).to_le_bytes());
    header.extend_from_slice(&encoded);
    header.extend_from_slice(&[0; 64]);
    let error = read_all(&trusting(&[&key(1)]), &header).error();
    assert!(
        matches!(&error, BundleError::MalformedManifest { reason } if reason.contains("1 bytes follow")),
        "{error}"
    );
}

#[test]
fn a_reader_that_refused_keeps_refusing() {
    let trusted = trusting(&[&key(1)]);
    let mut reader = BundleReader::new(&trusted);
    assert!(reader.feed(b"XX").is_err());
    assert_eq!(reader.feed(&small_bundle()), Err(BundleError::AlreadyFailed));
    assert_eq!(reader.finish(), Err(BundleError::AlreadyFailed));
}
