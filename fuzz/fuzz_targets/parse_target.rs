//! Fuzzes the request-target parser (plain and base64 query forms, both methods), alone
//! and with an `X-MS-PolicyKey` header to merge with a `PolicyKey` from the query.
#![no_main]

use postern_activesync::{ActiveSyncRequest, Method};

libfuzzer_sys::fuzz_target!(|target: &[u8]| {
    let headers: [(&[u8], &[u8]); 1] = [(b"X-MS-PolicyKey", b"1307199584")];
    let _ = (
        ActiveSyncRequest::parse(Method::Post, target),
        ActiveSyncRequest::parse(Method::Options, target),
        ActiveSyncRequest::parse_with_headers(Method::Post, target, headers),
    );
});
