//! Fuzzes the streaming verifier: the first byte picks the chunk size, the rest is the bundle.
//! The reader trusts the key of seed [1; 32], which signed the seed corpus, so mutations reach
//! the payloads (hash checks, truncation, trailing bytes) and not only the header.
#![no_main]

use postern_update_bundle::{BundleReader, Event, SigningKey, TrustedKeys};

libfuzzer_sys::fuzz_target!(|input: &[u8]| {
    let Some((&chunk, bundle)) = input.split_first() else {
        return;
    };
    let mut trusted = TrustedKeys::new();
    if trusted
        .insert(SigningKey::from_seed(&[1; 32]).public_key().clone())
        .is_err()
    {
        return;
    }
    let mut reader = BundleReader::new(&trusted);
    let mut manifest_seen = false;
    for mut piece in bundle.chunks(usize::from(chunk).max(1)) {
        loop {
            let Ok(step) = reader.feed(piece) else { return };
            assert!(step.consumed <= piece.len());
            piece = &piece[step.consumed..];
            match step.event {
                None => break,
                Some(Event::ManifestVerified(_)) => manifest_seen = true,
                Some(Event::PayloadData { .. }) => {
                    assert!(manifest_seen, "payload bytes before the manifest")
                }
                Some(_) => {}
            }
        }
    }
    let _ = reader.finish();
});
