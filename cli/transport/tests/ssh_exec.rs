//! The real OpenSSH client runs CLI commands non-interactively; logins other than by key fail.

mod common;

use common::fixture::SshFixture;
use common::{TestResult, VERSION_LINE, ssh, stderr, stdout};

#[test]
fn exec_runs_cli_lines_and_reports_success_in_the_exit_status() -> TestResult {
    let f = SshFixture::start()?;
    let out = ssh(&f.alice, f.port, "alice").arg("show version").output()?;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), format!("{VERSION_LINE}\n"));

    let out = ssh(&f.alice, f.port, "alice").arg("show version\nfail").output()?;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), format!("{VERSION_LINE}\n% failed on purpose\n"));

    let out = ssh(&f.alice, f.port, "alice").arg("whoami").output()?;
    assert_eq!(stdout(&out), "alice administrator Ssh\n");
    f.server.shutdown()
}

#[test]
fn the_command_string_never_reaches_a_shell() -> TestResult {
    let f = SshFixture::start()?;
    let marker = f.dir.path().join("pwned");
    let attempt = format!("echo hi; touch {} && echo $((6*7))", marker.display());
    let out = ssh(&f.alice, f.port, "alice").arg(&attempt).output()?;
    assert_eq!(stdout(&out), format!("echo: {attempt}\n"), "the line went to the CLI verbatim");
    assert!(!out.stdout.windows(2).any(|w| w == b"42"), "no shell expanded anything");
    assert!(!marker.exists());
    f.server.shutdown()
}

#[test]
fn an_operator_cannot_configure_an_administrator_can() -> TestResult {
    let f = SshFixture::start()?;
    let out = ssh(&f.bob, f.port, "bob").arg("configure terminal").output()?;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "% operators may not configure\n");
    let out = ssh(&f.bob, f.port, "bob").arg("whoami").output()?;
    assert_eq!(stdout(&out), "bob operator Ssh\n");
    let out = ssh(&f.alice, f.port, "alice").arg("configure terminal").output()?;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "configured\n");
    f.server.shutdown()
}

#[test]
fn unknown_keys_and_keys_of_other_users_are_refused() -> TestResult {
    let f = SshFixture::start()?;
    for (key, user) in [(&f.mallory, "alice"), (&f.bob, "alice"), (&f.alice, "root"), (&f.alice, "bob")] {
        let out = ssh(key, f.port, user).arg("show version").output()?;
        assert_eq!(out.status.code(), Some(255), "{user} with {}", key.display());
        assert!(stderr(&out).contains("Permission denied (publickey)"), "{}", stderr(&out));
        assert!(stdout(&out).is_empty());
    }
    f.server.shutdown()
}

#[test]
fn password_and_keyboard_interactive_are_not_offered() -> TestResult {
    let f = SshFixture::start()?;
    for method in ["password", "keyboard-interactive", "none"] {
        let out = ssh(&f.alice, f.port, "alice")
            .args(["-o", &format!("PreferredAuthentications={method}"), "-o", "PubkeyAuthentication=no"])
            .arg("show version")
            .output()?;
        assert_eq!(out.status.code(), Some(255), "{method}");
        assert!(stderr(&out).contains("Permission denied (publickey)"), "{method}: {}", stderr(&out));
        assert!(stdout(&out).is_empty());
    }
    f.server.shutdown()
}

/// A long command's output reaches the client while the command still runs, and the
/// connection serves other commands meanwhile: `wait-for` prints `waiting`, then blocks
/// until its file exists, which the test creates only after it read `waiting`.
#[test]
fn output_streams_while_a_command_runs_and_other_commands_are_served() -> TestResult {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let f = SshFixture::start()?;
    let flag = f.dir.path().join("go-on");
    let mut long =
        ssh(&f.alice, f.port, "alice").arg(format!("wait-for {}", flag.display())).stdout(Stdio::piped()).spawn()?;
    let mut lines = BufReader::new(long.stdout.take().ok_or("no stdout")?);
    let mut first = String::new();
    lines.read_line(&mut first)?;
    assert_eq!(first, "waiting\n", "the first line arrives before the command ends");
    let other = ssh(&f.alice, f.port, "alice").arg("show version").output()?;
    assert_eq!(stdout(&other), format!("{VERSION_LINE}\n"), "served while the long command runs");
    std::fs::write(&flag, b"")?;
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut lines, &mut rest)?;
    assert_eq!(rest, "done\n");
    assert_eq!(long.wait()?.code(), Some(0));
    f.server.shutdown()
}
