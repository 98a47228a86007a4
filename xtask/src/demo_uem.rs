//! The reference UEM server for `cargo xtask run`: started in the background on loopback,
//! enrolled with the demo configuration's devices, stopped when the run ends.

use crate::shell::{Result, StepError, root, say};
use postern_config::{Config, Connector, PosternApiConnector, ReportedState};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The demo gateway's token at the demo UEM (loopback only; never use it elsewhere).
const DEMO_TOKEN: &str = "postern-demo-gateway-token";

/// A running reference UEM, killed when dropped.
pub(crate) struct DemoUem {
    child: Child,
    admin_url: String,
    /// Its state file; the admin token is beside it.
    state: std::path::PathBuf,
    /// Where the gateway finds it.
    pub(crate) connector: PosternApiConnector,
}

impl Drop for DemoUem {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn binary() -> PathBuf {
    root().join("target/release/postern-uem")
}

fn wait_for_port(file: &Path) -> Result<u16> {
    let start = Instant::now();
    loop {
        if let Some(port) = std::fs::read_to_string(file).ok().and_then(|s| s.trim().parse().ok()) {
            return Ok(port);
        }
        if start.elapsed() > Duration::from_secs(30) {
            return Err(StepError(format!("postern-uem did not write {}", file.display())));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl DemoUem {
    /// Starts the server on `port` with its state in `dir`, and enrols the devices of the
    /// demo configuration's static list with their states.
    pub(crate) fn start(dir: &Path, port: u16, demo: &Config) -> Result<Self> {
        let io = |e: std::io::Error| StepError(format!("{}: {e}", dir.display()));
        std::fs::create_dir_all(dir).map_err(io)?;
        let admin_port_file = dir.join("admin-port");
        let _ = std::fs::remove_file(&admin_port_file);
        let log = std::fs::File::create(dir.join("postern-uem.log")).map_err(io)?;
        say(&format!(
            "starting the reference UEM on 127.0.0.1:{port} (log in {})",
            dir.join("postern-uem.log").display()
        ));
        let child = Command::new(binary())
            .arg("serve")
            .arg("--state")
            .arg(dir.join("state.json"))
            .arg("--self-signed")
            .arg(dir.join("certs"))
            .args(["--listen", &format!("127.0.0.1:{port}"), "--admin-listen", "127.0.0.1:0"])
            .arg("--admin-port-file")
            .arg(&admin_port_file)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| StepError(format!("starting {}: {e}", binary().display())))?;
        let token_file = dir.join("gateway-token");
        std::fs::write(&token_file, DEMO_TOKEN).map_err(io)?;
        let mut uem = DemoUem {
            child,
            admin_url: String::new(),
            state: dir.join("state.json"),
            connector: PosternApiConnector {
                url: format!("https://127.0.0.1:{port}"),
                ca_file: Some(dir.join("certs/ca.pem")),
                gateway_credentials: Some(token_file),
            },
        };
        uem.admin_url = format!("http://127.0.0.1:{}", wait_for_port(&admin_port_file)?);
        uem.admin(&["token", &demo.gateway.id, DEMO_TOKEN])?;
        uem.admin(&["settings", "--new-device", "allow", "--quarantine", "true"])?;
        if let Connector::Static(list) = &demo.uem.connector {
            for device in
                list.devices.iter().filter(|d| d.allowed_on_gateway.as_deref().is_none_or(|g| g == demo.gateway.id))
            {
                let platform = format!("{:?}", device.platform).to_lowercase();
                uem.admin(&[
                    "enrol",
                    "--uem-id",
                    &device.uem_id,
                    "--activesync-id",
                    &device.activesync_id,
                    "--user",
                    &device.user,
                    "--platform",
                    &platform,
                ])?;
                match device.state {
                    ReportedState::Blocked => uem.admin(&["block", &device.uem_id])?,
                    ReportedState::Quarantined => {
                        uem.admin(&["status", &device.uem_id, "noncompliant", "--action", "quarantine"])?
                    }
                    ReportedState::Wiped => uem.admin(&["wipe", &device.uem_id])?,
                    ReportedState::Allowed => {}
                }
            }
        }
        Ok(uem)
    }

    /// Runs one `postern-uem admin` command quietly.
    pub(crate) fn admin(&self, args: &[&str]) -> Result {
        let out = Command::new(binary())
            .args(["admin", "--url", &self.admin_url])
            .arg("--state")
            .arg(&self.state)
            .args(args)
            .output()
            .map_err(|e| StepError(format!("postern-uem admin: {e}")))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(StepError(format!(
                "postern-uem admin {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    }

    /// The admin command line an operator can use while the demo runs.
    pub(crate) fn admin_hint(&self) -> String {
        format!("{} admin --url {} --state {}", binary().display(), self.admin_url, self.state.display())
    }
}
