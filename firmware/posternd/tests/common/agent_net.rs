//! Namespaces, links and real servers for the agent's tests that need more than one
//! endpoint namespace: a corporate namespace (nginx over HTTPS, OpenSSH's sshd) and an
//! outside one (a plain HTTP server, dnsmasq as the endpoint's resolver). Each server is
//! alone in a namespace the test made, so the well-known ports it takes collide with
//! nothing. Needs root.

use super::agent_data::{Endpoint, run};
use super::{keygen, text};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

impl Endpoint {
    /// A namespace `pt-ROLE-PID` with its loopback up (and, for `ip netns exec`, a
    /// resolv.conf of its own, `/etc/netns/NAME/resolv.conf`).
    pub fn bare(role: &str) -> Self {
        let name = format!("pt-{role}-{}", std::process::id());
        run(&["ip", "netns", "add", &name]);
        let namespace = Self(name);
        namespace.exec(&["ip", "link", "set", "lo", "up"]);
        std::fs::create_dir_all(namespace.etc()).expect("/etc/netns");
        namespace
    }

    /// The directory `ip netns exec` binds over `/etc` files for this namespace.
    pub fn etc(&self) -> PathBuf {
        Path::new("/etc/netns").join(&self.0)
    }

    /// Starts `args` in the namespace, its output to `log`.
    pub fn spawn(&self, args: &[&str], log: &Path) -> Child {
        let log = std::fs::File::create(log).expect("log file");
        self.command(args[0])
            .args(&args[1..])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }
}

/// A veth pair: `a_if` with `a_address` (a CIDR) in `a` (`None`: this thread's
/// namespace), `b_if` with `b_address` in `b`; both up.
pub fn link(a: Option<&Endpoint>, a_if: &str, a_address: &str, b: &Endpoint, b_if: &str, b_address: &str) {
    run(&["ip", "link", "add", a_if, "type", "veth", "peer", "name", b_if]);
    run(&["ip", "link", "set", b_if, "netns", &b.0]);
    b.exec(&["ip", "addr", "add", b_address, "dev", b_if]);
    b.exec(&["ip", "link", "set", b_if, "up"]);
    match a {
        Some(a) => {
            run(&["ip", "link", "set", a_if, "netns", &a.0]);
            a.exec(&["ip", "addr", "add", a_address, "dev", a_if]);
            a.exec(&["ip", "link", "set", a_if, "up"]);
        }
        None => {
            run(&["ip", "addr", "add", a_address, "dev", a_if]);
            run(&["ip", "link", "set", a_if, "up"]);
        }
    }
}

/// Bytes an interface received and sent: (rx, tx), from `ip -s link` in `namespace`
/// (`None`: this thread's).
pub fn counters(namespace: Option<&Endpoint>, interface: &str) -> (u64, u64) {
    let args = ["ip", "-s", "link", "show", "dev", interface];
    let out = match namespace {
        Some(n) => text(&n.exec(&args)),
        None => run(&args),
    };
    let after = |label: &str| -> u64 {
        let mut lines = out.lines().skip_while(|l| !l.trim_start().starts_with(label));
        lines.nth(1).and_then(|l| l.split_whitespace().next()).and_then(|n| n.parse().ok()).unwrap_or_else(|| {
            panic!("no {label} bytes for {interface} in:\n{out}");
        })
    };
    (after("RX:"), after("TX:"))
}

/// A process killed when dropped.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits (15 s at most) until `path` holds `needle`.
pub fn wait_file(path: &Path, needle: &str) -> String {
    let start = Instant::now();
    loop {
        let content = std::fs::read_to_string(path).unwrap_or_default();
        if content.contains(needle) {
            return content;
        }
        assert!(start.elapsed() < Duration::from_secs(15), "{} never held {needle:?}:\n{content}", path.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A file of `mib` MiB of random bytes in `dir`, and its sha256 (hex).
pub fn random_file(dir: &Path, name: &str, mib: u64) -> (PathBuf, String) {
    let path = dir.join(name);
    let out = Command::new("head")
        .args(["-c", &(mib << 20).to_string(), "/dev/urandom"])
        .stdout(std::fs::File::create(&path).expect("file"))
        .output()
        .expect("head runs");
    assert!(out.status.success(), "{}", text(&out));
    let sum = run(&["sha256sum", path.to_str().expect("path")]);
    (path, sum.split_whitespace().next().expect("sum").to_owned())
}

/// nginx serving `root` over HTTPS on `address`:`port` as `name` (a certificate of its
/// own, `DIR/NAME.pem`, which clients trust as the authority), logging each request's
/// peer address to `DIR/nginx-access.log`; in `namespace` (`None`: this thread's).
pub fn nginx(
    namespace: Option<&Endpoint>,
    dir: &Path,
    (address, port): (&str, u16),
    name: &str,
    root: &Path,
) -> Server {
    let (cert, key) = (dir.join(format!("{name}.pem")), dir.join(format!("{name}-key.pem")));
    super::proxy::self_signed(&cert, &key, name, &format!("DNS:{name}"));
    let prefix = dir.join("nginx");
    std::fs::create_dir_all(prefix.join("logs")).expect("nginx dir");
    let config = format!(
        "daemon off;\nmaster_process off;\nerror_log {log}/error.log;\npid {log}/nginx.pid;\nevents {{}}\n\
         http {{\n  log_format peer '$remote_addr $request $status $body_bytes_sent';\n\
         access_log {access} peer;\n  output_buffers 2 1m;\n  client_body_temp_path {log}/body;\n  proxy_temp_path {log}/proxy;\n\
         fastcgi_temp_path {log}/fastcgi;\n  uwsgi_temp_path {log}/uwsgi;\n  scgi_temp_path {log}/scgi;\n\
         server {{\n    listen {address}:{port} ssl;\n    server_name {name};\n    ssl_certificate {cert};\n\
         ssl_certificate_key {key};\n    root {root};\n  }}\n}}\n",
        log = prefix.join("logs").display(),
        access = dir.join("nginx-access.log").display(),
        cert = cert.display(),
        key = key.display(),
        root = root.display(),
    );
    std::fs::write(prefix.join("nginx.conf"), config).expect("nginx.conf");
    let conf = prefix.join("nginx.conf");
    let args = ["nginx", "-p", prefix.to_str().expect("path"), "-e", "stderr", "-c", conf.to_str().expect("path")];
    let log = dir.join("nginx.log");
    let server = match namespace {
        Some(namespace) => Server(namespace.spawn(&args, &log)),
        None => {
            let log = std::fs::File::create(&log).expect("log file");
            let mut command = Command::new(args[0]);
            command.args(&args[1..]).stdin(Stdio::null()).stdout(log.try_clone().expect("log")).stderr(log);
            Server(command.spawn().expect("nginx starts"))
        }
    };
    wait_listening(namespace, port);
    server
}

/// OpenSSH's sshd on `port` with a throwaway host key, admitting root with a key made
/// here; the client's private key file.
pub fn sshd(namespace: &Endpoint, dir: &Path, port: u16) -> (Server, PathBuf) {
    let authorized = keygen(dir, "client_key");
    std::fs::write(dir.join("authorized_keys"), format!("{authorized}\n")).expect("authorized_keys");
    keygen(dir, "host_key");
    // sshd insists on its privilege separation directory.
    std::fs::create_dir_all("/run/sshd").expect("/run/sshd");
    let options = [
        format!("HostKey={}", dir.join("host_key").display()),
        format!("AuthorizedKeysFile={}", dir.join("authorized_keys").display()),
        format!("PidFile={}", dir.join("sshd.pid").display()),
        "StrictModes=no".into(),
        "UsePAM=no".into(),
        "PasswordAuthentication=no".into(),
        "PermitRootLogin=prohibit-password".into(),
    ];
    let port = port.to_string();
    let mut args = vec!["/usr/sbin/sshd", "-D", "-e", "-f", "/dev/null", "-p", &port];
    for option in &options {
        args.extend(["-o", option.as_str()]);
    }
    let server = Server(namespace.spawn(&args, &dir.join("sshd.log")));
    wait_listening(Some(namespace), port.parse().expect("port"));
    (server, dir.join("client_key"))
}

/// dnsmasq on `address`:53 answering `answers` (`NAME ADDRESS` pairs) and logging every
/// query to `DIR/dnsmasq.log`.
pub fn dnsmasq(namespace: &Endpoint, dir: &Path, address: &str, answers: &[(&str, &str)]) -> Server {
    let mut args: Vec<String> = [
        "dnsmasq",
        "--no-daemon",
        "--conf-file=/dev/null",
        "--user=root",
        "--port=53",
        "--bind-interfaces",
        "--no-resolv",
        "--no-hosts",
        "--log-queries",
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    args.push(format!("--listen-address={address}"));
    args.push(format!("--pid-file={}", dir.join("dnsmasq.pid").display()));
    args.push(format!("--log-facility={}", dir.join("dnsmasq.log").display()));
    args.extend(answers.iter().map(|(name, at)| format!("--address=/{name}/{at}")));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let server = Server(namespace.spawn(&args, &dir.join("dnsmasq.out")));
    wait_listening(Some(namespace), 53);
    server
}

/// A plain HTTP server (Python's) serving `root` on `address`:80.
pub fn http_server(namespace: &Endpoint, dir: &Path, address: &str, root: &Path) -> Server {
    let root = root.to_str().expect("path");
    let args = ["python3", "-m", "http.server", "--bind", address, "--directory", root, "80"];
    let server = Server(namespace.spawn(&args, &dir.join("http-server.log")));
    wait_listening(Some(namespace), 80);
    server
}

/// Waits (15 s at most) until something listens on `port` in `namespace` (`None`: this
/// thread's).
fn wait_listening(namespace: Option<&Endpoint>, port: u16) {
    let start = Instant::now();
    let wanted = format!(":{port} ");
    loop {
        let mut command = namespace.map_or_else(|| Command::new("ss"), |n| n.command("ss"));
        let out = command.arg("-Hltun").output().expect("ss runs");
        if String::from_utf8_lossy(&out.stdout).contains(&wanted) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(15), "nothing listens on port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
