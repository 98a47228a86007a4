//! Shared by the Host Checker end-to-end tests: the `postern-posture` collector run on
//! fixture system images, the gateway's server PKI, posternd with the verifier on port 0.

use super::proxy::port_from;
use super::{Daemon, text};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `postern-posture` binary beside posternd.
pub fn posture_binary() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_posternd")).with_file_name("postern-posture");
    assert!(path.is_file(), "{} is missing: build the workspace's binaries first (cargo build --bins)", path.display());
    path
}

/// The fixture system image `name` (os-release, dpkg status, forwarding).
pub fn fixtures(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../posture/fixtures").join(name)
}

/// A server authority (`server-ca.pem`) and the gateway's certificate for localhost
/// signed by it (`cert.pem`, `key.pem`, as [`write_config`] names them): the collector
/// verifies with webpki, which refuses a self-signed CA certificate as a server's.
pub fn server_pki(dir: &Path) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl").current_dir(dir).args(args).output().expect("openssl runs");
        assert!(out.status.success(), "openssl {args:?}: {}", text(&out));
    };
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    run(&[
        &["req", "-x509"][..],
        &ec,
        &["-days", "2", "-subj", "/CN=server-ca", "-keyout", "server-ca-key.pem", "-out", "server-ca.pem"],
    ]
    .concat());
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .expect("ext");
    run(&[&["req"][..], &ec, &["-subj", "/CN=localhost", "-keyout", "key.pem", "-out", "server.csr"]].concat());
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "server-ca.pem",
        "-CAkey",
        "server-ca-key.pem",
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        "cert.pem",
        "-extfile",
        "server.ext",
    ]);
}

/// Starts posternd with the verifier on a port of its own choosing (`--host-checker-listen
/// 127.0.0.1:0`); returns the daemon and that port.
pub fn start_on_any_port(dir: &Path, extra: &[&str]) -> (Daemon, u16) {
    let mut args = vec!["--host-checker-listen", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let mut daemon = Daemon::start(dir, &args);
    let port = port_from(&daemon.line_with("Host Checker verifier listening"));
    (daemon, port)
}

/// `postern-posture` as `device` against `port`, reading the dpkg status at `status` and
/// the fixture `image`'s other files; `extra` goes before them.
fn collector_command(dir: &Path, port: u16, device: &str, image: &str, status: &Path, extra: &[&str]) -> Command {
    let fixture = fixtures(image);
    let mut command = Command::new(posture_binary());
    command
        .args(["--server", &format!("127.0.0.1:{port}"), "--server-name", "localhost"])
        .args(extra)
        .arg("--ca")
        .arg(dir.join("server-ca.pem"))
        .arg("--cert")
        .arg(dir.join(format!("{device}.pem")))
        .arg("--key")
        .arg(dir.join(format!("{device}-key.pem")))
        .arg("--os-release")
        .arg(fixture.join("os-release"))
        .arg("--dpkg-status")
        .arg(status)
        .arg("--kernel-release")
        .arg(fixture.join("osrelease"))
        .arg("--ip-forward")
        .arg(fixture.join("ip_forward"));
    command
}

/// Runs the collector as `device` against `port` with the fixture `image`'s files.
pub fn posture(dir: &Path, port: u16, device: &str, image: &str, status: &Path, tls: &str) -> Output {
    collector_command(dir, port, device, image, status, &["--tls-version", tls]).output().expect("postern-posture runs")
}

const STAGING: &str = r#"
import functools, http.server, ssl, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
handler.func.log_message = lambda *a: None
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
tls.load_cert_chain(sys.argv[2], sys.argv[3])
s.socket = tls.wrap_socket(s.socket, server_side=True)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;

/// A staging server for patch lists: Python's file server over HTTPS serving `files`,
/// with the certificate of [`super::proxy::backend_pki`] (its CA is
/// `dir/backend-tls/ca.pem`).
pub fn staging_server(dir: &Path, files: &Path) -> super::proxy::Backend {
    let pki = super::proxy::backend_pki(dir);
    let mut command = Command::new("python3");
    command.arg("-c").arg(STAGING).arg(files).arg(pki.join("cert.pem")).arg(pki.join("key.pem"));
    super::proxy::spawn_backend(command)
}

/// The lines a child prints on stdout, as they come.
pub fn lines_of(child: &mut std::process::Child) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead;
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// The next `Access: …` line of a collector.
pub fn next_access(lines: &std::sync::mpsc::Receiver<String>) -> String {
    loop {
        let line = lines.recv_timeout(super::DEADLINE).expect("a verdict from the collector");
        if line.starts_with("Access: ") {
            return line;
        }
    }
}

/// Replaces `path` the way dpkg does: a new file renamed over the old one.
pub fn replace(path: &Path, text: &str) {
    let new = path.with_extension("new");
    std::fs::write(&new, text).expect("write");
    std::fs::rename(&new, path).expect("rename");
}

/// `postern-posture` for `device` kept running with `mode` (`--watch` or `--keep-open`),
/// reading the dpkg status at `status` and the compliant fixture's other files.
pub fn running_collector(dir: &Path, port: u16, device: &str, status: &Path, mode: &str) -> std::process::Child {
    collector_command(dir, port, device, "compliant", status, &[mode])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("postern-posture runs")
}

const RECEIVER: &str = r#"
import http.server, ssl, sys
log = open(sys.argv[1], "a")
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        log.write(self.headers.get("Content-Type", "") + " " + body.decode() + "\n"); log.flush()
        self.send_response(204); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[4])), H)
tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
tls.load_cert_chain(sys.argv[2], sys.argv[3])
s.socket = tls.wrap_socket(s.socket, server_side=True)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;

/// A webhook receiver over HTTPS on `port` (0: any) that appends each POST's content type
/// and body to `dir/webhook.log`, one line each, with the certificate of
/// [`super::proxy::backend_pki`] (made first if missing).
pub fn webhook_receiver(dir: &Path, port: u16) -> super::proxy::Backend {
    let pki = dir.join("backend-tls");
    if !pki.join("cert.pem").is_file() {
        super::proxy::backend_pki(dir);
    }
    let mut command = Command::new("python3");
    command
        .arg("-c")
        .arg(RECEIVER)
        .arg(dir.join("webhook.log"))
        .arg(pki.join("cert.pem"))
        .arg(pki.join("key.pem"))
        .arg(port.to_string());
    super::proxy::spawn_backend(command)
}

/// `openssl s_client` with `input` on stdin (kept open until the server closes).
pub fn s_client(dir: &Path, port: u16, extra: &[&str], input: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}"), "-servername", "localhost", "-ign_eof"])
        .arg("-CAfile")
        .arg(dir.join("server-ca.pem"))
        .args(extra)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("openssl runs");
    child.stdin.take().expect("stdin").write_all(input).expect("input");
    let out = child.wait_with_output().expect("openssl ends");
    [out.stdout, out.stderr].concat()
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
