//! The reference administrative portal (postern-portal) as a real process beside posternd,
//! and the configuration that points posternd at it.

use super::{DEADLINE, text};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const TOKEN: &str = "gateway-1-portal-token";

/// The reference portal, built beside posternd; killed when dropped.
pub struct Portal {
    child: Child,
    dir: PathBuf,
    pub port: u16,
}

pub fn portal_binary() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_posternd")).with_file_name("postern-portal");
    assert!(path.is_file(), "{} is missing: build the workspace's binaries first (cargo build --bins)", path.display());
    path
}

impl Portal {
    /// Starts the portal with its state in `dir` (fault hooks on); with `port` 0 it picks
    /// a port, otherwise it reuses the given one.
    pub fn start(dir: &Path, port: u16) -> Self {
        let port_file = dir.join("portal-port");
        let _ = std::fs::remove_file(&port_file);
        let child = Command::new(portal_binary())
            .arg("serve")
            .args(["--listen", &format!("127.0.0.1:{port}"), "--faults"])
            .arg("--state")
            .arg(dir.join("portal-state"))
            .arg("--self-signed")
            .arg(dir.join("portal-certs"))
            .arg("--port-file")
            .arg(&port_file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("postern-portal starts");
        let start = Instant::now();
        let port = loop {
            if let Some(port) = std::fs::read_to_string(&port_file).ok().and_then(|s| s.trim().parse().ok()) {
                break port;
            }
            assert!(start.elapsed() < DEADLINE, "postern-portal wrote no port");
            std::thread::sleep(Duration::from_millis(20));
        };
        Portal { child, dir: dir.to_path_buf(), port }
    }

    /// Runs `postern-portal admin --state … ARGS`.
    pub fn admin_output(&self, args: &[&str]) -> Output {
        Command::new(portal_binary())
            .arg("admin")
            .arg("--state")
            .arg(self.dir.join("portal-state"))
            .args(args)
            .output()
            .expect("postern-portal admin runs")
    }

    /// Runs an admin command that must succeed and returns its output.
    pub fn admin(&self, args: &[&str]) -> String {
        let out = self.admin_output(args);
        assert!(out.status.success(), "admin {args:?}: {}", text(&out));
        text(&out)
    }

    /// The tenant's SAML signing certificate fingerprint, as the portal states it.
    pub fn signing_fingerprint(&self, tenant: &str) -> String {
        let shown: serde_json::Value = serde_json::from_str(&self.admin(&["show", tenant])).expect("summary JSON");
        shown["saml_signing_sha256"].as_str().expect("fingerprint").to_owned()
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A portal with tenant `acme` (self-signed certificates, revision 1) that lets gateway
/// `postern-1` in, and posternd's initial configuration syncing with it every `interval`
/// seconds.
pub fn setup(interval: u32) -> (tempfile::TempDir, Portal) {
    let (dir, portal) = setup_without_accs();
    let config = format!(
        "version = 1\n[gateway]\nid = \"postern-1\"\n\n[accs]\nportal_url = \"https://127.0.0.1:{}\"\nca_file = \"{}\"\ntoken_file = \"{}\"\nsync_interval_secs = {interval}\n",
        portal.port,
        dir.path().join("portal-certs/ca.pem").display(),
        dir.path().join("portal-token").display()
    );
    std::fs::write(dir.path().join("initial.toml"), config).expect("config");
    (dir, portal)
}

/// The portal of [`setup`], and posternd's initial configuration without `[accs]`.
pub fn setup_without_accs() -> (tempfile::TempDir, Portal) {
    let dir = tempfile::tempdir().expect("temp dir");
    let portal = Portal::start(dir.path(), 0);
    portal.admin(&["certificates", "acme", "--self-signed"]);
    portal.admin(&["token", "acme", "postern-1", TOKEN]);
    std::fs::write(dir.path().join("portal-token"), format!("{TOKEN}\n")).expect("token file");
    std::fs::write(dir.path().join("initial.toml"), "version = 1\n[gateway]\nid = \"postern-1\"\n").expect("config");
    (dir, portal)
}
