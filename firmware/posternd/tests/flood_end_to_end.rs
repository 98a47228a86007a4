//! Unauthenticated floods (S1, S9): 10 000 requests with random DeviceIds from one address
//! cost no cache entry and evict no known device; past the address's budget of first
//! accesses they are answered 503 with Retry-After without asking the UEM; the known
//! device keeps being served; memory stays bounded. Figures are printed.

mod common;

use common::proxy::{ALLOWED_QUERY, activesync, backend, certificate, metrics_with, port_from, rss_kib, write_config};
use common::{Daemon, cli, text};
use std::process::Command;
use std::time::Instant;

/// Sends `count` Sync requests with random DeviceIds over a few keep-alive TLS connections;
/// prints `STATUS COUNT` lines and `retry-after VALUE`.
const FLOOD: &str = r#"
import http.client, ssl, sys, random, collections
port, cafile, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
ctx = ssl.create_default_context(cafile=cafile)
seen, retry = collections.Counter(), set()
conn = None
for i in range(count):
    dev = "FLOOD%011d" % random.randrange(10**11)
    for attempt in range(3):
        if conn is None:
            conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=30)
        try:
            conn.request("POST", "/Microsoft-Server-ActiveSync?Cmd=Sync&User=x%40example.com&DeviceId=" + dev + "&DeviceType=iPhone", body=b"x")
            r = conn.getresponse(); r.read()
        except Exception:
            # The gateway closed a kept-alive connection: send again on a new one.
            conn.close(); conn = None
            continue
        seen[r.status] += 1
        if r.getheader("Retry-After"): retry.add(r.getheader("Retry-After"))
        if r.will_close: conn.close(); conn = None
        break
    else:
        seen["error"] += 1
for k, v in seen.items(): print(k, v)
for r in retry: print("retry-after", r)
"#;

#[test]
fn a_flood_of_random_device_ids_neither_evicts_known_devices_nor_reaches_the_uem_unbounded() {
    let dir = tempfile::tempdir().expect("dir");
    certificate(dir.path());
    let back = backend(dir.path());
    write_config(dir.path(), back.port, "");
    let mut daemon = Daemon::start(dir.path(), &["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"]);
    let port = port_from(&daemon.line_with("ActiveSync proxy listening"));
    let metrics = port_from(&daemon.line_with("metrics listening"));
    // The source's budget window opens with alice's first access (a lookup of its own).
    let budget_opened = Instant::now();
    let (status, _) = activesync(dir.path(), port, ALLOWED_QUERY);
    assert!(status.contains("200"), "alice's phone is known and cached");
    let rss_before = rss_kib(daemon.child.id());

    let started = Instant::now();
    let out = Command::new("python3")
        .args(["-c", FLOOD, &port.to_string()])
        .arg(dir.path().join("cert.pem"))
        .arg("10000")
        .output()
        .expect("python3");
    let seconds = started.elapsed().as_secs_f64();
    let report = text(&out);
    let count = |status: &str| {
        report
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{status} ")))
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let (refused, busy) = (count("403"), count("503"));
    assert_eq!(refused + busy, 10_000, "every flood request refused or told to wait: {report}");
    assert!(report.contains("retry-after 10"), "busy answers say when to come back: {report}");

    // On a loaded machine the flood may outlast one budget window: each window it spans
    // gives the source a fresh budget, and no more.
    let windows =
        (budget_opened.elapsed().as_secs_f64() / postern_gateway::SOURCE_WINDOW.as_secs_f64()).floor() as u64 + 1;
    let body = metrics_with(metrics, &[]);
    let lookups: u64 = body
        .lines()
        .find_map(|l| l.strip_prefix("postern_decisions_total{reason=\"uem-no-match\"} "))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        lookups <= u64::from(postern_gateway::FIRST_ACCESSES_PER_SOURCE) * windows,
        "UEM lookups bounded by the source's budget: {lookups} in {windows} window(s)"
    );
    assert_eq!(refused, lookups, "each refusal was one lookup (random ids never repeat)");
    let cache = text(&cli(dir.path(), "show device-cache"));
    assert!(cache.contains("Device cache: 1 of"), "no flood id was cached, the known device stayed: {cache}");
    let (status, _) = activesync(dir.path(), port, ALLOWED_QUERY);
    assert!(status.contains("200"), "the known device is still served during and after: {status}");
    let rss_after = rss_kib(daemon.child.id());
    eprintln!(
        "flood: 10000 requests in {seconds:.1} s ({:.0}/s): {refused} refused after a UEM lookup ({:.1} lookups/s), {busy} answered 503; RSS {rss_before} -> {rss_after} KiB",
        10_000.0 / seconds,
        lookups as f64 / seconds
    );
    assert!(rss_after < rss_before + 64 * 1024, "memory stays bounded: {rss_before} -> {rss_after} KiB");
}
