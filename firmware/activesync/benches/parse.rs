//! Parse cost of a plain query, a base64 query and the two ActiveSync headers.

use criterion::{Criterion, criterion_main};
use postern_activesync::{ActiveSyncRequest, Method, ProtocolVersion, parse_policy_key};
use std::hint::black_box;

const PLAIN: &[u8] = b"/Microsoft-Server-ActiveSync?Cmd=SmartReply&User=jdoe%40contoso.com&DeviceId=ApplF17ABCDEF0123&DeviceType=iPhone&CollectionId=5&ItemId=5%3A17&SaveInSent=T";

/// Version 14.1, SmartReply, locale 0x0409, a 16-byte binary device id, policy key,
/// device type "iPhone", CollectionId, ItemId, Options and User.
fn base64_target() -> Vec<u8> {
    use base64::Engine as _;
    let mut bytes = vec![141, 3, 0x09, 0x04, 16];
    bytes.extend_from_slice(&[
        0x3f, 0x25, 0x04, 0xe0, 0x4f, 0x89, 0x11, 0xd3, 0x9a, 0x0c, 0x03, 0x05, 0xe8, 0x2c, 0x33, 0x01,
    ]);
    bytes.extend_from_slice(&[4, 0x59, 0x1d, 0x05, 0xeb, 6]);
    bytes.extend_from_slice(b"iPhone");
    for (tag, value) in [(1u8, &b"5"[..]), (3, b"5:17"), (7, &[1]), (8, b"jdoe@contoso.com")] {
        bytes.push(tag);
        bytes.push(u8::try_from(value.len()).unwrap_or(0));
        bytes.extend_from_slice(value);
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    format!("/Microsoft-Server-ActiveSync?{encoded}").into_bytes()
}

fn parse(c: &mut Criterion) {
    let base64 = base64_target();
    assert!(ActiveSyncRequest::parse(Method::Post, PLAIN).is_ok());
    assert!(ActiveSyncRequest::parse(Method::Post, &base64).is_ok());
    c.bench_function("plain query", |b| b.iter(|| ActiveSyncRequest::parse(Method::Post, black_box(PLAIN))));
    c.bench_function("base64 query", |b| b.iter(|| ActiveSyncRequest::parse(Method::Post, black_box(&base64))));
    c.bench_function("headers", |b| {
        b.iter(|| (ProtocolVersion::parse(black_box(b"14.1")), parse_policy_key(black_box(b"3942919513"))))
    });
}

mod group {
    criterion::criterion_group!(benches, super::parse);
}
criterion_main!(group::benches);
