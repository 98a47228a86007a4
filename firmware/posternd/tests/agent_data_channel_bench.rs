//! A benchmark of the agent's data channel (ignored by default; run it as root with
//! `cargo test --release -p posternd --test agent_data_channel_bench -- --ignored
//! --nocapture`): 512 MiB downloaded directly over TCP, with curl through an AppTunnel, and
//! through the agent, in one run (speed and CPU per GiB of the agent and posternd); then
//! the agent's memory per idle flow.

mod common;

use common::agent_data::{GATEWAY, PROTECTED, Rig, in_gateway_namespace};
use common::text;
use std::process::Stdio;
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
    let rig = Rig::new(300);
    let dir = rig.dir.path();
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
    for (name, args) in
        [("direct TCP", &direct), ("curl through AppTunnel", &through_apptunnel), ("through the agent", &through_agent)]
    {
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
        assert_eq!(bytes as u64, 512 << 20, "{name}: {}", text(&out));
        let agent_ms = (cpu_ticks(agent) - agent_before) * 10;
        let daemon_ms = (cpu_ticks(daemon) - daemon_before) * 10;
        println!(
            "{name}: {:.0} MiB/s; CPU per GiB: agent {} ms, posternd {} ms",
            bytes / took / f64::from(1 << 20),
            agent_ms * 2,
            daemon_ms * 2
        );
    }

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
