//! Shared test fixtures: a toy CLI session, a factory, a server running in its own runtime.
#![allow(dead_code, unused_imports, unreachable_pub, missing_docs)]

pub mod fixture;
pub mod toy;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

use postern_cli_transport::{AuthorisedKey, Privilege, Server, ServerConfig};

pub use toy::{ToyFactory, VERSION_LINE};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A server in its own tokio runtime, so the test thread can block on real clients.
pub struct TestServer {
    runtime: tokio::runtime::Runtime,
    server: Option<Server>,
}

impl TestServer {
    pub fn start(config: ServerConfig, factory: ToyFactory) -> Result<Self, Box<dyn std::error::Error>> {
        // Server logs go to the test output (shown with --nocapture).
        let _ = tracing_subscriber::fmt().with_env_filter("postern_cli_transport=debug").try_init();
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let server = runtime.block_on(Server::start(config, Arc::new(factory)))?;
        Ok(TestServer { runtime, server: Some(server) })
    }

    pub fn ssh_port(&self) -> u16 {
        self.server.as_ref().and_then(Server::ssh_addr).map_or(0, |a| a.port())
    }

    /// What moves the running SSH server to another socket.
    pub fn ssh_rebind(&self) -> Option<postern_cli_transport::SshRebind> {
        self.server.as_ref().and_then(Server::ssh_rebind)
    }

    /// Runs `work` on the server's runtime.
    pub fn block_on<T>(&self, work: impl std::future::Future<Output = T>) -> T {
        self.runtime.block_on(work)
    }

    pub fn shutdown(mut self) -> TestResult {
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.shutdown())?;
        }
        Ok(())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            let _ = self.runtime.block_on(server.shutdown());
        }
    }
}

/// Generates an ed25519 key pair with ssh-keygen; returns the private key path and public line.
pub fn keygen(dir: &Path, name: &str) -> Result<(PathBuf, String), Box<dyn std::error::Error>> {
    let key = dir.join(name);
    let status =
        Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"]).arg(&key).status()?;
    if !status.success() {
        return Err(format!("ssh-keygen failed: {status}").into());
    }
    let public = std::fs::read_to_string(key.with_extension("pub"))?;
    Ok((key, public.trim().to_owned()))
}

pub fn authorised(user: &str, privilege: Privilege, public: &str) -> AuthorisedKey {
    AuthorisedKey { user: user.into(), privilege, openssh: public.into() }
}

/// An `ssh` command for `user` at 127.0.0.1:`port` with `key`, batch mode, no known-hosts file.
pub fn ssh(key: &Path, port: u16, user: &str) -> Command {
    let mut command = Command::new("ssh");
    command
        .arg("-F")
        .arg("/dev/null")
        .arg("-i")
        .arg(key)
        .args(["-p", &port.to_string()])
        .args(["-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10"])
        .args(["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"])
        .arg(format!("{user}@127.0.0.1"))
        .env_remove("SSH_AUTH_SOCK");
    command
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Polls `check` until it returns true or `timeout` passes.
pub fn wait_until(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    check()
}
