//! Fuzzes what a gateway does with a fetched profile: parse, validate (PEMs, keys, URLs,
//! prefixes, references), and summarise; and a sign-in batch as the portal receives it.
#![no_main]

use postern_access_profile::api::SignInBatch;

libfuzzer_sys::fuzz_target!(|input: &[u8]| {
    if let Ok(profile) = postern_access_profile::parse(input) {
        let _ = profile.validate();
        let _ = profile.summary();
    }
    if let Ok(batch) = serde_json::from_slice::<SignInBatch>(input) {
        let _ = batch.validate();
    }
});
