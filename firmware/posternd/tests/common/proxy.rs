//! Shared by the proxy end-to-end tests: a Python back end, certificates made with
//! openssl, listener ports from the log, and scraping the metrics listener.

use super::{DEADLINE, text};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A small HTTP back end (Python's http.server) that logs every path it serves.
pub struct Backend {
    child: Child,
    pub port: u16,
}

impl Drop for Backend {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const BACKEND: &str = r#"
import http.server, sys, time
log = open(sys.argv[1], "a")
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        log.write(self.path + "\n"); log.flush()
        if "Cmd=Ping" in self.path:
            time.sleep(60)  # a held ActiveSync Ping
        seen = "".join(k.lower() + ";" for k in self.headers.keys())
        body = ("backend saw the request " + self.command + " " + self.path + " headers:" + seen).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def do_POST(self): self.answer()
    def do_GET(self): self.answer()
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
if len(sys.argv) > 3:
    import ssl
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(sys.argv[2], sys.argv[3])
    s.socket = tls.wrap_socket(s.socket, server_side=True)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;

/// Starts the back end, logging paths to `dir/backend.log`.
pub fn backend(dir: &Path) -> Backend {
    start_backend(dir, &[])
}

/// The back end over TLS: its certificate for 127.0.0.1 signed by the authority
/// `dir/backend-tls/ca.pem` (CN=backend-ca).
pub fn tls_backend(dir: &Path) -> Backend {
    let pki = backend_pki(dir);
    start_backend(dir, &[pki.join("cert.pem"), pki.join("key.pem")])
}

/// `dir/backend-tls`: an authority (`ca.pem`, CN=backend-ca) and a server certificate for
/// 127.0.0.1 it signed (`cert.pem`, `key.pem`).
pub fn backend_pki(dir: &Path) -> std::path::PathBuf {
    let pki = dir.join("backend-tls");
    std::fs::create_dir_all(&pki).expect("dir");
    let run = |args: &[&str]| {
        let out = Command::new("openssl").current_dir(&pki).args(args).output().expect("openssl runs");
        assert!(out.status.success(), "openssl {args:?}: {}", text(&out));
    };
    let p256 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    run(&[
        &["req", "-x509"][..],
        &p256,
        &["-days", "2", "-subj", "/CN=backend-ca", "-keyout", "ca-key.pem", "-out", "ca.pem"],
    ]
    .concat());
    std::fs::write(pki.join("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n").expect("ext");
    run(&[&["req"][..], &p256, &["-subj", "/CN=127.0.0.1", "-keyout", "key.pem", "-out", "server.csr"]].concat());
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca-key.pem",
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        "cert.pem",
        "-extfile",
        "server.ext",
    ]);
    pki
}

fn start_backend(dir: &Path, tls: &[std::path::PathBuf]) -> Backend {
    let mut command = Command::new("python3");
    command.arg("-c").arg(BACKEND).arg(dir.join("backend.log")).args(tls);
    spawn_backend(command)
}

/// Starts a back end that prints the port it listens on as its first line.
pub fn spawn_backend(mut command: Command) -> Backend {
    let mut child = command.stdout(Stdio::piped()).spawn().expect("the back end starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("port line");
    Backend { child, port: line.trim().parse().expect("port") }
}

/// The paths the back end has served.
pub fn backend_log(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("backend.log")).unwrap_or_default()
}

/// A self-signed server certificate for localhost: `dir/cert.pem`, `dir/key.pem`.
pub fn certificate(dir: &Path) {
    self_signed(&dir.join("cert.pem"), &dir.join("key.pem"), "localhost", "IP:127.0.0.1,DNS:localhost");
}

/// A self-signed ECDSA P-256 certificate for `name` with the subject alternative names
/// `san` (OpenSSL's syntax), valid for two days, written to `cert` and `key`.
pub fn self_signed(cert: &Path, key: &Path, name: &str, san: &str) {
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2"])
        .args(["-subj", &format!("/CN={name}"), "-addext", &format!("subjectAltName={san}"), "-keyout"])
        .arg(key)
        .arg("-out")
        .arg(cert)
        .output()
        .expect("openssl runs");
    assert!(out.status.success(), "{}", text(&out));
}

/// A certificate of the authority of [`device_pki`] that names `device` only by its
/// subject common name (no device URI): `cn-<device>.pem`, `cn-<device>-key.pem`.
pub fn common_name_only_device(dir: &Path, device: &str) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl").current_dir(dir).args(args).output().expect("openssl runs");
        assert!(out.status.success(), "openssl {args:?}: {}", text(&out));
    };
    let name = format!("cn-{device}");
    std::fs::write(dir.join(format!("{name}.ext")), "extendedKeyUsage=clientAuth\n").expect("ext file");
    run(&[
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-subj",
        &format!("/CN={device}"),
        "-keyout",
        &format!("{name}-key.pem"),
        "-out",
        &format!("{name}.csr"),
    ]);
    run(&[
        "x509",
        "-req",
        "-in",
        &format!("{name}.csr"),
        "-CA",
        "device-ca.pem",
        "-CAkey",
        "device-ca-key.pem",
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        &format!("{name}.pem"),
        "-extfile",
        &format!("{name}.ext"),
    ]);
}

/// A device-certificate authority (`device-ca.pem`) and one certificate per UEM device id
/// (`<id>.pem`, `<id>-key.pem`).
pub fn device_pki(dir: &Path, devices: &[&str]) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl").current_dir(dir).args(args).output().expect("openssl runs");
        assert!(out.status.success(), "openssl {args:?}: {}", text(&out));
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=device-ca",
        "-keyout",
        "device-ca-key.pem",
        "-out",
        "device-ca.pem",
    ]);
    for device in devices {
        std::fs::write(
            dir.join(format!("{device}.ext")),
            format!("subjectAltName=URI:urn:postern:uem-device:{device}\nextendedKeyUsage=clientAuth\n"),
        )
        .expect("ext file");
        run(&[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-subj",
            &format!("/CN={device}"),
            "-keyout",
            &format!("{device}-key.pem"),
            "-out",
            &format!("{device}.csr"),
        ]);
        run(&[
            "x509",
            "-req",
            "-in",
            &format!("{device}.csr"),
            "-CA",
            "device-ca.pem",
            "-CAkey",
            "device-ca-key.pem",
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            &format!("{device}.pem"),
            "-extfile",
            &format!("{device}.ext"),
        ]);
    }
}

/// The demo configuration with the TLS pair of [`certificate`], ActiveSync going to the
/// back end on `backend_port`, and `extra` appended.
pub fn write_config(dir: &Path, backend_port: u16, extra: &str) {
    let config = format!(
        "{}\n[tls]\ncertificate_file = \"{}\"\nkey_file = \"{}\"\n{extra}",
        postern_config::DEMO_TOML.replace("https://mail.example.com", &format!("http://127.0.0.1:{backend_port}")),
        dir.join("cert.pem").display(),
        dir.join("key.pem").display()
    );
    std::fs::write(dir.join("initial.toml"), config).expect("config");
}

/// The `[apptunnel]` section: the device CA of [`device_pki`] and one `crm` service.
pub fn apptunnel_section(dir: &Path, backend_port: u16) -> String {
    format!(
        "\n[apptunnel]\nclient_ca_file = \"{}\"\n\n[[apptunnel.services]]\nname = \"crm\"\nkind = \"http\"\nservers = [\"127.0.0.1:{backend_port}\"]\n",
        dir.join("device-ca.pem").display()
    )
}

/// The port in a `... addr=IP:PORT ...` log line.
pub fn port_from(line: &str) -> u16 {
    line.split("addr=")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|a| a.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .expect("addr field")
}

/// A POST to the ActiveSync path with `query`; returns (status line, whole output).
pub fn activesync(dir: &Path, port: u16, query: &str) -> (String, String) {
    activesync_from(dir, "127.0.0.1", port, query)
}

/// [`activesync`] from the local address `source` (any of 127.0.0.0/8).
pub fn activesync_from(dir: &Path, source: &str, port: u16, query: &str) -> (String, String) {
    let out = Command::new("curl")
        .args(["-s", "--max-time", "10", "--interface", source, "-D", "-", "-X", "POST", "--data", "sync", "--cacert"])
        .arg(dir.join("cert.pem"))
        .arg(format!("https://127.0.0.1:{port}/Microsoft-Server-ActiveSync?{query}"))
        .output()
        .expect("curl runs");
    let all = String::from_utf8_lossy(&out.stdout).into_owned();
    let status = all.lines().next().unwrap_or_default().to_owned();
    (status, all)
}

/// The query of an allowed device of the demo configuration.
pub const ALLOWED_QUERY: &str = "Cmd=Sync&User=alice%40example.com&DeviceId=ApplA1B2C3D4E5F6&DeviceType=iPhone";

/// Scrapes `/metrics` until every line of `wanted` is present (or the deadline passes);
/// returns the last body.
pub fn metrics_with(port: u16, wanted: &[&str]) -> String {
    let start = Instant::now();
    loop {
        let out =
            Command::new("curl").args(["-s", &format!("http://127.0.0.1:{port}/metrics")]).output().expect("curl runs");
        let body = String::from_utf8_lossy(&out.stdout).into_owned();
        if wanted.iter().all(|w| body.lines().any(|l| l == *w)) || start.elapsed() > DEADLINE {
            return body;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The value of a `Name:` line of /proc/PID/status.
pub fn proc_status(pid: u32, name: &str) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status.lines().find_map(|l| l.strip_prefix(&format!("{name}:"))).map(|v| v.trim().to_owned()).unwrap_or_default()
}

/// Resident memory of process `pid` in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    proc_status(pid, "VmRSS").split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// curl through the tunnel as `device`: with `connect`, a CONNECT tunnel (`-p`);
/// otherwise a plain HTTP proxy request. Returns (status the proxy gave, body).
pub fn through_tunnel(dir: &Path, port: u16, device: &str, url: &str, connect: bool) -> (String, String) {
    through_tunnel_from(dir, "127.0.0.1", port, device, url, connect)
}

/// [`through_tunnel`] from the local address `source` (any of 127.0.0.0/8).
pub fn through_tunnel_from(
    dir: &Path,
    source: &str,
    port: u16,
    device: &str,
    url: &str,
    connect: bool,
) -> (String, String) {
    let mut curl = Command::new("curl");
    curl.args([
        "-s",
        "--max-time",
        "10",
        "--interface",
        source,
        "--proxy",
        &format!("https://127.0.0.1:{port}"),
        "--proxy-cacert",
    ])
    .arg(dir.join("cert.pem"))
    .arg("--proxy-cert")
    .arg(dir.join(format!("{device}.pem")))
    .arg("--proxy-key")
    .arg(dir.join(format!("{device}-key.pem")));
    if connect {
        curl.args([
            "-p",
            "-X",
            "POST",
            "--data",
            "x",
            "--proxy-header",
            "X-Postern-App: com.example.crm",
            "-w",
            "\n%{http_connect}",
        ]);
    } else {
        curl.args([
            "-H",
            "X-Postern-App: com.example.crm",
            "-H",
            "Proxy-Authorization: Basic c2VjcmV0",
            "-w",
            "\n%{http_code}",
        ]);
    }
    let out = curl.arg(url).output().expect("curl runs");
    let all = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, status) = all.rsplit_once('\n').unwrap_or(("", &all));
    (status.to_owned(), body.to_owned())
}
