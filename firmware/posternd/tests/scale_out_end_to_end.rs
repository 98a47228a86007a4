//! Three posternd gateways on their own loopback addresses behind HAProxy (TCP mode, PROXY
//! protocol v2, TLS health checks), with the reference UEM as the one coordinator: devices
//! spread and are logged with their own addresses; a killed gateway is taken out by the
//! checks and its devices are served by the others; the UEM lists each device once, on
//! the gateway holding it; a block at the UEM reaches the device on its new gateway; the
//! gateway comes back empty-handed and takes new devices.

mod common;

use common::haproxy::{Frontend, Haproxy};
use common::proxy::{activesync_from, backend, certificate, port_from};
use common::uem::Uem;
use common::{DEADLINE, Daemon};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

const BALANCER: &str = "127.0.0.2";
const GATEWAYS: [&str; 3] = ["127.0.0.11", "127.0.0.12", "127.0.0.13"];
/// Devices enrolled at the UEM; the first six connect at first, the others later.
const DEVICES: usize = 30;

fn device(n: usize) -> String {
    format!("DEV{n:04}")
}

/// Device `n` connects from its own address.
fn address(n: usize) -> String {
    format!("127.0.1.{n}")
}

fn query(n: usize) -> String {
    format!("Cmd=Sync&User=user{n}%40example.com&DeviceId={}&DeviceType=iPhone", device(n))
}

/// Writes gateway `g`'s configuration into `dir` (its own state) and starts it on its
/// address, port `port` (0: any).
fn gateway(top: &Path, dir: &Path, g: usize, port: u16, uem: &Uem, backend_port: u16) -> Daemon {
    std::fs::create_dir_all(dir).expect("gateway dir");
    let token = format!("gateway-{g}-secret-token");
    std::fs::write(dir.join("token"), &token).expect("token");
    let config = format!(
        "version = 1\n[gateway]\nid = \"postern-{g}\"\nhostname = \"postern-{g}\"\n\
         [activesync]\nbackend_url = \"http://127.0.0.1:{backend_port}\"\nproxy_protocol_from = [\"{BALANCER}/32\"]\n\
         [tls]\ncertificate_file = \"{}\"\nkey_file = \"{}\"\n\
         [uem.checkins]\ncompliance_interval_secs = 5\ntunnel_actions_interval_secs = 5\ninventory_interval_secs = 10\nbackoff_cap_secs = 5\n\
         [uem.connector]\nkind = \"postern-api\"\nurl = \"https://127.0.0.1:{}\"\nca_file = \"{}\"\ngateway_credentials = \"{}\"\n",
        top.join("cert.pem").display(),
        top.join("key.pem").display(),
        uem.port,
        top.join("uem-certs/ca.pem").display(),
        dir.join("token").display()
    );
    std::fs::write(dir.join("initial.toml"), config).expect("config");
    Daemon::start(dir, &["--listen", &format!("{}:{port}", GATEWAYS[g - 1])])
}

/// Which gateway (1-based) logged device `n`'s request from its own address, if any yet.
fn served_by(gateways: &mut [Option<Daemon>], n: usize) -> Option<usize> {
    let needle = format!("peer={} device={}", address(n), device(n));
    gateways.iter_mut().position(|g| g.as_mut().is_some_and(|g| g.logged(&needle))).map(|i| i + 1)
}

/// The UEM's merged inventory: device → gateways listing it.
fn holders(uem: &Uem) -> BTreeMap<String, Vec<String>> {
    let listed: serde_json::Value = serde_json::from_str(&uem.admin(&["holders"])).expect("holders JSON");
    let mut by_device: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for h in listed.as_array().into_iter().flatten() {
        let (device, gateway) = (h["activesync_id"].as_str().unwrap_or("-"), h["gateway_id"].as_str().unwrap_or("-"));
        by_device.entry(device.to_owned()).or_default().push(gateway.to_owned());
    }
    by_device
}

fn until<T>(what: &str, mut attempt: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(done) = attempt() {
            return done;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Device `n` through the balancer until it is answered 200; returns the gateway that served it.
fn serve(top: &Path, port: u16, gateways: &mut [Option<Daemon>], n: usize) -> usize {
    until(&format!("{} to be served", device(n)), || {
        let (status, _) = activesync_from(top, &address(n), port, &query(n));
        if !status.contains("200") {
            return None;
        }
        let start = Instant::now();
        loop {
            if let Some(g) = served_by(gateways, n) {
                return Some(g);
            }
            assert!(start.elapsed() < Duration::from_secs(5), "{} was served but no gateway logged it", device(n));
            std::thread::sleep(Duration::from_millis(50));
        }
    })
}

#[test]
fn three_gateways_behind_haproxy_hand_devices_over_through_the_uem() {
    let dir = tempfile::tempdir().expect("temp dir");
    let top = dir.path();
    certificate(top);
    let back = backend(top);
    let uem = Uem::start(top, 0, 0);
    for g in 1..=3 {
        uem.admin(&["token", &format!("postern-{g}"), &format!("gateway-{g}-secret-token")]);
    }
    for n in 1..=DEVICES {
        uem.admin(&[
            "enrol",
            "--uem-id",
            &format!("uem-{n:04}"),
            "--activesync-id",
            &device(n),
            "--user",
            &format!("user{n}@example.com"),
        ]);
    }
    let mut gateways: Vec<Option<Daemon>> =
        (1..=3).map(|g| Some(gateway(top, &top.join(format!("g{g}")), g, 0, &uem, back.port))).collect();
    let ports: Vec<u16> = gateways
        .iter_mut()
        .map(|g| port_from(&g.as_mut().expect("running").line_with("ActiveSync proxy listening")))
        .collect();

    let frontend = Frontend::bind();
    let servers: String = (0..3)
        .map(|i| format!("  server g{} {}:{} send-proxy-v2 source {BALANCER} check check-ssl verify none inter 300ms fall 2 rise 2\n", i + 1, GATEWAYS[i], ports[i]))
        .collect();
    let haproxy_config = format!(
        "defaults\n  mode tcp\n  retries 3\n  option redispatch\n  timeout connect 2s\n  timeout client 30s\n  timeout server 30s\n  timeout check 2s\n\
         frontend devices\n  bind {}\n  default_backend gateways\n\
         backend gateways\n  balance source\n  option httpchk GET /health\n{servers}",
        frontend.bind_arg()
    );
    let haproxy = Haproxy::start(top, &haproxy_config, vec![frontend]);
    let port = haproxy.ports[0];

    // Devices spread over the gateways, each logged with its own address.
    let mut held: BTreeMap<usize, usize> = BTreeMap::new();
    for n in 1..=6 {
        held.insert(n, serve(top, port, &mut gateways, n));
    }
    let used: std::collections::BTreeSet<_> = held.values().collect();
    assert!(used.len() >= 2, "balance source put every device on one gateway: {held:?}");
    // The UEM lists each device once, on the gateway that holds it.
    let expected = |held: &BTreeMap<usize, usize>| {
        held.iter().map(|(n, g)| (device(*n), vec![format!("postern-{g}")])).collect::<BTreeMap<_, _>>()
    };
    until("the UEM to list each device on its gateway", || (holders(&uem) == expected(&held)).then_some(()));

    // The gateway holding the first device dies.
    let victim = held[&1];
    let killed = Instant::now();
    gateways[victim - 1] = None;
    until("haproxy to take the dead gateway out", || {
        haproxy.log().contains(&format!("gateways/g{victim} is DOWN")).then_some(())
    });
    let down_after = killed.elapsed();
    for (n, g) in held.clone() {
        if g == victim {
            let now = serve(top, port, &mut gateways, n);
            assert_ne!(now, victim);
            held.insert(n, now);
        }
    }
    let handed_over_after = killed.elapsed();
    until("the UEM to list each device once, on its new gateway", || (holders(&uem) == expected(&held)).then_some(()));
    eprintln!(
        "scale-out: gateway {victim} killed; haproxy took it out after {down_after:?}; its devices were served elsewhere after {handed_over_after:?}"
    );

    // A block at the UEM cuts the first device on whichever gateway holds it now.
    uem.admin(&["block", "uem-0001"]);
    let blocking = Instant::now();
    until("the block to reach the device's new gateway", || {
        activesync_from(top, &address(1), port, &query(1)).0.contains("403").then_some(())
    });
    assert!(blocking.elapsed() < Duration::from_secs(10), "the block took {:?}", blocking.elapsed());
    eprintln!("scale-out: a UEM block was enforced on gateway {} after {:?}", held[&1], blocking.elapsed());

    // It comes back empty-handed on the same address and takes new devices.
    gateways[victim - 1] =
        Some(gateway(top, &top.join(format!("g{victim}-again")), victim, ports[victim - 1], &uem, back.port));
    until("haproxy to put the gateway back", || {
        haproxy.log().contains(&format!("gateways/g{victim} is UP")).then_some(())
    });
    let mut taken = None;
    for n in 7..=DEVICES {
        let g = serve(top, port, &mut gateways, n);
        held.insert(n, g);
        if g == victim {
            taken = Some(n);
            break;
        }
    }
    let taken =
        taken.unwrap_or_else(|| panic!("the returning gateway took none of {} new devices: {held:?}", DEVICES - 6));
    until("the UEM to list the new device on the returned gateway", || {
        (holders(&uem) == expected(&held)).then_some(())
    });
    assert_eq!(holders(&uem)[&device(taken)], [format!("postern-{victim}")]);
}

/// CPU time (user + system) a process has used, in clock ticks (1/100 s).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // Fields 14 and 15 of /proc/PID/stat, counted after the name.
    field(11) + field(12)
}

/// Requests per second and CPU milliseconds per request through 1, 2 and 3 gateways
/// behind HAProxy (round robin), measured with wrk in one run so the figures compare.
/// The request is a blocked device's, decided from the cache: the gateways' own work
/// (TLS, PROXY header, HTTP, decision) without a back end. `cargo xtask scale` runs it in
/// a release build.
#[test]
#[ignore = "a benchmark: minutes of CPU, noisy on a shared machine"]
fn benchmark_requests_per_second_through_one_two_and_three_gateways() {
    let dir = tempfile::tempdir().expect("temp dir");
    let top = dir.path();
    certificate(top);
    let back = backend(top);
    let uem = Uem::start(top, 0, 0);
    for g in 1..=3 {
        uem.admin(&["token", &format!("postern-{g}"), &format!("gateway-{g}-secret-token")]);
    }
    uem.admin(&["enrol", "--uem-id", "uem-0001", "--activesync-id", &device(1), "--user", "user1@example.com"]);
    uem.admin(&["block", "uem-0001"]);
    let mut gateways: Vec<Daemon> =
        (1..=3).map(|g| gateway(top, &top.join(format!("g{g}")), g, 0, &uem, back.port)).collect();
    let ports: Vec<u16> = gateways.iter_mut().map(|g| port_from(&g.line_with("ActiveSync proxy listening"))).collect();
    std::fs::write(top.join("post.lua"), "wrk.method = \"POST\"\nwrk.body = \"x\"\n").expect("wrk script");
    let mut baseline = None;
    for n in 1..=3 {
        let frontend = Frontend::bind();
        let servers: String = (0..n)
            .map(|i| format!("  server g{} {}:{} send-proxy-v2 source {BALANCER}\n", i + 1, GATEWAYS[i], ports[i]))
            .collect();
        let config = format!(
            "defaults\n  mode tcp\n  timeout connect 2s\n  timeout client 30s\n  timeout server 30s\n\
             frontend devices\n  bind {}\n  default_backend gateways\nbackend gateways\n  balance roundrobin\n{servers}",
            frontend.bind_arg()
        );
        let haproxy = Haproxy::start(top, &config, vec![frontend]);
        let url = format!("https://127.0.0.1:{}/Microsoft-Server-ActiveSync?{}", haproxy.ports[0], query(1));
        let status = activesync_from(top, "127.0.0.1", haproxy.ports[0], &query(1)).0;
        assert!(status.contains("403"), "warm-up: {status}");
        let pids: Vec<u32> = gateways.iter().take(n).map(|g| g.child.id()).collect();
        let before: u64 = pids.iter().map(|p| cpu_ticks(*p)).sum();
        let out = std::process::Command::new("wrk")
            .args(["-t", "2", "-c", "24", "-d", "8s", "-s"])
            .arg(top.join("post.lua"))
            .arg(&url)
            .output()
            .expect("wrk runs (Debian package wrk)");
        let report = String::from_utf8_lossy(&out.stdout).into_owned();
        let after: u64 = pids.iter().map(|p| cpu_ticks(*p)).sum();
        let rps: f64 = report
            .lines()
            .find_map(|l| l.strip_prefix("Requests/sec:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0.0);
        let requests = rps * 8.0;
        let cpu_ms_per_request = (after - before) as f64 * 10.0 / requests.max(1.0);
        let base = *baseline.get_or_insert(rps);
        eprintln!(
            "scale-out bench: {n} gateway(s): {rps:.0} requests/s ({:.2}x one gateway), gateway CPU {cpu_ms_per_request:.3} ms/request",
            rps / base
        );
        assert!(rps > 0.0, "wrk measured nothing:\n{report}");
    }
}
