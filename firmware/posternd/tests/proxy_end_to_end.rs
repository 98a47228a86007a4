//! posternd serving ActiveSync over TLS to a real back end, with curl as the device:
//! allowed devices reach the back end, blocked ones never do (S1, S2), and the metrics
//! listener reports it.

mod common;

use common::{DEADLINE, Daemon, text};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

/// A small HTTP back end (Python's http.server) that logs every path it serves.
struct Backend {
    child: Child,
    port: u16,
}

impl Drop for Backend {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const BACKEND: &str = r#"
import http.server, sys
log = open(sys.argv[1], "a")
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        log.write(self.path + "\n"); log.flush()
        body = b"backend saw the request"
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;

fn backend(dir: &Path) -> Backend {
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(BACKEND)
        .arg(dir.join("backend.log"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("port line");
    Backend { child, port: line.trim().parse().expect("port") }
}

fn certificate(dir: &Path) {
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout"])
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .output()
        .expect("openssl runs");
    assert!(out.status.success(), "{}", text(&out));
}

fn port_from(line: &str) -> u16 {
    line.split("addr=").nth(1).and_then(|s| s.split_whitespace().next()).and_then(|a| a.rsplit(':').next()).and_then(|p| p.parse().ok()).expect("addr field")
}

fn curl(dir: &Path, port: u16, query: &str) -> (String, String) {
    let out = Command::new("curl")
        .args(["-s", "-D", "-", "-X", "POST", "--data", "sync", "--cacert"])
        .arg(dir.join("cert.pem"))
        .arg(format!("https://127.0.0.1:{port}/Microsoft-Server-ActiveSync?{query}"))
        .output()
        .expect("curl runs");
    let all = String::from_utf8_lossy(&out.stdout).into_owned();
    let status = all.lines().next().unwrap_or_default().to_owned();
    (status, all)
}

#[test]
fn allowed_devices_reach_the_back_end_and_blocked_ones_never_do() {
    let dir = tempfile::tempdir().expect("temp dir");
    certificate(dir.path());
    let back = backend(dir.path());
    let config = format!(
        "{}\n[tls]\ncertificate_file = \"{}\"\nkey_file = \"{}\"\n",
        postern_config::DEMO_TOML.replace("https://mail.example.com", &format!("http://127.0.0.1:{}", back.port)),
        dir.path().join("cert.pem").display(),
        dir.path().join("key.pem").display()
    );
    std::fs::write(dir.path().join("initial.toml"), config).expect("config");
    let mut daemon = Daemon::start(dir.path(), &["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"]);
    let proxy = port_from(&daemon.line_with("ActiveSync proxy listening"));
    let metrics = port_from(&daemon.line_with("metrics listening"));

    let (status, all) = curl(dir.path(), proxy, "Cmd=Sync&User=alice%40example.com&DeviceId=ApplA1B2C3D4E5F6&DeviceType=iPhone");
    assert!(status.contains("200"), "{all}");
    assert!(all.contains("backend saw the request"), "{all}");
    let (status, all) = curl(dir.path(), proxy, "Cmd=Sync&User=bob%40example.com&DeviceId=SEC1B0B0B0B0B0B0&DeviceType=Android");
    assert!(status.contains("403"), "{all}");
    assert!(all.to_ascii_lowercase().contains("x-postern-reason: uem-blocked"), "{all}");
    let (status, all) = curl(dir.path(), proxy, "Cmd=Sync&DeviceId=not-valid!");
    assert!(status.contains("400"), "{all}");
    let seen = std::fs::read_to_string(dir.path().join("backend.log")).unwrap_or_default();
    assert!(seen.contains("ApplA1B2C3D4E5F6"), "{seen}");
    assert!(!seen.contains("SEC1B0B0B0B0B0B0") && !seen.contains("not-valid"), "the back end saw a refused request: {seen}");

    let start = Instant::now();
    let body = loop {
        let out = Command::new("curl").args(["-s", &format!("http://127.0.0.1:{metrics}/metrics")]).output().expect("curl runs");
        let body = String::from_utf8_lossy(&out.stdout).into_owned();
        if body.contains("postern_proxy_connections_accepted_total 3") || start.elapsed() > DEADLINE {
            break body;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(body.contains("postern_proxy_connections_accepted_total 3"), "{body}");
    assert!(body.contains("postern_decisions_total{reason=\"uem-compliant\"} 1"), "{body}");
    assert!(body.contains("postern_decisions_total{reason=\"uem-blocked\"} 1"), "{body}");
    assert!(body.contains("postern_checkin_compliance_runs_total{result=\"success\"}"), "{body}");
}

/// A device-certificate authority and one certificate per UEM device id.
fn device_pki(dir: &Path, devices: &[&str]) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl").current_dir(dir).args(args).output().expect("openssl runs");
        assert!(out.status.success(), "openssl {args:?}: {}", text(&out));
    };
    run(&["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=device-ca", "-keyout", "device-ca-key.pem", "-out", "device-ca.pem"]);
    for device in devices {
        std::fs::write(dir.join(format!("{device}.ext")), format!("subjectAltName=URI:urn:postern:uem-device:{device}\nextendedKeyUsage=clientAuth\n")).expect("ext file");
        run(&["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", &format!("/CN={device}"), "-keyout", &format!("{device}-key.pem"), "-out", &format!("{device}.csr")]);
        run(&["x509", "-req", "-in", &format!("{device}.csr"), "-CA", "device-ca.pem", "-CAkey", "device-ca-key.pem", "-CAcreateserial", "-days", "2", "-out", &format!("{device}.pem"), "-extfile", &format!("{device}.ext")]);
    }
}

/// curl through the tunnel as `device`; returns (CONNECT status, body).
fn tunnel(dir: &Path, port: u16, device: &str, backend: u16) -> (String, String) {
    let out = Command::new("curl")
        .args(["-s", "-p", "-X", "POST", "--data", "x", "-w", "\n%{http_connect}"])
        .args(["--proxy", &format!("https://127.0.0.1:{port}"), "--proxy-cacert"])
        .arg(dir.join("cert.pem"))
        .arg("--proxy-cert")
        .arg(dir.join(format!("{device}.pem")))
        .arg("--proxy-key")
        .arg(dir.join(format!("{device}-key.pem")))
        .args(["--proxy-header", "X-Postern-App: com.example.crm"])
        .arg(format!("http://127.0.0.1:{backend}/tunnelled"))
        .output()
        .expect("curl runs");
    let all = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, status) = all.rsplit_once('\n').unwrap_or(("", &all));
    (status.to_owned(), body.to_owned())
}

#[test]
fn apps_reach_services_through_tunnels_only_for_allowed_devices() {
    let dir = tempfile::tempdir().expect("temp dir");
    certificate(dir.path());
    device_pki(dir.path(), &["uem-0001", "uem-0002"]);
    let back = backend(dir.path());
    let config = format!(
        "{}\n[tls]\ncertificate_file = \"{}\"\nkey_file = \"{}\"\n\n[apptunnel]\nclient_ca_file = \"{}\"\n\n[[apptunnel.services]]\nname = \"crm\"\nkind = \"http\"\nservers = [\"127.0.0.1:{}\"]\n",
        postern_config::DEMO_TOML,
        dir.path().join("cert.pem").display(),
        dir.path().join("key.pem").display(),
        dir.path().join("device-ca.pem").display(),
        back.port
    );
    std::fs::write(dir.path().join("initial.toml"), config).expect("config");
    let mut daemon = Daemon::start(dir.path(), &["--apptunnel-listen", "127.0.0.1:0"]);
    let port = port_from(&daemon.line_with("AppTunnel listening"));
    // S4: alice's phone is compliant; the UEM authorises the app and the tunnel opens.
    let (status, body) = tunnel(dir.path(), port, "uem-0001", back.port);
    assert_eq!(status, "200", "{body}");
    assert!(body.contains("backend saw the request"), "{body}");
    // bob's phone is blocked at the UEM: no tunnel, and the service never sees it.
    let (status, body) = tunnel(dir.path(), port, "uem-0002", back.port);
    assert_eq!(status, "403", "{body}");
    let seen = std::fs::read_to_string(dir.path().join("backend.log")).unwrap_or_default();
    assert_eq!(seen.lines().filter(|l| l.contains("/tunnelled")).count(), 1, "{seen}");
    let tunnels = text(&common::cli(dir.path(), "show tunnels"));
    assert!(tunnels.contains("tunnel uem-0001/com.example.crm/crm") && tunnels.contains("allowed"), "{tunnels}");
}
