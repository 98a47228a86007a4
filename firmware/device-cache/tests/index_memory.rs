//! The in-memory index stays under 300 bytes of resident memory per cached device.
//! Ignored by default (it allocates a million entries); run with
//! `cargo test --release -p postern-device-cache --test index_memory -- --ignored`.

use postern_decision::{AccessKey, DeviceState, EasDeviceId, Provenance};
use postern_device_cache::{CachedState, DeviceIndex, StoredKey};
use std::num::NonZeroU32;

const ENTRIES: u32 = 1_000_000;
const LIMIT_BYTES_PER_DEVICE: f64 = 300.0;

fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("statm readable");
    // Second field: resident pages; x86_64 Linux pages are 4 KiB.
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).expect("resident pages");
    pages * 4096
}

#[test]
#[ignore = "allocates a million entries; run on demand"]
fn index_stays_under_300_bytes_per_device() {
    let before = resident_bytes();
    // Grouped by UEM device, as the cache builds it: every entry in a group of its own.
    let index = DeviceIndex::new(NonZeroU32::new(ENTRIES).expect("non-zero"));
    for n in 0..ENTRIES {
        // 32 characters: the longest ActiveSync id, so the largest key.
        let id = format!("{:016X}{:016X}", u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15), n);
        let key = AccessKey::ActiveSync(EasDeviceId::new(&id).expect("valid id")).encode().expect("encodes");
        let state = CachedState {
            state: DeviceState::Allowed,
            provenance: Provenance::Uem,
            user_tag: 0,
            uem_tag: u64::from(n) + 1,
        };
        index.insert(Box::from(key.as_slice()), state);
    }
    let per_device = resident_bytes().saturating_sub(before) as f64 / f64::from(ENTRIES);
    println!("index: {per_device:.1} bytes of resident memory per cached device");
    assert_eq!(index.len(), ENTRIES as usize);
    assert!(per_device < LIMIT_BYTES_PER_DEVICE, "{per_device:.1} bytes per device");
    assert!(per_device > 16.0, "measurement is implausibly small: {per_device:.1} bytes per device");
}
