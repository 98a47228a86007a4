//! A benchmark of the agent's data channel (ignored by default; run it as root with
//! `cargo test --release -p posternd --test agent_data_channel_bench -- --ignored
//! --nocapture`), in one run: 1 GiB downloaded directly over TCP, directly over TLS 1.3
//! and 1.2 (nginx on the gateway's side), with curl through an AppTunnel, and through the agent
//! (speed and CPU per GiB of the agent and posternd); the time to the first byte of a new
//! flow with the data channel closed and open; 1 GiB of random bytes through the agent,
//! checked by sha256; the agent's memory per idle flow.

mod common;

use common::agent_data::{Agent, Endpoint, GATEWAY, PROTECTED, Rig, agent_binary, in_gateway_namespace};
use common::agent_net::{Server, nginx, random_file};
use common::{free_configured_port, text};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// CPU time (user + system, in clock ticks of 10 ms) process `pid` has used.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    after.split_whitespace().skip(11).take(2).filter_map(|f| f.parse::<u64>().ok()).sum()
}

#[test]
#[ignore = "a benchmark: cargo test --release -p posternd --test agent_data_channel_bench -- --ignored --nocapture"]
fn throughput_through_the_agent_against_apptunnel_and_direct() {
    in_gateway_namespace(benchmark);
}

fn benchmark() {
    let files = tempfile::tempdir().expect("temp dir");
    let (random, random_sum) = random_file(files.path(), "random.bin", 1024);
    let rig = Rig::serving(300, Some(&random));
    let dir = rig.dir.path();
    let (tls_port, _nginx) = tls_server(dir);
    let port = rig.back.port;
    let (agent, daemon) = (rig.agent.child.id(), rig.daemon.child.id());
    let through_agent = vec![format!("http://{PROTECTED}:{port}/big")];
    let mut through_apptunnel: Vec<String> =
        ["-p", "--proxy", &format!("https://{GATEWAY}:{}", rig.tunnels)].iter().map(ToString::to_string).collect();
    for (flag, file) in
        [("--proxy-cacert", "server-ca.pem"), ("--proxy-cert", "uem-0001.pem"), ("--proxy-key", "uem-0001-key.pem")]
    {
        through_apptunnel.extend([flag.to_owned(), dir.join(file).display().to_string()]);
    }
    through_apptunnel.extend([
        "--proxy-header".into(),
        "X-Postern-App: postern-agent".into(),
        through_agent[0].clone(),
    ]);
    let direct = vec![format!("http://{GATEWAY}:{port}/big")];
    let ca = dir.join(format!("{TLS_NAME}.pem")).display().to_string();
    let direct_tls = vec![
        "--cacert".into(),
        ca,
        "--resolve".into(),
        format!("{TLS_NAME}:{tls_port}:{GATEWAY}"),
        format!("https://{TLS_NAME}:{tls_port}/zeros.bin"),
    ];
    // OpenSSL's servers (nginx, s_server) were found 3x slower over TLS 1.3 than 1.2 here.
    let mut direct_tls12 = vec!["--tls-max".to_owned(), "1.2".to_owned()];
    direct_tls12.extend(direct_tls.iter().cloned());
    let paths = [
        ("direct TCP", &direct),
        ("direct TLS 1.3", &direct_tls),
        ("direct TLS 1.2", &direct_tls12),
        ("curl through AppTunnel", &through_apptunnel),
        ("through the agent", &through_agent),
    ];
    let mut speeds = Vec::new();
    for (name, args) in paths {
        let (agent_before, daemon_before) = (cpu_ticks(agent), cpu_ticks(daemon));
        let start = Instant::now();
        let out = rig
            .endpoint
            .command("curl")
            .args(["-s", "-o", "/dev/null", "--max-time", "120", "-w", "%{size_download}"])
            .args(args.iter())
            .output()
            .expect("curl runs");
        let took = start.elapsed().as_secs_f64();
        let bytes: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0.0);
        assert_eq!(bytes as u64, 1 << 30, "{name}: {}", text(&out));
        let agent_ms = (cpu_ticks(agent) - agent_before) * 10;
        let daemon_ms = (cpu_ticks(daemon) - daemon_before) * 10;
        println!(
            "{name}: {:.0} MiB/s; CPU per GiB: agent {} ms, posternd {} ms",
            bytes / took / f64::from(1 << 20),
            agent_ms,
            daemon_ms
        );
        speeds.push((name, bytes / took));
    }
    let (_, agent_speed) = speeds[4];
    for (name, speed) in &speeds[..4] {
        println!("through the agent against {name}: {:.2}x", agent_speed / speed);
    }

    first_byte(&rig.endpoint, &rig.agent, port);

    // 1 GiB of random bytes through the agent, intact.
    let pipeline = format!("set -o pipefail; curl -sS --max-time 300 http://{PROTECTED}:{port}/file | sha256sum");
    let out = rig.endpoint.command("bash").args(["-c", &pipeline]).output().expect("bash runs");
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).starts_with(&random_sum), "1 GiB arrived intact: {}", text(&out));
    println!("1 GiB of random bytes through the agent: sha256 intact");

    // Memory per idle flow: 60 connections held open without a byte (AppTunnel admits 64
    // connections per device by default).
    let before = rss_kib(agent);
    let script = format!(
        "import socket, time\nheld = [socket.create_connection(('{PROTECTED}', {port})) for _ in range(60)]\n\
         print('open', flush=True)\ntime.sleep(30)\n"
    );
    let mut holder =
        rig.endpoint.command("python3").args(["-c", &script]).stdout(Stdio::piped()).spawn().expect("python3 runs");
    rig.agent.wait_status("Data channel: open, 60 flows");
    std::thread::sleep(Duration::from_millis(500));
    let after = rss_kib(agent);
    let _ = holder.kill();
    let _ = holder.wait();
    println!(
        "memory per idle flow: {} KiB of agent RSS ({before} KiB before, {after} KiB with 60)",
        (after - before) / 60
    );
}

/// The name the direct TLS server's certificate carries.
const TLS_NAME: &str = "bench.example";

/// nginx on the gateway's side serving `DIR/tls/zeros.bin` (1 GiB, sparse) over TLS: its
/// port and the server.
fn tls_server(dir: &Path) -> (u16, Server) {
    let root = dir.join("tls");
    std::fs::create_dir_all(&root).expect("tls root");
    let zeros = std::fs::File::create(root.join("zeros.bin")).expect("zeros.bin");
    zeros.set_len(1 << 30).expect("1 GiB");
    let port = free_configured_port();
    (port, nginx(None, dir, (GATEWAY, port), TLS_NAME, &root))
}

/// The time to the first byte of a new flow, with the data channel closed (just after
/// `postern-agent disconnect`) and open (at once after), seven times each: the medians
/// and their ratio.
fn first_byte(endpoint: &Endpoint, agent: &Agent, port: u16) {
    let url = format!("http://{PROTECTED}:{port}/");
    let ttfb = || {
        let out = endpoint
            .command("curl")
            .args(["-s", "-o", "/dev/null", "--max-time", "10", "-w", "%{time_starttransfer}", &url])
            .output()
            .expect("curl runs");
        assert!(out.status.success(), "{}", text(&out));
        text(&out).trim().parse::<f64>().expect("seconds")
    };
    let (mut closed, mut open) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        let out =
            Command::new(agent_binary()).arg("--config").arg(&agent.config).arg("disconnect").output().expect("runs");
        assert!(out.status.success(), "{}", text(&out));
        agent.wait_status("Data channel: closed");
        closed.push(ttfb());
        open.push(ttfb());
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (closed, open) = (median(&mut closed), median(&mut open));
    println!(
        "first byte of a new flow: {:.1} ms with the data channel closed, {:.1} ms open ({:.2}x)",
        closed * 1000.0,
        open * 1000.0,
        closed / open
    );
}

/// The resident memory of process `pid`, in KiB.
fn rss_kib(pid: u32) -> i64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
