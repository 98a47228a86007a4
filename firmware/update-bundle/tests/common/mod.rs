//! Shared fixtures: keys, small bundles, and a driver that feeds a reader in chunks.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, reason = "shared by several test files")]

use postern_update_bundle::{
    BundleError, BundleInfo, BundleReader, Event, Manifest, PayloadEntry, SigningKey, TrustedKeys, Verified,
    sign_manifest,
};

/// A deterministic test key.
pub fn key(n: u8) -> SigningKey {
    SigningKey::from_seed(&[n; 32])
}

/// A set trusting exactly these keys.
pub fn trusting(keys: &[&SigningKey]) -> TrustedKeys {
    let mut trusted = TrustedKeys::new();
    for key in keys {
        trusted.insert(key.public_key().clone()).unwrap();
    }
    trusted
}

/// Bundle metadata for version `version`.
pub fn info(version: u64) -> BundleInfo {
    BundleInfo {
        version,
        version_string: format!("postern 0.{version}.0"),
        board: "qemu-x86_64".into(),
        created_unix: 1_700_000_000,
        expires_unix: 1_800_000_000,
    }
}

/// The two payloads of a small image.
pub fn payloads(seed: u8) -> Vec<(&'static str, Vec<u8>)> {
    let kernel = (0..300u32).map(|i| (i as u8).wrapping_mul(7).wrapping_add(seed)).collect();
    let rootfs = (0..517u32).map(|i| (i as u8).wrapping_mul(13) ^ seed).collect();
    vec![("vmlinuz", kernel), ("rootfs.cpio.gz", rootfs)]
}

/// A signed bundle of `payloads`.
pub fn bundle(key: &SigningKey, info: &BundleInfo, payloads: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let entries = payloads.iter().map(|(name, data)| PayloadEntry::for_bytes(*name, data)).collect();
    let mut bytes = sign_manifest(info, entries, key).unwrap().bytes;
    for (_, data) in payloads {
        bytes.extend_from_slice(data);
    }
    bytes
}

/// A bundle of two tiny payloads (`vmlinuz` 24 bytes, `rootfs.cpio.gz` 40 bytes), signed by key 1.
pub fn tiny_bundle() -> Vec<u8> {
    bundle(&key(1), &info(2), &[("vmlinuz", vec![0xa5; 24]), ("rootfs.cpio.gz", (0..40).collect())])
}

/// The default small bundle: version 2, signed by key 1.
pub fn small_bundle() -> Vec<u8> {
    bundle(&key(1), &info(2), &payloads(0))
}

/// The length of a bundle's header (magic, length, manifest, signature).
pub fn header_len(bundle: &[u8]) -> usize {
    12 + u32::from_le_bytes(bundle[8..12].try_into().unwrap()) as usize + 64
}

/// An event with owned data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    Manifest(Manifest),
    Data(usize, Vec<u8>),
    Complete(usize),
}

/// What a whole read gave: the events, then the verdict.
pub struct Outcome {
    pub events: Vec<Seen>,
    pub result: Result<Verified, BundleError>,
}

impl Outcome {
    /// The bytes released for payload `index`.
    pub fn data(&self, index: usize) -> Vec<u8> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Seen::Data(i, d) if *i == index => Some(d.as_slice()),
                _ => None,
            })
            .flatten()
            .copied()
            .collect()
    }

    /// Whether any payload byte was released.
    pub fn released_data(&self) -> bool {
        self.events.iter().any(|e| matches!(e, Seen::Data(..)))
    }

    /// The refusal; fails the test if the bundle was accepted.
    pub fn error(self) -> BundleError {
        match self.result {
            Ok(v) => panic!("bundle accepted: {:?}", v.manifest),
            Err(e) => e,
        }
    }
}

/// Feeds `input` to a reader in chunks whose sizes `next_chunk` picks (at least 1), then finishes.
pub fn read_with(reader: BundleReader<'_>, input: &[u8], mut next_chunk: impl FnMut() -> usize) -> Outcome {
    let mut reader = reader;
    let mut events = Vec::new();
    let mut rest = input;
    loop {
        let size = next_chunk().max(1).min(rest.len());
        let (mut chunk, tail) = rest.split_at(size);
        rest = tail;
        loop {
            match reader.feed(chunk) {
                Err(e) => {
                    return Outcome { events, result: Err(e) };
                }
                Ok(step) => {
                    assert!(step.consumed <= chunk.len());
                    chunk = &chunk[step.consumed..];
                    match step.event {
                        None => {
                            assert!(chunk.is_empty(), "no event but {} bytes left unconsumed", chunk.len());
                            break;
                        }
                        Some(Event::ManifestVerified(m)) => events.push(Seen::Manifest(m)),
                        Some(Event::PayloadData { index, data }) => events.push(Seen::Data(index, data.to_vec())),
                        Some(Event::PayloadComplete { index }) => events.push(Seen::Complete(index)),
                        Some(other) => panic!("unknown event {other:?}"),
                    }
                }
            }
        }
        if rest.is_empty() {
            return Outcome { events, result: reader.finish() };
        }
    }
}

/// Reads `input` in one chunk with a reader trusting `trusted`.
pub fn read_all(trusted: &TrustedKeys, input: &[u8]) -> Outcome {
    read_with(BundleReader::new(trusted), input, || usize::MAX)
}
