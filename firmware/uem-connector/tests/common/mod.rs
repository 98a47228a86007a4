//! Runs the reference UEM (`postern-uem`) as a real process and builds connectors for it.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used, reason = "shared by several test files")]

use postern_config::PosternApiConnector as ApiConfig;
use postern_decision::GatewayId;
use postern_uem_connector::{PosternApiConnector, Timeouts};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The bearer token of gateway `gw1`.
pub const TOKEN: &str = "gw1-secret-token";

/// `postern-uem`, built by `cargo build -p postern-uem-reference` into the same target
/// directory as this test (`<target>/debug/postern-uem`, next to `deps/`).
pub fn reference_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let debug = exe.parent().and_then(Path::parent).expect("the test executable lives in <target>/debug/deps");
    let binary = debug.join("postern-uem");
    assert!(
        binary.is_file(),
        "{} is missing: build the reference UEM first, with the same CARGO_TARGET_DIR: \
         `cargo build -p postern-uem-reference`",
        binary.display()
    );
    binary
}

fn wait_for_port(path: &Path) -> u16 {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if let Ok(Ok(port)) = std::fs::read_to_string(path).map(|t| t.trim().parse()) {
            return port;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no port in {} after 20 s", path.display());
}

/// How the reference UEM gets its certificate.
#[derive(Clone)]
pub enum Certs {
    /// `--self-signed DIR/certs`: its own test CA (`DIR/certs/ca.pem`).
    SelfSigned,
    /// `--cert PEM --key PEM`.
    Given { cert: PathBuf, key: PathBuf },
}

/// A running reference UEM with `--faults`, its state and files in `dir`.
pub struct Uem {
    child: Child,
    pub dir: PathBuf,
    pub port: u16,
    pub admin_port: u16,
    certs: Certs,
}

impl Uem {
    /// Starts on free ports and lets `gw1` in with [`TOKEN`].
    pub fn start(dir: &Path, certs: Certs) -> Self {
        let uem = Self::spawn(dir, certs, 0);
        uem.admin(&["token", "gw1", TOKEN]);
        uem
    }

    fn spawn(dir: &Path, certs: Certs, port: u16) -> Self {
        let (port_file, admin_file) = (dir.join("port"), dir.join("admin-port"));
        let _ = std::fs::remove_file(&port_file);
        let _ = std::fs::remove_file(&admin_file);
        let mut cmd = Command::new(reference_binary());
        cmd.arg("serve")
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--admin-listen", "127.0.0.1:0", "--faults"])
            .arg("--state")
            .arg(dir.join("state.json"))
            .arg("--port-file")
            .arg(&port_file)
            .arg("--admin-port-file")
            .arg(&admin_file);
        match &certs {
            Certs::SelfSigned => cmd.arg("--self-signed").arg(dir.join("certs")),
            Certs::Given { cert, key } => cmd.arg("--cert").arg(cert).arg("--key").arg(key),
        };
        let child = cmd.stdout(Stdio::null()).spawn().expect("spawn postern-uem");
        let port = wait_for_port(&port_file);
        let admin_port = wait_for_port(&admin_file);
        Self { child, dir: dir.to_owned(), port, admin_port, certs }
    }

    /// Kills the process (SIGKILL).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again on the same API port, with the same state.
    pub fn restart(&mut self) {
        self.kill();
        let again = Self::spawn(&self.dir, self.certs.clone(), self.port);
        // The old process is gone already; dropping its handle changes nothing.
        drop(std::mem::replace(self, again));
    }

    /// The admin command's URL.
    pub fn admin_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.admin_port)
    }

    /// Runs `postern-uem admin --url … ARGS`; panics on failure.
    pub fn admin(&self, args: &[&str]) -> String {
        admin_at(&self.admin_url(), &self.state_file(), args)
    }

    /// The server's state file; its admin token lies beside it.
    pub fn state_file(&self) -> PathBuf {
        self.dir.join("state.json")
    }

    /// The CA file of `--self-signed`.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("certs/ca.pem")
    }

    /// A connector for `gateway` with `token`, trusting `ca_file`.
    pub fn connector_for(&self, gateway: &str, token: &str, ca_file: &Path) -> PosternApiConnector {
        let token_file = self.dir.join(format!("{gateway}.token"));
        std::fs::write(&token_file, format!("{token}\n")).expect("write token");
        let config = ApiConfig {
            url: format!("https://localhost:{}", self.port),
            ca_file: Some(ca_file.to_owned()),
            gateway_credentials: Some(token_file),
        };
        let gateway = GatewayId::new(gateway).expect("gateway id");
        PosternApiConnector::from_config(&config, &gateway).expect("connector")
    }

    /// A connector for `gw1` with its token, trusting the server's test CA, with short
    /// deadlines.
    pub fn connector(&self) -> PosternApiConnector {
        let mut timeouts = Timeouts::default();
        timeouts.connect = Duration::from_secs(2);
        timeouts.request = Duration::from_secs(3);
        self.connector_for("gw1", TOKEN, &self.ca_file()).with_timeouts(timeouts)
    }

    /// Enrols a device, compliant.
    pub fn enrol(&self, id: &str, eas: &str, user: &str) {
        self.admin(&["enrol", "--uem-id", id, "--activesync-id", eas, "--user", user, "--platform", "ios"]);
    }
}

/// Runs `postern-uem admin --url URL --state STATE ARGS` (the admin token is read from
/// beside the state file); panics on failure.
pub fn admin_at(url: &str, state: &Path, args: &[&str]) -> String {
    let out = Command::new(reference_binary())
        .args(["admin", "--url", url, "--state"])
        .arg(state)
        .args(args)
        .output()
        .expect("run postern-uem admin");
    assert!(out.status.success(), "admin {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Drop for Uem {
    fn drop(&mut self) {
        self.kill();
    }
}
