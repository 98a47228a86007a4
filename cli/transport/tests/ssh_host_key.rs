//! The host key is created once and survives a restart: known_hosts keeps matching.

mod common;

use std::path::Path;
use std::process::Command;

use postern_cli_transport::{Privilege, ServerConfig, SshConfig};

use common::{TestResult, TestServer, ToyFactory, authorised, keygen, stderr};

fn start(dir: &Path, state: &str, public: &str) -> Result<TestServer, Box<dyn std::error::Error>> {
    let ssh = SshConfig::new("127.0.0.1:0".parse()?, dir.join(state));
    let factory = ToyFactory { keys: vec![authorised("alice", Privilege::Administrator, public)] };
    TestServer::start(ServerConfig { ssh: Some(ssh), ..ServerConfig::default() }, factory)
}

/// `ssh` checking the host key against `known_hosts` under a fixed alias (ports differ per start).
fn checked_ssh(key: &Path, known_hosts: &Path, port: u16, strict: &str) -> Command {
    let mut command = Command::new("ssh");
    command
        .args(["-F", "/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "HostKeyAlias=postern-test"])
        .arg("-o")
        .arg(format!("UserKnownHostsFile={}", known_hosts.display()))
        .arg("-o")
        .arg(format!("StrictHostKeyChecking={strict}"))
        .arg("-i")
        .arg(key)
        .args(["-p", &port.to_string(), "alice@127.0.0.1", "show version"])
        .env_remove("SSH_AUTH_SOCK");
    command
}

#[test]
fn the_host_key_is_the_same_after_a_restart_and_differs_for_a_new_state_dir() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (key, public) = keygen(dir.path(), "alice")?;
    let known_hosts = dir.path().join("known_hosts");

    let first = start(dir.path(), "state", &public)?;
    let out = checked_ssh(&key, &known_hosts, first.ssh_port(), "accept-new").output()?;
    assert!(out.status.success(), "first login: {}", stderr(&out));
    assert!(std::fs::read_to_string(&known_hosts)?.contains("ssh-ed25519"), "host key recorded");
    first.shutdown()?;

    let again = start(dir.path(), "state", &public)?;
    let out = checked_ssh(&key, &known_hosts, again.ssh_port(), "yes").output()?;
    assert!(out.status.success(), "after restart: {}", stderr(&out));
    again.shutdown()?;

    let other = start(dir.path(), "other-state", &public)?;
    let out = checked_ssh(&key, &known_hosts, other.ssh_port(), "yes").output()?;
    assert_eq!(out.status.code(), Some(255));
    assert!(stderr(&out).contains("HOST IDENTIFICATION HAS CHANGED"), "{}", stderr(&out));
    other.shutdown()
}
