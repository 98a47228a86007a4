//! The reference UEM server (postern-uem) as a real process beside posternd, and the
//! configuration that points posternd at it.

use super::{DEADLINE, cli, text};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const TOKEN: &str = "gateway-1-secret-token";

/// The reference UEM server, built beside posternd; killed when dropped.
pub struct Uem {
    child: Child,
    dir: PathBuf,
    pub port: u16,
    pub admin_port: u16,
}

pub fn uem_binary() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_posternd")).with_file_name("postern-uem");
    assert!(path.is_file(), "{} is missing: build the workspace's binaries first (cargo build --bins)", path.display());
    path
}

impl Uem {
    /// Starts the server; with `port` 0 it picks a port, otherwise it reuses the given one.
    pub fn start(dir: &Path, port: u16, admin_port: u16) -> Self {
        let _ = std::fs::remove_file(dir.join("port"));
        let _ = std::fs::remove_file(dir.join("admin-port"));
        let child = Command::new(uem_binary())
            .arg("serve")
            .arg("--state")
            .arg(dir.join("uem-state.json"))
            .arg("--self-signed")
            .arg(dir.join("uem-certs"))
            .args(["--listen", &format!("127.0.0.1:{port}"), "--admin-listen", &format!("127.0.0.1:{admin_port}")])
            .arg("--port-file")
            .arg(dir.join("port"))
            .arg("--admin-port-file")
            .arg(dir.join("admin-port"))
            .arg("--faults")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("postern-uem starts");
        let read = |name: &str| {
            let start = Instant::now();
            loop {
                if let Some(port) = std::fs::read_to_string(dir.join(name)).ok().and_then(|s| s.trim().parse().ok()) {
                    return port;
                }
                assert!(start.elapsed() < DEADLINE, "postern-uem wrote no {name}");
                std::thread::sleep(Duration::from_millis(50));
            }
        };
        let (port, admin_port) = (read("port"), read("admin-port"));
        Uem { child, dir: dir.to_path_buf(), port, admin_port }
    }

    pub fn admin(&self, args: &[&str]) -> String {
        let out = Command::new(uem_binary())
            .args(["admin", "--url", &format!("http://127.0.0.1:{}", self.admin_port)])
            .arg("--state")
            .arg(self.dir.join("uem-state.json"))
            .args(args)
            .output()
            .expect("postern-uem admin runs");
        assert!(out.status.success(), "admin {args:?}: {}", text(&out));
        text(&out)
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn restart(&mut self) {
        self.stop();
        *self = Uem::start(&self.dir.clone(), self.port, self.admin_port);
    }
}

impl Drop for Uem {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn setup() -> (tempfile::TempDir, Uem) {
    let dir = tempfile::tempdir().expect("temp dir");
    let uem = Uem::start(dir.path(), 0, 0);
    uem.admin(&["token", "postern-1", TOKEN]);
    uem.admin(&["settings", "--new-device", "allow"]);
    uem.admin(&[
        "enrol",
        "--uem-id",
        "uem-0001",
        "--activesync-id",
        "ALICE0001",
        "--user",
        "alice@example.com",
        "--platform",
        "ios",
    ]);
    uem.admin(&["enrol", "--uem-id", "uem-0002", "--activesync-id", "BOB0002", "--user", "bob@example.com"]);
    std::fs::write(dir.path().join("token"), TOKEN).expect("token file");
    let config = format!(
        "version = 1\n[gateway]\nid = \"postern-1\"\n[uem.checkins]\ncompliance_interval_secs = 5\ntunnel_actions_interval_secs = 5\ninventory_interval_secs = 10\nbackoff_cap_secs = 5\n\n[uem.connector]\nkind = \"postern-api\"\nurl = \"https://127.0.0.1:{}\"\nca_file = \"{}\"\ngateway_credentials = \"{}\"\n",
        uem.port,
        dir.path().join("uem-certs/ca.pem").display(),
        dir.path().join("token").display()
    );
    std::fs::write(dir.path().join("initial.toml"), config).expect("config");
    (dir, uem)
}

pub fn activesync(dir: &Path, device: &str, user: &str) -> String {
    let out = cli(
        dir,
        &format!(
            "test activesync /Microsoft-Server-ActiveSync?Cmd=Sync&User={user}&DeviceId={device}&DeviceType=iPhone"
        ),
    );
    text(&out)
}

/// Polls `show device-cache ID` until it contains `needle`; returns how long that took.
pub fn wait_cache(dir: &Path, id: &str, needle: &str) -> Duration {
    let start = Instant::now();
    loop {
        let shown = text(&cli(dir, &format!("show device-cache {id}")));
        if shown.contains(needle) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < DEADLINE,
            "device-cache {id} never showed {needle:?}; last:\n{shown}\n{}",
            text(&cli(dir, "show checkins"))
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
