//! The endpoint agent's data channel end to end (Z2), in two network namespaces the test
//! makes: the gateway's (this test thread's own: posternd and a back end on 10.200.0.5)
//! and the endpoint's (`ip netns exec`: postern-agent with its TUN interface, and curl),
//! joined by a veth pair. `curl http://10.200.0.5:PORT/` on the endpoint goes through the
//! TUN, the agent's user-space TCP stack and an AppTunnel to the back end; another port in
//! the protected prefix is reset at once; the channel closes when idle and on
//! `postern-agent disconnect` and reopens on the next request; stopping the agent resets
//! its flows; blocking the device from the CLI cuts its flows and refuses new ones.
//! Needs root.

mod common;

use common::posture::server_pki;
use common::proxy::{device_pki, port_from, spawn_backend, write_config};
use common::{Daemon, cli, free_configured_port, text};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const GATEWAY: &str = "192.168.77.1";
const ENDPOINT: &str = "192.168.77.2";
const PROTECTED: &str = "10.200.0.5";

fn agent_binary() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_posternd")).with_file_name("postern-agent");
    assert!(path.is_file(), "{} is missing: build the workspace's binaries first (cargo build --bins)", path.display());
    path
}

fn run(args: &[&str]) -> String {
    let out = Command::new(args[0]).args(&args[1..]).output().unwrap_or_else(|e| panic!("{args:?}: {e}"));
    assert!(out.status.success(), "{args:?}: {}", text(&out));
    text(&out)
}

/// The endpoint's namespace, removed when dropped.
struct Endpoint(String);

impl Endpoint {
    /// Makes the namespace and the veth pair; this thread is in the gateway's namespace.
    fn new() -> Self {
        let name = format!("pt-endpoint-{}", std::process::id());
        run(&["ip", "link", "set", "lo", "up"]);
        run(&["ip", "netns", "add", &name]);
        let endpoint = Self(name);
        run(&["ip", "link", "add", "gw0", "type", "veth", "peer", "name", "ep0"]);
        run(&["ip", "link", "set", "ep0", "netns", &endpoint.0]);
        run(&["ip", "addr", "add", &format!("{GATEWAY}/24"), "dev", "gw0"]);
        run(&["ip", "link", "set", "gw0", "up"]);
        run(&["ip", "addr", "add", &format!("{PROTECTED}/32"), "dev", "lo"]);
        endpoint.exec(&["ip", "link", "set", "lo", "up"]);
        endpoint.exec(&["ip", "addr", "add", &format!("{ENDPOINT}/24"), "dev", "ep0"]);
        endpoint.exec(&["ip", "link", "set", "ep0", "up"]);
        endpoint
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", &self.0, program]);
        command
    }

    fn exec(&self, args: &[&str]) -> Output {
        let out = self.command(args[0]).args(&args[1..]).output().expect("ip netns exec runs");
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        out
    }

    /// curl on the endpoint: (exit code, body, seconds taken).
    fn curl(&self, url: &str) -> (Option<i32>, String, Duration) {
        let start = Instant::now();
        let out = self.command("curl").args(["-s", "--max-time", "10", url]).output().expect("curl runs");
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned(), start.elapsed())
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

/// A back end on the gateway's side (every address, 10.200.0.5 among them): `/` answers at
/// once, `/slow` streams a line a second for a minute (its length announced, so a cut
/// shows), `/big` sends 512 MiB.
fn backend() -> common::proxy::Backend {
    let script = r#"
import http.server, time
BIG_MIB = 512
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def do_GET(self):
        self.send_response(200)
        if self.path == "/slow":
            self.send_header("Content-Length", "300")
        if self.path == "/big":
            self.send_header("Content-Length", str(BIG_MIB << 20))
        self.end_headers()
        if self.path == "/big":
            chunk = bytes(1 << 20)
            for i in range(BIG_MIB):
                self.wfile.write(chunk)
        elif self.path == "/slow":
            for i in range(60):
                self.wfile.write(b"tick\n"); self.wfile.flush(); time.sleep(1)
        else:
            self.wfile.write(("back end saw " + self.client_address[0] + "\n").encode())
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("0.0.0.0", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;
    let mut command = Command::new("python3");
    command.arg("-c").arg(script).stderr(Stdio::null());
    spawn_backend(command)
}

/// The server certificate again, naming the gateway's veth address too.
fn certificate_for_the_veth(dir: &Path) {
    std::fs::write(
        dir.join("server.ext"),
        format!("subjectAltName=DNS:localhost,IP:127.0.0.1,IP:{GATEWAY}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"),
    )
    .expect("ext");
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(["x509", "-req", "-in", "server.csr", "-CA", "server-ca.pem", "-CAkey", "server-ca-key.pem"])
        .args(["-CAcreateserial", "-days", "2", "-out", "cert.pem", "-extfile", "server.ext"])
        .output()
        .expect("openssl runs");
    assert!(out.status.success(), "{}", text(&out));
}

/// Starts postern-agent on the endpoint, appending its log to `log`.
fn start_agent(endpoint: &Endpoint, config: &Path, log: &Path) -> Child {
    let log = std::fs::File::options().create(true).append(true).open(log).expect("log");
    endpoint
        .command(agent_binary().to_str().expect("path"))
        .arg("--config")
        .arg(config)
        .arg("run")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("postern-agent starts")
}

/// A slow download on the endpoint, started once the agent shows its flow.
fn slow_download(endpoint: &Endpoint, agent: &Agent, port: u16) -> Child {
    let slow = endpoint
        .command("curl")
        .args(["-s", "--max-time", "30", &format!("http://{PROTECTED}:{port}/slow")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("curl runs");
    agent.wait_status("Data channel: open, 1 flows");
    std::thread::sleep(Duration::from_millis(1500));
    slow
}

struct Agent {
    child: Child,
    config: PathBuf,
    log: PathBuf,
}

impl Agent {
    fn status(&self) -> String {
        let out =
            Command::new(agent_binary()).arg("--config").arg(&self.config).arg("status").output().expect("status");
        text(&out)
    }

    fn wait_status(&self, wanted: &str) -> String {
        let start = Instant::now();
        loop {
            let status = self.status();
            if status.contains(wanted) {
                return status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "status never said {wanted:?}:\n{status}\nagent log:\n{}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn flows_reach_protected_resources_through_the_tun_and_apptunnel() {
    in_gateway_namespace(scenario);
}

/// The gateway (this thread's namespace: posternd, the back end), the endpoint's
/// namespace and a connected agent in it.
struct Rig {
    dir: tempfile::TempDir,
    agent: Agent,
    daemon: Daemon,
    endpoint: Endpoint,
    back: common::proxy::Backend,
    tunnels: u16,
}

impl Rig {
    fn new(idle_secs: u64) -> Self {
        let temp = tempfile::tempdir().expect("temp dir");
        let dir = temp.path();
        let endpoint = Endpoint::new();
        server_pki(dir);
        certificate_for_the_veth(dir);
        device_pki(dir, &["uem-0001"]);
        let back = backend();
        let port = back.port;
        let agent_port = free_configured_port();
        let config = format!(
            "\n[apptunnel]\nclient_ca_file = \"{}\"\n\n[[apptunnel.services]]\nname = \"crm\"\nkind = \"tcp\"\n\
             servers = [\"{PROTECTED}:{port}\"]\n\n[agent]\nenabled = true\nport = {agent_port}\n\n\
             [[agent.resources]]\nname = \"intranet\"\nprefixes = [\"10.200.0.0/24\"]\nports = [{port}]\nservice = \"crm\"\n\n\
             [[agent.resources]]\nname = \"elsewhere\"\nprefixes = [\"10.201.0.0/24\"]\nports = [80]\nservice = \"crm\"\n",
            dir.join("device-ca.pem").display()
        );
        write_config(dir, 9, &config);
        let mut daemon = Daemon::start(dir, &["--apptunnel-listen", "0.0.0.0:0"]);
        let tunnels = port_from(&daemon.line_with("AppTunnel listening"));
        let agent_config = dir.join("agent.toml");
        std::fs::write(
            &agent_config,
            format!(
                "gateway = \"{GATEWAY}:{agent_port}\"\nca_file = \"{}\"\ncertificate_file = \"{}\"\nkey_file = \"{}\"\n\
                 state_dir = \"{}\"\n\n[data]\napptunnel = \"{GATEWAY}:{tunnels}\"\ntun = \"pt0\"\n\
                 tun_address = \"100.64.9.1\"\nidle_secs = {idle_secs}\n",
                dir.join("server-ca.pem").display(),
                dir.join("uem-0001.pem").display(),
                dir.join("uem-0001-key.pem").display(),
                dir.join("agent").display()
            ),
        )
        .expect("agent config");
        let log = dir.join("agent.log");
        let child = start_agent(&endpoint, &agent_config, &log);
        let agent = Agent { child, config: agent_config, log };
        let status = agent.wait_status("State: connected");
        assert!(status.contains("Data channel: closed"), "{status}");
        Self { dir: temp, agent, daemon, endpoint, back, tunnels }
    }
}

/// Runs `test` in a network namespace of its own thread (the gateway's).
fn in_gateway_namespace(test: fn()) {
    assert!(nix::unistd::geteuid().is_root(), "this test makes network namespaces: run it as root");
    std::thread::spawn(move || {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).expect("a network namespace");
        test();
    })
    .join()
    .expect("test thread");
}

fn scenario() {
    let rig = Rig::new(3);
    let (dir, endpoint, agent, port) = (rig.dir.path(), &rig.endpoint, rig.agent, rig.back.port);
    let mut daemon = rig.daemon;
    let routes = text(&endpoint.exec(&["ip", "route", "show", "dev", "pt0"]));
    assert_eq!(
        routes.lines().map(str::trim).collect::<Vec<_>>(),
        ["10.200.0.0/24 proto static scope link", "10.201.0.0/24 proto static scope link"],
        "only the protected prefixes are routed"
    );
    let addresses = text(&endpoint.exec(&["ip", "-4", "-o", "addr", "show", "dev", "pt0"]));
    assert!(addresses.contains("inet 100.64.9.1/32"), "tun_address: {addresses}");

    // Through the tunnel: the back end sees the gateway, not the endpoint.
    let url = format!("http://{PROTECTED}:{port}/");
    let (code, body, closed_took) = endpoint.curl(&url);
    assert_eq!((code, body.as_str()), (Some(0), format!("back end saw {PROTECTED}\n").as_str()), "{}", agent.log());
    let status = agent.status();
    assert!(status.contains("Data channel: open"), "{status}");
    let (code, _, open_took) = endpoint.curl(&url);
    assert_eq!(code, Some(0));
    println!(
        "a request took {closed_took:?} with the data channel closed, {open_took:?} with it open ({:.2}x)",
        closed_took.as_secs_f64() / open_took.as_secs_f64()
    );
    daemon.line_with("AppTunnel");

    // A port of the prefix that is not protected is reset at once.
    let (code, _, took) = endpoint.curl(&format!("http://{PROTECTED}:{}/", port.wrapping_add(1).max(1)));
    assert_eq!(code, Some(7), "curl: could not connect (reset)");
    assert!(took < Duration::from_secs(2), "reset, not left hanging: {took:?}");
    assert!(agent.log().contains("flow reset: the destination is not protected"), "{}", agent.log());

    // A destination the gateway's service does not serve: the gateway refuses the tunnel,
    // and the flow is reset at once.
    let (code, _, took) = endpoint.curl("http://10.201.0.9/");
    assert_eq!(code, Some(56), "curl: connection reset after connecting");
    assert!(took < Duration::from_secs(2), "reset, not left hanging: {took:?}");
    assert!(agent.log().contains("the gateway refused the tunnel (404): unknown-service"), "{}", agent.log());

    // Idle for 3 s: closed; the next request opens it again.
    agent.wait_status("Data channel: closed");
    assert!(agent.log().contains("data channel closed reason=idle"), "{}", agent.log());
    let (code, body, _) = endpoint.curl(&url);
    assert_eq!(code, Some(0), "reopened: {body}");

    // `postern-agent disconnect` closes it; the next request reopens it.
    let out = Command::new(agent_binary()).arg("--config").arg(&agent.config).arg("disconnect").output().expect("runs");
    assert!(out.status.success(), "{}", text(&out));
    agent.wait_status("Data channel: closed");
    let (code, _, _) = endpoint.curl(&url);
    assert_eq!(code, Some(0), "reopened after disconnect");

    // Stopping the agent (SIGTERM) resets its flows; started again, it resumes.
    let slow = slow_download(endpoint, &agent, port);
    let stopped_at = Instant::now();
    let pid = nix::unistd::Pid::from_raw(i32::try_from(agent.child.id()).expect("pid"));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("SIGTERM");
    let slow = slow.wait_with_output().expect("curl ends");
    assert!(stopped_at.elapsed() < Duration::from_secs(3), "reset at shutdown: {:?}", stopped_at.elapsed());
    assert_ne!(slow.status.code(), Some(0), "a reset flow is not a complete answer");
    let mut agent = agent;
    let _ = agent.child.wait();
    agent.child = start_agent(endpoint, &agent.config, &agent.log);
    agent.wait_status("State: connected");
    let (code, _, _) = endpoint.curl(&url);
    assert_eq!(code, Some(0), "works after a restart: {}", agent.log());

    // Blocking the device cuts its flow and refuses new ones.
    let slow = slow_download(endpoint, &agent, port);
    let out = cli(dir, "device-cache block uem-0001");
    assert!(out.status.success(), "{}", text(&out));
    let blocked_at = Instant::now();
    let slow = slow.wait_with_output().expect("curl ends");
    let cut = blocked_at.elapsed();
    println!("flow cut {cut:?} after the block");
    assert!(cut < Duration::from_secs(3), "the flow was not cut: {cut:?}");
    assert!(String::from_utf8_lossy(&slow.stdout).contains("tick"), "the flow had carried bytes");
    assert_ne!(slow.status.code(), Some(0), "a cut flow is not a complete answer");
    let (code, _, took) = endpoint.curl(&url);
    assert_ne!(code, Some(0), "a blocked device opens no flow");
    assert!(took < Duration::from_secs(3), "refused, not left hanging: {took:?}");
}

/// CPU time (user + system, in clock ticks of 10 ms) process `pid` has used.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    after.split_whitespace().skip(11).take(2).filter_map(|f| f.parse::<u64>().ok()).sum()
}

#[test]
#[ignore = "a benchmark: cargo test --release -p posternd --test agent_data_channel_end_to_end -- --ignored --nocapture"]
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
