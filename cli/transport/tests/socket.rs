//! The `postern` client against a server on a temporary socket: output and exit codes 0, 1, 2.

mod common;

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output};

use postern_cli_transport::ServerConfig;

use common::{TestResult, TestServer, ToyFactory, VERSION_LINE, stderr, stdout};

fn postern(socket: &Path, args: &[&str]) -> std::io::Result<Output> {
    Command::new(env!("CARGO_BIN_EXE_postern")).arg("--socket").arg(socket).args(args).output()
}

fn start(socket: &Path) -> Result<TestServer, Box<dyn std::error::Error>> {
    let config = ServerConfig { socket: Some(socket.to_path_buf()), ..ServerConfig::default() };
    TestServer::start(config, ToyFactory { keys: Vec::new() })
}

#[test]
fn commands_print_their_output_and_the_exit_code_tells_success() -> TestResult {
    let dir = tempfile::tempdir()?;
    let socket = dir.path().join("cli.sock");
    let server = start(&socket)?;
    assert_eq!(std::fs::metadata(&socket)?.permissions().mode() & 0o777, 0o600);

    let out = postern(&socket, &["-c", "show version"])?;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{VERSION_LINE}\n"));

    let out = postern(&socket, &["-c", "show version; fail"])?;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), format!("{VERSION_LINE}\n% failed on purpose\n"));

    let out = postern(&socket, &["-c", "configure terminal", "-c", "whoami"])?;
    assert_eq!(out.status.code(), Some(0));
    let me = nix::unistd::User::from_uid(nix::unistd::geteuid())?.map(|u| u.name).unwrap_or_default();
    assert_eq!(stdout(&out), format!("configured\n{me} administrator Socket\n"));

    server.shutdown()?;
    assert!(!socket.exists(), "the socket file is removed at shutdown");
    Ok(())
}

#[test]
fn connection_and_usage_errors_exit_with_2() -> TestResult {
    let dir = tempfile::tempdir()?;
    let out = postern(&dir.path().join("absent.sock"), &["-c", "show version"])?;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot connect"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());

    let socket = dir.path().join("cli.sock");
    let server = start(&socket)?;
    for args in [&[][..], &["-c", " ; "][..], &["--bogus"][..]] {
        let out = postern(&socket, args)?;
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    server.shutdown()
}

#[test]
fn a_stale_socket_is_replaced_at_start() -> TestResult {
    let dir = tempfile::tempdir()?;
    let socket = dir.path().join("cli.sock");
    drop(std::os::unix::net::UnixListener::bind(&socket)?);
    assert!(std::fs::symlink_metadata(&socket)?.file_type().is_socket());
    let server = start(&socket)?;
    let out = postern(&socket, &["-c", "show version"])?;
    assert_eq!(out.status.code(), Some(0));
    server.shutdown()
}

#[test]
fn other_users_are_operators_when_the_socket_is_opened_to_them() -> TestResult {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: switching to another user needs root");
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))?;
    let socket = dir.path().join("cli.sock");
    let server = start(&socket)?;
    let as_nobody = |args: &[&str]| {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_postern"), "--socket"])
            .arg(&socket)
            .args(args)
            .output()
    };
    let out = as_nobody(&["-c", "show version"])?;
    assert_eq!(out.status.code(), Some(2), "0600 keeps other users out: {}", stderr(&out));

    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o666))?;
    let out = as_nobody(&["-c", "whoami"])?;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).ends_with(" operator Socket\n"), "{}", stdout(&out));
    let out = as_nobody(&["-c", "configure terminal"])?;
    assert_eq!(out.status.code(), Some(1));
    server.shutdown()
}
