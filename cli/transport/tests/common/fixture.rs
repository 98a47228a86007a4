//! An SSH server with an administrator (alice), an operator (bob) and an unknown key (mallory).

use std::path::PathBuf;
use std::time::Duration;

use postern_cli_transport::{Privilege, ServerConfig, SshConfig};

use super::{TestServer, ToyFactory, authorised, keygen};

pub struct SshFixture {
    pub dir: tempfile::TempDir,
    pub alice: PathBuf,
    pub bob: PathBuf,
    pub mallory: PathBuf,
    pub server: TestServer,
    pub port: u16,
}

impl SshFixture {
    pub fn start() -> Result<Self, Box<dyn std::error::Error>> {
        Self::start_with(|_| {})
    }

    pub fn start_with(tune: impl FnOnce(&mut SshConfig)) -> Result<Self, Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let (alice, alice_pub) = keygen(dir.path(), "alice")?;
        let (bob, bob_pub) = keygen(dir.path(), "bob")?;
        let (mallory, _) = keygen(dir.path(), "mallory")?;
        let mut ssh = SshConfig::new("127.0.0.1:0".parse()?, dir.path().join("state"));
        ssh.login_timeout = Duration::from_secs(5);
        tune(&mut ssh);
        let factory = ToyFactory {
            keys: vec![
                authorised("alice", Privilege::Administrator, &alice_pub),
                authorised("bob", Privilege::Operator, &bob_pub),
            ],
        };
        let server = TestServer::start(ServerConfig { ssh: Some(ssh), ..ServerConfig::default() }, factory)?;
        let port = server.ssh_port();
        Ok(SshFixture { dir, alice, bob, mallory, server, port })
    }
}
