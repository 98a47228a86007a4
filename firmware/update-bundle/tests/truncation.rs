//! Input that ends early: at every offset, in any chunking, the refusal says how far it got.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::{header_len, key, read_with, small_bundle, tiny_bundle, trusting};
use postern_update_bundle::{BundleError, BundleReader, Event, Part};

/// The part, bytes received of it and its length, for input cut after `cut` bytes of the tiny bundle.
fn expected_at(bundle: &[u8], cut: usize) -> (Part, usize, usize) {
    let header = header_len(bundle);
    let manifest_end = header - 64;
    let payload = |index: usize, name: &str| Part::Payload { index, name: name.into() };
    match cut {
        0..8 => (Part::Magic, cut, 8),
        8..12 => (Part::ManifestLength, cut - 8, 4),
        c if c < manifest_end => (Part::Manifest, cut - 12, manifest_end - 12),
        c if c < header => (Part::Signature, cut - manifest_end, 64),
        c if c < header + 24 => (payload(0, "vmlinuz"), cut - header, 24),
        _ => (payload(1, "rootfs.cpio.gz"), cut - header - 24, 40),
    }
}

fn check_every_cut(mut chunk_size: impl FnMut() -> usize) {
    let bytes = tiny_bundle();
    let trusted = trusting(&[&key(1)]);
    for cut in 0..bytes.len() {
        let outcome = read_with(BundleReader::new(&trusted), &bytes[..cut], &mut chunk_size);
        let (part, received, expected) = expected_at(&bytes, cut);
        assert_eq!(
            outcome.result,
            Err(BundleError::Truncated {
                part,
                received: received as u64,
                expected: expected as u64,
                offset: cut as u64
            }),
            "cut at {cut}"
        );
    }
}

#[test]
fn truncated_at_every_offset_fed_byte_by_byte() {
    check_every_cut(|| 1);
}

#[test]
fn truncated_at_every_offset_fed_in_random_chunks() {
    for seed in [0x9e37_79b9_u32, 12345, 777] {
        let mut state = seed;
        check_every_cut(move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            1 + (state % 97) as usize
        });
    }
}

#[test]
fn the_message_says_where_the_input_ended() {
    let bytes = small_bundle();
    let cut = header_len(&bytes) + 300 + 10;
    let error = read_with(BundleReader::new(&trusting(&[&key(1)])), &bytes[..cut], || 1).error();
    let text = error.to_string();
    assert!(text.contains("payload 1 (rootfs.cpio.gz)") && text.contains("10 of its 517"), "{text}");
    assert!(text.contains(&format!("byte {cut}")), "{text}");
}

#[test]
fn finishing_before_the_pending_check_is_refused() {
    let bytes = small_bundle();
    let first_payload_end = header_len(&bytes) + 300;
    let trusted = trusting(&[&key(1)]);
    let mut reader = BundleReader::new(&trusted);
    let mut rest = &bytes[..first_payload_end];
    while !rest.is_empty() {
        let step = reader.feed(rest).unwrap();
        rest = &rest[step.consumed..];
    }
    assert_eq!(reader.finish(), Err(BundleError::EventsPending));
}

#[test]
fn the_last_payload_completes_only_after_its_check() {
    let bytes = small_bundle();
    let trusted = trusting(&[&key(1)]);
    let mut reader = BundleReader::new(&trusted);
    let mut rest = bytes.as_slice();
    let mut last = None;
    while !rest.is_empty() {
        let step = reader.feed(rest).unwrap();
        rest = &rest[step.consumed..];
        last = step.event.map(|e| matches!(e, Event::PayloadData { index: 1, .. }));
    }
    assert_eq!(last, Some(true), "the input ends on payload data");
    assert_eq!(reader.feed(&[]).unwrap().event, Some(Event::PayloadComplete { index: 1 }));
    assert_eq!(reader.feed(&[]).unwrap().event, None);
    assert_eq!(reader.offset(), bytes.len() as u64);
    assert_eq!(reader.finish().unwrap().bundle_len, bytes.len() as u64);
}
