//! Verifier cost: the signed header alone, and a 4 MiB bundle streamed in 64 KiB chunks.

use criterion::{Criterion, Throughput, criterion_main};
use postern_update_bundle::{BundleInfo, BundleReader, PayloadEntry, SigningKey, TrustedKeys, sign_manifest};
use std::hint::black_box;

const PAYLOAD_LEN: usize = 4 << 20;

fn bundle(key: &SigningKey, payload_len: usize) -> Vec<u8> {
    let payload: Vec<u8> = (0..payload_len).map(|i| (i % 251) as u8).collect();
    let info = BundleInfo {
        version: 2,
        version_string: "postern 0.2.0".into(),
        board: "qemu-x86_64".into(),
        created_unix: 1_700_000_000,
        expires_unix: 1_800_000_000,
    };
    let entries = vec![PayloadEntry::for_bytes("rootfs.cpio.gz", &payload)];
    let mut bytes = sign_manifest(&info, entries, key).map(|h| h.bytes).unwrap_or_default();
    bytes.extend_from_slice(&payload);
    bytes
}

/// Streams `input` through a reader in `chunk`-byte reads; whether it was accepted.
fn verify(trusted: &TrustedKeys, input: &[u8], chunk: usize) -> bool {
    let mut reader = BundleReader::new(trusted);
    for mut piece in input.chunks(chunk) {
        loop {
            let Ok(step) = reader.feed(piece) else {
                return false;
            };
            piece = piece.get(step.consumed..).unwrap_or_default();
            if step.event.is_none() {
                break;
            }
        }
    }
    reader.finish().is_ok()
}

fn verify_benches(c: &mut Criterion) {
    let key = SigningKey::from_seed(&[1; 32]);
    let mut trusted = TrustedKeys::new();
    if trusted.insert(key.public_key().clone()).is_err() {
        return;
    }
    let small = bundle(&key, 0);
    c.bench_function("verify header (signature, empty payload)", |b| {
        b.iter(|| verify(&trusted, black_box(&small), 64 * 1024));
    });
    let large = bundle(&key, PAYLOAD_LEN);
    let mut group = c.benchmark_group("verify 4 MiB bundle");
    group.throughput(Throughput::Bytes(large.len() as u64));
    group.sample_size(20);
    group.bench_function("64 KiB chunks", |b| b.iter(|| verify(&trusted, black_box(&large), 64 * 1024)));
    group.finish();
}

mod group {
    criterion::criterion_group!(benches, super::verify_benches);
}
criterion_main!(group::benches);
