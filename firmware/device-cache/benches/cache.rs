//! Device cache benchmarks: index lookups, durable single and batched writes at 100 000
//! and 1 000 000 cached devices, reloading 100 000 AppTunnels at start, and the resident
//! memory the index takes per cached device.
//!
//! The large caches are built once with batched writes under `CARGO_TARGET_TMPDIR` and
//! reused by later runs. Run: `cargo bench -p postern-device-cache --bench cache`.
#![allow(missing_docs)] // criterion's macros generate undocumented public functions

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use postern_decision::{
    AccessKey, AppId, DeviceIdentity, DeviceState, EasDeviceId, Platform, Provenance, ServiceName, TunnelKey,
    UemDeviceId,
};
use postern_device_cache::{CacheConfig, CachedState, DeviceCache, DeviceIndex, DeviceRecord, StoredKey};
use std::hint::black_box;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const SIZES: [u32; 2] = [100_000, 1_000_000];
const TUNNELS: u32 = 100_000;
const BUILD_BATCH: usize = 10_000;

/// A 32-character ActiveSync id (the longest allowed, so the index's worst case).
fn eas(n: u32) -> AccessKey {
    let id = format!("{:016X}{:016X}", u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15), n);
    AccessKey::ActiveSync(EasDeviceId::new(&id).expect("valid id"))
}

/// A tunnel key shaped like a real one: a UUID device id, a bundle id and a service name.
fn tunnel(n: u32) -> AccessKey {
    AccessKey::AppTunnel(TunnelKey {
        uem_device_id: UemDeviceId::new(&format!("5f0c2a9e-7d41-4c1b-9a7e-{n:012x}")).expect("valid id"),
        app_id: AppId::new("com.example.enterprise.mail").expect("valid app"),
        service: ServiceName::new("intranet-web").expect("valid service"),
    })
}

fn record(state: DeviceState, ms: u64) -> DeviceRecord {
    DeviceRecord {
        identity: DeviceIdentity { platform: Platform::Ios, ..DeviceIdentity::default() },
        state,
        provenance: Provenance::Uem,
        first_seen_ms: 1_700_000_000_000,
        updated_ms: ms,
    }
}

fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    // Second field: resident pages; x86_64 Linux pages are 4 KiB.
    statm.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()).unwrap_or(0) * 4096
}

fn cache_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// Opens (building it on first use) a cache of `n` entries made by `key`.
fn built_cache(name: &str, n: u32, key: fn(u32) -> AccessKey) -> DeviceCache {
    let path = cache_dir(name);
    let config = CacheConfig::new(&path, NonZeroU32::new(n).expect("non-zero"));
    if let Ok(opened) = DeviceCache::open(&config) {
        if opened.recovery.is_none() && opened.cache.len() == n as usize {
            return opened.cache;
        }
    }
    let _ = std::fs::remove_dir_all(&path);
    let mut cache = DeviceCache::open(&config).expect("cache opens").cache;
    let started = Instant::now();
    let mut batch = Vec::with_capacity(BUILD_BATCH);
    for i in 0..n {
        batch.push((key(i), record(DeviceState::Allowed, u64::from(i))));
        if batch.len() == BUILD_BATCH || i + 1 == n {
            cache.upsert_batch(&batch).expect("batch written");
            batch.clear();
        }
    }
    let took = started.elapsed();
    println!(
        "built {name}: {n} records in {took:.2?} ({:.0} records/s, batches of {BUILD_BATCH})",
        f64::from(n) / took.as_secs_f64()
    );
    cache
}

/// Resident memory of the index alone, per entry, for 1 000 000 entries. Each index is
/// kept alive while the next is measured, so freed memory is not counted twice.
fn index_memory(_: &mut Criterion) {
    let mut keep = Vec::new();
    for (label, key) in [("32-char ActiveSync ids", eas as fn(u32) -> AccessKey), ("AppTunnel keys", tunnel)] {
        let n: u32 = 1_000_000;
        let before = resident_bytes();
        // Grouped by UEM device as the cache builds it, each entry a device of its own.
        let index = DeviceIndex::new(NonZeroU32::new(n).expect("non-zero"));
        for i in 0..n {
            let bytes = key(i).encode().expect("encodes");
            let uem_tag = u64::from(i) + 1;
            index.insert(
                Box::from(bytes.as_slice()),
                CachedState { state: DeviceState::Allowed, provenance: Provenance::Uem, user_tag: 0, uem_tag },
            );
        }
        let after = resident_bytes();
        let per = after.saturating_sub(before) as f64 / f64::from(n);
        println!("index memory, {label}: {per:.1} bytes of RSS per cached device ({n} entries, target < 300)");
        keep.push(black_box(index));
    }
}

fn lookup_and_insert(c: &mut Criterion) {
    for n in SIZES {
        let mut cache = built_cache(&format!("bench-eas-{n}"), n, eas);
        let probe: Vec<AccessKey> = (0..4096u32).map(|i| eas(i.wrapping_mul(2_654_435_761) % n)).collect();
        let mut group = c.benchmark_group("lookup");
        let mut i = 0usize;
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                i = (i + 1) % probe.len();
                black_box(cache.lookup(&probe[i]))
            })
        });
        group.finish();

        let mut group = c.benchmark_group("durable_update");
        group.sample_size(20);
        let mut ms = 1u64 << 40;
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                i = (i + 1) % probe.len();
                ms += 1;
                cache.upsert(&probe[i], &record(DeviceState::Blocked, ms)).expect("upsert")
            })
        });
        group.finish();

        let mut group = c.benchmark_group("durable_batch_1000");
        group.sample_size(10).throughput(Throughput::Elements(1000));
        let mut start = 0u32;
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter_batched(
                || {
                    start = (start + 1000) % n;
                    ms += 1;
                    (start..start + 1000).map(|k| (eas(k % n), record(DeviceState::Allowed, ms))).collect::<Vec<_>>()
                },
                |batch| cache.upsert_batch(&batch).expect("batch"),
                BatchSize::LargeInput,
            )
        });
        group.finish();
    }
}

fn reload_app_tunnels(c: &mut Criterion) {
    drop(built_cache("bench-tunnels-100k", TUNNELS, tunnel));
    let config = CacheConfig::new(cache_dir("bench-tunnels-100k"), NonZeroU32::new(TUNNELS).expect("non-zero"));
    let mut group = c.benchmark_group("reload_100k_app_tunnels");
    group.sample_size(10);
    group.bench_function("open_and_index", |b| {
        b.iter(|| {
            let opened = DeviceCache::open(&config).expect("opens");
            assert_eq!(opened.cache.len(), TUNNELS as usize);
            opened.cache
        })
    });
    group.bench_function("open_index_and_read_all_records", |b| {
        b.iter(|| {
            let cache = DeviceCache::open(&config).expect("opens").cache;
            let tunnels = cache.app_tunnels(TUNNELS as usize).expect("reads");
            assert_eq!(tunnels.len(), TUNNELS as usize);
            (cache, tunnels)
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = index_memory, lookup_and_insert, reload_app_tunnels
}
criterion_main!(benches);
