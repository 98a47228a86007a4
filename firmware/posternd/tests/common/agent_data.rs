//! The agent's data channel tests' rig: two network namespaces, the gateway's (the test
//! thread's own: posternd and a back end on 10.200.0.5) and the endpoint's
//! (`ip netns exec`: postern-agent with its TUN interface, and curl), joined by a veth
//! pair. Needs root.

use super::posture::server_pki;
use super::proxy::{Backend, device_pki, port_from, spawn_backend, write_config};
use super::{Daemon, free_configured_port, text};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const GATEWAY: &str = "192.168.77.1";
pub const ENDPOINT: &str = "192.168.77.2";
pub const PROTECTED: &str = "10.200.0.5";

pub use super::agent_binary;

pub fn run(args: &[&str]) -> String {
    let out = Command::new(args[0]).args(&args[1..]).output().unwrap_or_else(|e| panic!("{args:?}: {e}"));
    assert!(out.status.success(), "{args:?}: {}", text(&out));
    text(&out)
}

/// The endpoint's namespace, removed when dropped.
pub struct Endpoint(pub String);

impl Endpoint {
    /// Makes the namespace and the veth pair; this thread is in the gateway's namespace.
    pub fn new() -> Self {
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

    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", &self.0, program]);
        command
    }

    pub fn exec(&self, args: &[&str]) -> Output {
        let out = self.command(args[0]).args(&args[1..]).output().expect("ip netns exec runs");
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        out
    }

    /// curl on the endpoint: (exit code, body, seconds taken).
    pub fn curl(&self, url: &str) -> (Option<i32>, String, Duration) {
        let start = Instant::now();
        let out = self.command("curl").args(["-s", "--max-time", "10", url]).output().expect("curl runs");
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned(), start.elapsed())
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
        let _ = std::fs::remove_dir_all(Path::new("/etc/netns").join(&self.0));
    }
}

/// A back end on the gateway's side (every address, 10.200.0.5 among them): `/` answers at
/// once, `/slow` streams a line a second for a minute (its length announced, so a cut
/// shows), `/big` sends 1 GiB of zeros, `/file` the file `$POSTERN_BACKEND_FILE`.
pub fn backend(file: Option<&Path>) -> Backend {
    let script = r#"
import http.server, os, shutil, time
BIG_MIB = 1024
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def do_GET(self):
        if self.path == "/file":
            name = os.environ["POSTERN_BACKEND_FILE"]
            self.send_response(200)
            self.send_header("Content-Length", str(os.path.getsize(name)))
            self.end_headers()
            with open(name, "rb") as f:
                shutil.copyfileobj(f, self.wfile, 1 << 20)
            return
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
    if let Some(file) = file {
        command.env("POSTERN_BACKEND_FILE", file);
    }
    spawn_backend(command)
}

/// The server certificate again, naming the gateway's veth address too.
pub fn certificate_for_the_veth(dir: &Path) {
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
pub fn start_agent(endpoint: &Endpoint, config: &Path, log: &Path) -> Child {
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
pub fn slow_download(endpoint: &Endpoint, agent: &Agent, port: u16) -> Child {
    let slow = endpoint
        .command("curl")
        .args(["-s", "--max-time", "30", &format!("http://{PROTECTED}:{port}/slow")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("curl runs");
    agent.wait_status("Data channel: open, 1 flow\n");
    std::thread::sleep(Duration::from_millis(1500));
    slow
}

pub struct Agent {
    pub child: Child,
    pub config: PathBuf,
    pub log: PathBuf,
}

impl Agent {
    pub fn status(&self) -> String {
        let out =
            Command::new(agent_binary()).arg("--config").arg(&self.config).arg("status").output().expect("status");
        text(&out)
    }

    pub fn wait_status(&self, wanted: &str) -> String {
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

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The gateway (this thread's namespace: posternd, the back end), the endpoint's
/// namespace and a connected agent in it.
pub struct Rig {
    pub dir: tempfile::TempDir,
    pub agent: Agent,
    pub daemon: Daemon,
    pub endpoint: Endpoint,
    pub back: Backend,
    pub tunnels: u16,
}

impl Rig {
    pub fn new(idle_secs: u64) -> Self {
        Self::serving(idle_secs, None)
    }

    /// [`Rig::new`] with the back end's `/file` serving `file`.
    pub fn serving(idle_secs: u64, file: Option<&Path>) -> Self {
        let temp = tempfile::tempdir().expect("temp dir");
        let dir = temp.path();
        let endpoint = Endpoint::new();
        server_pki(dir);
        certificate_for_the_veth(dir);
        device_pki(dir, &["uem-0001"]);
        let back = backend(file);
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
pub fn in_gateway_namespace(test: fn()) {
    assert!(nix::unistd::geteuid().is_root(), "this test makes network namespaces: run it as root");
    std::thread::spawn(move || {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).expect("a network namespace");
        test();
    })
    .join()
    .expect("test thread");
}
