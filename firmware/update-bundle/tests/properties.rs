//! Properties: no input panics, any chunking gives the same result, any changed byte is refused.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::{header_len, key, read_all, read_with, small_bundle, trusting};
use postern_update_bundle::{BundleError, BundleReader, MAGIC};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_input_never_panics_and_is_refused(input in proptest::collection::vec(any::<u8>(), 0..2048), chunk in 1usize..64) {
        let trusted = trusting(&[&key(1)]);
        let outcome = read_with(BundleReader::new(&trusted), &input, || chunk);
        prop_assert!(outcome.result.is_err());
        prop_assert!(!outcome.released_data());
    }

    #[test]
    fn arbitrary_input_after_the_magic_never_panics(
        length in 0u32..2048,
        body in proptest::collection::vec(any::<u8>(), 0..2048),
        chunk in 1usize..64,
    ) {
        let mut input = MAGIC.to_vec();
        input.extend_from_slice(&length.to_le_bytes());
        input.extend_from_slice(&body);
        let trusted = trusting(&[&key(1)]);
        let outcome = read_with(BundleReader::new(&trusted), &input, || chunk);
        prop_assert!(outcome.result.is_err());
        prop_assert!(!outcome.released_data());
    }

}

// Each case verifies a signature, which is slow in unoptimised builds: fewer cases.
proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_chunking_releases_the_same_payload_bytes(sizes in proptest::collection::vec(1usize..200, 1..32)) {
        let bytes = small_bundle();
        let trusted = trusting(&[&key(1)]);
        let whole = read_all(&trusted, &bytes);
        let mut next = sizes.iter().copied().cycle();
        let chunked = read_with(BundleReader::new(&trusted), &bytes, || next.next().unwrap_or(1));
        prop_assert_eq!(&chunked.result, &whole.result);
        prop_assert!(chunked.result.is_ok());
        prop_assert_eq!(chunked.data(0), whole.data(0));
        prop_assert_eq!(chunked.data(1), whole.data(1));
    }

    #[test]
    fn any_changed_byte_is_refused(position in any::<prop::sample::Index>(), flip in 1u8..=255, chunk in 1usize..300) {
        let mut bytes = small_bundle();
        let header = header_len(&bytes);
        let at = position.index(bytes.len());
        bytes[at] ^= flip;
        let trusted = trusting(&[&key(1)]);
        let outcome = read_with(BundleReader::new(&trusted), &bytes, || chunk);
        prop_assert!(outcome.result.is_err(), "byte {} changed and accepted", at);
        if at < header {
            prop_assert!(!outcome.released_data());
        } else {
            let is_hash_error = matches!(outcome.result, Err(BundleError::PayloadHashMismatch { .. }));
            prop_assert!(is_hash_error);
        }
    }
}
