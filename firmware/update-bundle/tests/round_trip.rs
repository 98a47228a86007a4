//! Bundles that verify: every chunking releases the same bytes, in order, after the manifest.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::{Seen, bundle, info, key, payloads, read_all, read_with, small_bundle, trusting};
use postern_update_bundle::{
    BundleError, BundleReader, KeyId, MAGIC, PayloadEntry, resign_header, sign_manifest, write_bundle,
};

#[test]
fn a_bundle_round_trips_with_its_manifest_and_payloads() {
    let signer = key(1);
    let bytes = small_bundle();
    let outcome = read_all(&trusting(&[&signer]), &bytes);
    let verified = outcome.result.as_ref().unwrap().clone();
    let manifest = &verified.manifest;
    assert_eq!(verified.bundle_len, bytes.len() as u64);
    assert_eq!((manifest.version, manifest.version_string.as_str()), (2, "postern 0.2.0"));
    assert_eq!(manifest.board, "qemu-x86_64");
    assert_eq!(manifest.key_id, signer.key_id());
    assert_eq!(manifest.format, 1);
    for (index, (name, data)) in payloads(0).iter().enumerate() {
        assert_eq!(manifest.payloads[index], PayloadEntry::for_bytes(*name, data));
        assert_eq!(&outcome.data(index), data, "payload {name}");
    }
    assert_eq!(&bytes[..8], &MAGIC);
}

#[test]
fn events_come_in_order_and_the_manifest_before_any_payload_byte() {
    let bytes = small_bundle();
    let outcome = read_with(BundleReader::new(&trusting(&[&key(1)])), &bytes, || 1);
    assert!(outcome.result.is_ok());
    assert!(matches!(outcome.events.first(), Some(Seen::Manifest(_))));
    let order: Vec<(usize, bool)> = outcome
        .events
        .iter()
        .filter_map(|e| match e {
            Seen::Data(i, _) => Some((*i, false)),
            Seen::Complete(i) => Some((*i, true)),
            Seen::Manifest(_) => None,
        })
        .collect();
    let complete_at: Vec<usize> = order.iter().enumerate().filter(|(_, (_, c))| *c).map(|(at, _)| at).collect();
    assert_eq!(complete_at.len(), 2);
    assert_eq!(complete_at[1], order.len() - 1, "payload 1 completes last");
    assert!(order[..complete_at[0]].iter().all(|(i, _)| *i == 0));
    assert!(order[complete_at[0] + 1..].iter().all(|(i, _)| *i == 1));
    assert_eq!(outcome.events.iter().filter(|e| matches!(e, Seen::Manifest(_))).count(), 1);
}

#[test]
fn one_byte_and_odd_chunk_sizes_release_the_same_bytes() {
    let bytes = small_bundle();
    let trusted = trusting(&[&key(1)]);
    let whole = read_all(&trusted, &bytes);
    for pattern in [vec![1], vec![2, 3], vec![7, 1, 64], vec![100, 1], vec![1000]] {
        let mut sizes = pattern.iter().copied().cycle();
        let chunked = read_with(BundleReader::new(&trusted), &bytes, || sizes.next().unwrap_or(1));
        assert_eq!(chunked.result, whole.result, "chunk pattern {pattern:?}");
        assert_eq!((chunked.data(0), chunked.data(1)), (whole.data(0), whole.data(1)));
    }
}

#[test]
fn an_empty_payload_completes_without_input() {
    let signer = key(4);
    let bytes = bundle(&signer, &info(3), &[("empty", Vec::new()), ("tail", vec![9; 5])]);
    let outcome = read_with(BundleReader::new(&trusting(&[&signer])), &bytes, || 1);
    assert!(outcome.result.is_ok());
    assert!(outcome.events.contains(&Seen::Complete(0)));
    assert!(outcome.data(0).is_empty());
    assert_eq!(outcome.data(1), vec![9; 5]);
}

#[test]
fn the_announced_input_length_is_checked_before_any_payload_byte() {
    let bytes = small_bundle();
    let trusted = trusting(&[&key(1)]);
    let right = BundleReader::new(&trusted).with_input_len(bytes.len() as u64);
    assert!(read_with(right, &bytes, || 64).result.is_ok());
    let wrong = BundleReader::new(&trusted).with_input_len(bytes.len() as u64 + 1);
    let outcome = read_with(wrong, &bytes, || 64);
    assert!(!outcome.released_data());
    assert_eq!(
        outcome.error(),
        BundleError::WrongLength { expected: bytes.len() as u64, actual: bytes.len() as u64 + 1 }
    );
}

#[test]
fn signing_is_deterministic() {
    let entries = vec![PayloadEntry::for_bytes("vmlinuz", b"kernel")];
    let first = sign_manifest(&info(2), entries.clone(), &key(1)).unwrap();
    let second = sign_manifest(&info(2), entries, &key(1)).unwrap();
    assert_eq!(first, second);
}

#[test]
fn a_resigned_bundle_verifies_with_the_new_key_only() {
    let (old, new) = (key(1), key(2));
    let bytes = small_bundle();
    let resigned = resign_header(&bytes, &new).unwrap();
    assert_eq!(resigned.old_header_len, common::header_len(&bytes));
    assert_eq!(resigned.header.manifest.key_id, new.key_id());
    let mut moved = resigned.header.bytes.clone();
    moved.extend_from_slice(&bytes[resigned.old_header_len..]);
    let accepted = read_all(&trusting(&[&new]), &moved).result.unwrap();
    let original = read_all(&trusting(&[&old]), &bytes).result.unwrap();
    assert_eq!(accepted.manifest.payloads, original.manifest.payloads);
    assert_eq!(accepted.manifest.version, original.manifest.version);
    let refused = read_all(&trusting(&[&old]), &moved).error();
    assert_eq!(refused, BundleError::UnknownKey { key_id: new.key_id() });
}

#[test]
fn resigning_needs_the_whole_header() {
    let bytes = small_bundle();
    let cut = common::header_len(&bytes) - 1;
    let error = resign_header(&bytes[..cut], &key(2)).unwrap_err();
    assert!(matches!(error, BundleError::Truncated { received: 63, expected: 64, .. }), "{error}");
    assert!(matches!(resign_header(b"NOTABUNDLE", &key(2)), Err(BundleError::BadMagic { .. })));
}

#[test]
fn write_bundle_reads_payload_files_and_the_result_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<(&str, std::path::PathBuf, Vec<u8>)> = payloads(5)
        .into_iter()
        .map(|(name, data)| {
            let path = dir.path().join(name);
            std::fs::write(&path, &data).unwrap();
            (name, path, data)
        })
        .collect();
    let list: Vec<(&str, &std::path::Path)> = files.iter().map(|(n, p, _)| (*n, p.as_path())).collect();
    let signer = key(6);
    let mut out = Vec::new();
    let manifest = write_bundle(&info(9), &list, &signer, &mut out).unwrap();
    let outcome = read_all(&trusting(&[&signer]), &out);
    assert_eq!(outcome.result.as_ref().unwrap().manifest, manifest);
    for (index, (_, _, data)) in files.iter().enumerate() {
        assert_eq!(&outcome.data(index), data);
    }
    let in_memory = bundle(&signer, &info(9), &payloads(5));
    assert_eq!(out, in_memory, "the file writer and the in-memory layout agree");
}

#[test]
fn key_ids_are_the_sha256_prefix_of_the_public_key() {
    use sha2::{Digest, Sha256};
    let signer = key(3);
    let digest = Sha256::digest(signer.public_key().to_bytes());
    assert_eq!(signer.key_id().0.as_slice(), &digest[..8]);
    assert_eq!(KeyId(*b"\x01\x02\xab\xcd\x00\x10\xff\x7f").to_string(), "0102abcd0010ff7f");
}
