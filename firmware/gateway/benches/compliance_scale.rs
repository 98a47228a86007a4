//! A compliance change with a big device cache: the time from the UEM's answer to the
//! gateway's enforcement (cache written, cut announced) with 1 000 and 1 000 000 cached
//! devices, whose ratio shows whether a change costs the size of the cache; and the p99
//! of unrelated decisions from the cache (what every request asks) while a pull that changes 50 000
//! devices (the most one page carries) is applied, against the same p99 at rest.
//!
//! The caches are built once under `CARGO_TARGET_TMPDIR` and reused by later runs.
//! Run: `cargo bench -p postern-gateway --bench compliance_scale`.
#![allow(missing_docs)] // criterion's macros generate undocumented public functions

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use postern_decision::{
    AccessKey, DeviceIdentity, DeviceState, EasDeviceId, EasRequest, GatewayId, Platform, Provenance, UemDeviceId,
};
use postern_device_cache::{CacheConfig, DeviceCache, DeviceRecord};
use postern_gateway::Gateway;
use postern_uem_api::{BoundedList, ComplianceChange, ComplianceChanges, Cursor, WireAction, WireStatus};
use postern_uem_connector::Unusable;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const SIZES: [u32; 2] = [1_000, 1_000_000];
const BUILD_BATCH: usize = 10_000;
const PULL: u32 = 50_000;
/// A section of about one decision's length, timed beside each decision.
const SPIN: Duration = Duration::from_micros(3);

fn eas(n: u32) -> AccessKey {
    AccessKey::ActiveSync(EasDeviceId::new(&format!("DEV{n:012}")).expect("valid id"))
}

fn uem(n: u32) -> UemDeviceId {
    UemDeviceId::new(&format!("uem-{n:010}")).expect("valid id")
}

fn record(n: u32) -> DeviceRecord {
    DeviceRecord {
        identity: DeviceIdentity { platform: Platform::Ios, uem_device_id: Some(uem(n)), ..DeviceIdentity::default() },
        state: DeviceState::Allowed,
        provenance: Provenance::Uem,
        first_seen_ms: 1_700_000_000_000,
        updated_ms: 1_700_000_000_000,
    }
}

fn now_ms() -> u64 {
    1_800_000_000_000
}

/// A gateway over a cache of `n` devices, built on first use.
fn gateway(n: u32) -> Gateway {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("compliance-scale-{n}"));
    let capacity = NonZeroU32::new(n).expect("non-zero");
    let mut cache = DeviceCache::open(&CacheConfig::new(&path, capacity)).expect("cache opens").cache;
    if cache.len() != n as usize {
        cache.clear().expect("cleared");
        let started = Instant::now();
        let all: Vec<u32> = (0..n).collect();
        for chunk in all.chunks(BUILD_BATCH) {
            let batch: Vec<_> = chunk.iter().map(|&i| (eas(i), record(i))).collect();
            cache.upsert_batch(&batch).expect("batch written");
        }
        eprintln!("built a cache of {n} devices in {:.1?}", started.elapsed());
    }
    let connector = Arc::new(Unusable::new("static", "benchmark: no UEM is asked"));
    Gateway::new(GatewayId::new("bench-1").expect("id"), connector, cache, now_ms, Duration::from_secs(1))
}

fn changes(ids: impl Iterator<Item = u32>, status: WireStatus, full: bool) -> ComplianceChanges {
    let changes: Vec<ComplianceChange> =
        ids.map(|n| ComplianceChange { uem_device_id: uem(n), activesync_id: None, user: None, status }).collect();
    ComplianceChanges {
        cursor: Cursor::new("bench-cursor").expect("cursor"),
        full,
        more: false,
        changes: BoundedList::new(changes).expect("within the page limit"),
    }
}

const BLOCK: WireStatus = WireStatus::Noncompliant { action: WireAction::Block };

fn one_change(c: &mut Criterion) {
    let mut group = c.benchmark_group("compliance change enforced");
    group.sample_size(20);
    for n in SIZES {
        let gateway = gateway(n);
        // The cache is kept between runs, and a run may end with the device blocked.
        gateway.apply_compliance(&changes([7].into_iter(), WireStatus::Compliant, false)).expect("reset");
        let mut flip = false;
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                flip = !flip;
                let status = if flip { BLOCK } else { WireStatus::Compliant };
                let applied = gateway.apply_compliance(&changes([7].into_iter(), status, false)).expect("applied");
                assert_eq!(applied.changed, 1);
            })
        });
    }
    group.finish();
}

/// p50/p99 of an ActiveSync decision for a cached device (what every request asks the
/// gateway), from another thread, at rest and while a pull of [`PULL`] changes is
/// applied; printed as a ratio.
fn lookups_during_a_big_pull(_: &mut Criterion) {
    let n = SIZES[1];
    let gateway = Arc::new(gateway(n));
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    // Each decision is followed by the same timing around a spin of about a decision's
    // length: the tail that the machine's scheduling alone gives, during the pull and at rest.
    let sample = |gateway: &Arc<Gateway>, busy: Option<&AtomicBool>| {
        let mut times = Vec::new();
        let mut empty = Vec::new();
        let started = Instant::now();
        loop {
            let AccessKey::ActiveSync(eas_device_id) = eas((times.len() as u32 * 7919) % n) else { unreachable!() };
            let request = EasRequest { eas_device_id, user: None, platform: Platform::Ios };
            let at = Instant::now();
            std::hint::black_box(runtime.block_on(gateway.activesync_access(&request)).expect("decided"));
            times.push(at.elapsed());
            let at = Instant::now();
            while at.elapsed() < SPIN {
                std::hint::spin_loop();
            }
            empty.push(at.elapsed());
            std::thread::sleep(Duration::from_micros(50));
            let done = match busy {
                Some(busy) => !busy.load(Ordering::SeqCst),
                None => started.elapsed() > Duration::from_secs(2),
            };
            if done {
                break;
            }
        }
        times.sort_unstable();
        empty.sort_unstable();
        let at = |times: &[Duration], q: f64| times[((times.len() - 1) as f64 * q) as usize];
        (at(&times, 0.5), at(&times, 0.99), times.len(), at(&empty, 0.99))
    };
    let (idle_p50, idle_p99, idle_n, idle_floor) = sample(&gateway, None);
    let busy = Arc::new(AtomicBool::new(true));
    let puller = {
        let (gateway, busy) = (gateway.clone(), busy.clone());
        std::thread::spawn(move || {
            let started = Instant::now();
            let spread = || (0..PULL).map(|i| i * (n / PULL));
            let applied = gateway.apply_compliance(&changes(spread(), BLOCK, false)).expect("applied");
            busy.store(false, Ordering::SeqCst);
            let took = started.elapsed();
            gateway.apply_compliance(&changes(spread(), WireStatus::Compliant, false)).expect("restored");
            (took, applied.changed)
        })
    };
    let (busy_p50, busy_p99, busy_n, busy_floor) = sample(&gateway, Some(&busy));
    let (took, changed) = puller.join().expect("pull applied");
    println!(
        "a pull of {PULL} changes with {n} cached: {took:.1?}, {changed} changed; lookups at rest p50 {idle_p50:?} p99 {idle_p99:?} ({idle_n}), during the pull p50 {busy_p50:?} p99 {busy_p99:?} ({busy_n}); p99 during / at rest: {:.2}x; p99 of a {SPIN:?} spin at rest {idle_floor:?}, during the pull {busy_floor:?}",
        busy_p99.as_secs_f64() / idle_p99.as_secs_f64()
    );
}

criterion_group!(benches, one_change, lookups_during_a_big_pull);
criterion_main!(benches);
