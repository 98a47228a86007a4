//! Decision latency: a cache hit (S2, the hot path) and first accesses (S1) against 1 and
//! 100 candidate devices.

use criterion::{BenchmarkId, Criterion, black_box, criterion_main};
use postern_decision::{
    ComplianceAction, DeviceState, EasDeviceId, EasRequest, FirstAccess, GatewayId, Platform, Provenance,
    RegisteredDevice, UemDeviceId, UemKind, UemLookup, UemSettings, UemStatus, UnregisteredTunnel, UserId,
    decide_cached, decide_first_access,
};

fn cache_hit(c: &mut Criterion) {
    c.bench_function("s2_cache_hit", |b| {
        b.iter(|| decide_cached(black_box(DeviceState::Allowed), black_box(Provenance::Uem)))
    });
}

/// `n` registered devices of other users; the requesting device is the last one, matched
/// by user only (the slowest path: every tier and narrowing is tried).
fn candidates(n: usize) -> Option<(Vec<RegisteredDevice>, Vec<UnregisteredTunnel>)> {
    let mut devices = Vec::with_capacity(n);
    for i in 0..n.saturating_sub(1) {
        devices.push(RegisteredDevice {
            uem_device_id: UemDeviceId::new(&format!("uem-{i}")).ok()?,
            eas_device_id: Some(EasDeviceId::new(&format!("OTHER{i}")).ok()?),
            user: Some(UserId::new(&format!("user{i}@corp.example")).ok()?),
            platform: Platform::Android,
            status: UemStatus::NonCompliant(ComplianceAction::Monitor),
        });
    }
    devices.push(RegisteredDevice {
        uem_device_id: UemDeviceId::new("uem-me").ok()?,
        eas_device_id: None,
        user: Some(UserId::new("alice@corp.example").ok()?),
        platform: Platform::Ios,
        status: UemStatus::Compliant,
    });
    let tunnels = vec![UnregisteredTunnel {
        eas_device_id: Some(EasDeviceId::new("ELSEWHERE1").ok()?),
        user: None,
        gateway: GatewayId::new("gw-b").ok()?,
    }];
    Some((devices, tunnels))
}

fn first_access(c: &mut Criterion) {
    let (Ok(eas), Ok(user), Ok(here)) =
        (EasDeviceId::new("DEV1"), UserId::new("alice@corp.example"), GatewayId::new("gw-a"))
    else {
        return;
    };
    let request = EasRequest { eas_device_id: eas, user: Some(user), platform: Platform::Ios };
    let mut group = c.benchmark_group("s1_first_access");
    for n in [1usize, 100] {
        let Some((devices, tunnels)) = candidates(n) else {
            continue;
        };
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                decide_first_access(black_box(&FirstAccess {
                    request: &request,
                    gateway: &here,
                    lookup: UemLookup::Reachable { registered: &devices, tunnels: &tunnels },
                    settings: UemSettings::never_received(),
                    caps: UemKind::Epmm.capabilities(),
                    previous: None,
                }))
            })
        });
    }
    group.finish();
}

/// Runs every benchmark of this file.
fn benches() {
    let mut c = Criterion::default().configure_from_args();
    cache_hit(&mut c);
    first_access(&mut c);
}

criterion_main!(benches);
