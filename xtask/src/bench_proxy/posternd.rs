//! posternd, release-built, started from a configuration made for the benchmark: the
//! static UEM of the demo plus the benchmark's devices, the benchmark certificate, and
//! the back ends.

use super::pki::Pki;
use super::process::{Placement, Spawned, logged_addr, pinned};
use super::scratch::Scratch;
use crate::shell::{Result, StepError, cargo, exec, root, say};
use postern_config::{AppTunnelService, Config, Connector, Platform, ReportedState, ServiceKind, StaticDevice};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The demo's compliant device: its ActiveSync requests are allowed (decided from the
/// device cache after the first, S2).
pub(crate) const ACTIVESYNC_USER: &str = "alice%40example.com";
/// Its ActiveSync device id.
pub(crate) const ACTIVESYNC_DEVICE: &str = "ApplA1B2C3D4E5F6";

/// A running posternd; stopped when dropped.
pub(crate) struct Posternd {
    spawned: Spawned,
    log: PathBuf,
}

/// Builds posternd in release mode and returns the path of the binary.
pub(crate) fn build() -> Result<PathBuf> {
    say("building posternd (release)");
    exec(cargo().args(["build", "--quiet", "--release", "--package", "posternd"]))?;
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root().join(dir),
        None => root().join("target"),
    };
    let binary = target.join("release/posternd");
    if binary.is_file() { Ok(binary) } else { Err(StepError(format!("{} was not built", binary.display()))) }
}

/// The UEM id of benchmark device `n` (its certificate names it).
pub(crate) fn bench_device(n: usize) -> String {
    format!("bench-{n:04}")
}

/// The configuration: the demo's, with the benchmark certificate, `backend` as the
/// Exchange back end, `services` as AppTunnel services, and `devices` bench devices
/// added to the static UEM, all allowed.
pub(crate) fn config(
    pki: &Pki,
    backend: SocketAddr,
    services: &[(&str, SocketAddr)],
    devices: usize,
) -> Result<Config> {
    let mut config = Config::demo();
    config.tls.certificate_file = Some(pki.server_cert.clone());
    config.tls.key_file = Some(pki.server_key.clone());
    config.activesync.backend_url = Some(format!("http://{backend}"));
    config.apptunnel.client_ca_file = Some(pki.ca.clone());
    config.apptunnel.services = services
        .iter()
        .map(|(name, addr)| AppTunnelService {
            name: (*name).to_owned(),
            kind: ServiceKind::Tcp,
            servers: vec![addr.to_string()],
        })
        .collect();
    let Connector::Static(uem) = &mut config.uem.connector else {
        return Err(StepError("the demo configuration no longer uses a static UEM".into()));
    };
    uem.devices.extend((0..devices).map(|n| StaticDevice {
        activesync_id: format!("Bench{n:04}"),
        user: format!("bench{n:04}@example.com"),
        uem_id: bench_device(n),
        platform: Platform::Ios,
        state: ReportedState::Allowed,
        allowed_on_gateway: None,
    }));
    config.validate().map_err(|e| StepError(format!("the benchmark configuration is invalid: {e}")))?;
    Ok(config)
}

impl Posternd {
    /// Starts `binary` as `name` with `config`, serving the listeners given as
    /// (command-line flag, log line that announces it) on free loopback ports; returns the
    /// daemon and each listener's address, in order. `log` is the log filter; it must
    /// keep posternd's own info lines, which announce the listeners.
    pub(crate) fn start(
        binary: &Path,
        scratch: &Scratch,
        name: &str,
        config: &Config,
        listeners: &[(&str, &str)],
        placement: Placement,
        log: &str,
    ) -> Result<(Self, Vec<SocketAddr>)> {
        let dir = scratch.path().join(name);
        std::fs::create_dir_all(&dir).map_err(|e| StepError(format!("creating {}: {e}", dir.display())))?;
        let initial = dir.join("initial.toml");
        config.save(&initial).map_err(|e| StepError(format!("writing {}: {e}", initial.display())))?;
        let mut cmd = pinned(placement.cpu(), binary);
        cmd.arg("--state-dir").arg(dir.join("state")).arg("--device-cache").arg(dir.join("cache"));
        cmd.arg("--socket").arg(dir.join("cli.sock")).arg("--initial-config").arg(&initial);
        // As many worker threads as nginx gets worker processes.
        cmd.arg("--worker-threads").arg(placement.workers().to_string());
        for (flag, _) in listeners {
            cmd.args([*flag, "127.0.0.1:0"]);
        }
        cmd.env("RUST_LOG", log);
        let log = dir.join("posternd.log");
        let mut spawned = Spawned::start("posternd", &mut cmd, &log)?;
        spawned.wait_for_line(&log, "posternd ready")?;
        let addrs = listeners
            .iter()
            .map(|(_, needle)| spawned.wait_for_line(&log, needle).and_then(|line| logged_addr(&line)))
            .collect::<Result<_>>()?;
        Ok((Self { spawned, log }, addrs))
    }

    /// The daemon's process id (all its threads are in it).
    pub(crate) fn pid(&self) -> u32 {
        self.spawned.pid()
    }

    /// Fails, naming the log, when the daemon has exited.
    pub(crate) fn check_running(&mut self) -> Result {
        let log = self.log.display().to_string();
        self.spawned.check_running().map_err(|e| StepError(format!("{e}; see {log}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_is_valid_and_allows_every_bench_device() {
        let pki = Pki::at(Path::new("/tmp/bench-pki"));
        let addr: SocketAddr = "127.0.0.1:9".parse().expect("addr");
        let config = config(&pki, addr, &[("bulk", addr)], 3).expect("valid");
        let Connector::Static(uem) = &config.uem.connector else { panic!("static UEM expected") };
        for n in 0..3 {
            let device = uem.devices.iter().find(|d| d.uem_id == bench_device(n)).expect("bench device present");
            assert_eq!(device.state, ReportedState::Allowed);
        }
        let alice = uem.devices.iter().find(|d| d.activesync_id == ACTIVESYNC_DEVICE).expect("the ActiveSync device");
        assert_eq!(alice.state, ReportedState::Allowed);
        assert_eq!(alice.user.replace('@', "%40"), ACTIVESYNC_USER);
        assert_eq!(config.activesync.backend_url.as_deref(), Some("http://127.0.0.1:9"));
    }
}
