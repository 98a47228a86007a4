//! Fuzzes the request-target parser (plain and base64 query forms, both methods).
#![no_main]

use postern_activesync::{ActiveSyncRequest, Method};

libfuzzer_sys::fuzz_target!(|target: &[u8]| {
    let _ = (
        ActiveSyncRequest::parse(Method::Post, target),
        ActiveSyncRequest::parse(Method::Options, target),
    );
});
