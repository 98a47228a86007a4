//! Verifier throughput without the network: whole assessments (version negotiation,
//! attribute request, segments, evaluation, result) between the sans-IO verifier and
//! collector, for a small and a full system's package list.

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_main};
use postern_host_checker::{
    Collector, CollectorOutput, PlatformMatch, Policy, PolicySet, PostureReport, SoftwareRule, Verifier,
    VerifierConfig, VerifierOutput, VersionRange,
};
use postern_tnc_wire::{
    Limits,
    pa::{ForwardingEnabled, Package},
};

fn report(packages: usize) -> PostureReport {
    let mut list = vec![Package { name: "openssl".into(), version: "3.0.15-1~deb12u1".into() }];
    list.extend((0..packages).map(|i| Package { name: format!("lib-{i:05}"), version: format!("2.{i}.1-3+deb12u1") }));
    PostureReport {
        product: "debian".into(),
        version: "12".into(),
        build: "6.1.0-28-amd64".into(),
        config: "x86_64".into(),
        packages: list,
        forwarding: ForwardingEnabled::Disabled,
        default_password: Some(false),
    }
}

fn policies() -> Arc<PolicySet> {
    let policy = Policy {
        min_os_version: Some("12".into()),
        required: vec![SoftwareRule {
            name: "openssl".into(),
            versions: VersionRange { min: Some("3.0.15".into()), below: None },
        }],
        forbidden: vec![SoftwareRule { name: "telnetd".into(), versions: VersionRange::default() }],
        deny_forwarding: true,
        ..Policy::new("baseline", vec![PlatformMatch::LinuxDistribution("debian".into())])
    };
    Arc::new(PolicySet { policies: vec![policy], patch_list: None })
}

/// One whole assessment; returns whether it was compliant.
fn assess(policies: &Arc<PolicySet>, report: &PostureReport) -> bool {
    let mut verifier = Verifier::new(VerifierConfig::default(), policies.clone());
    let mut collector = Collector::new(report.clone(), Limits::DEFAULT);
    let mut queue = vec![collector.start().expect("start")];
    let mut compliant = false;
    while let Some(message) = queue.pop() {
        for out in verifier.receive(&message) {
            match out {
                VerifierOutput::Send(bytes) => {
                    for reply in collector.receive(&bytes) {
                        if let CollectorOutput::Send(b) = reply {
                            queue.push(b);
                        }
                    }
                }
                VerifierOutput::Decided(d) => compliant = d.compliant,
                VerifierOutput::Close
                | VerifierOutput::Failed(_)
                | VerifierOutput::Authenticated { .. }
                | VerifierOutput::SaslRejected { .. } => {}
            }
        }
    }
    compliant
}

fn bench(c: &mut Criterion) {
    let policies = policies();
    let mut group = c.benchmark_group("assessment");
    group.throughput(Throughput::Elements(1));
    for packages in [10, 1500] {
        let report = report(packages);
        assert!(assess(&policies, &report));
        group.bench_function(format!("{packages}-packages"), |b| b.iter(|| assess(&policies, &report)));
    }
    group.finish();
}

mod group {
    criterion::criterion_group!(benches, super::bench);
}
criterion_main!(group::benches);
