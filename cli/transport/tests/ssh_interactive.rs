//! An interactive login through a real terminal: `ssh -tt` inside tmux, keys sent with send-keys.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use common::fixture::SshFixture;
use common::{TestResult, VERSION_LINE, wait_until};

struct Tmux {
    socket: std::path::PathBuf,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> std::io::Result<Output> {
        Command::new("tmux").arg("-S").arg(&self.socket).args(args).output()
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "cli"])
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    fn wait_for(&self, text: &str, count: usize) -> bool {
        wait_until(Duration::from_secs(15), || self.screen().matches(text).count() >= count)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn ssh_line(f: &SshFixture, key: &Path, user: &str, done: &Path) -> String {
    format!(
        "ssh -tt -F /dev/null -i {} -p {} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no \
         -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR {user}@127.0.0.1; echo rc=$? > {}; sleep 60",
        key.display(),
        f.port,
        done.display()
    )
}

#[test]
fn typing_a_command_shows_its_output_and_a_new_prompt() -> TestResult {
    let f = SshFixture::start()?;
    let done = f.dir.path().join("done");
    let tmux = Tmux { socket: f.dir.path().join("tmux.sock") };
    let line = ssh_line(&f, &f.alice, "alice", &done);
    let started = tmux.run(&["new-session", "-d", "-s", "cli", "-x", "100", "-y", "30", &line])?;
    assert!(started.status.success(), "tmux: {}", String::from_utf8_lossy(&started.stderr));

    assert!(tmux.wait_for("alice#", 1), "no prompt: {:?}", tmux.screen());
    tmux.run(&["send-keys", "-t", "cli", "show version", "Enter"])?;
    assert!(tmux.wait_for("alice#", 2), "no second prompt: {:?}", tmux.screen());
    let screen = tmux.screen();
    let lines: Vec<&str> = screen.lines().map(str::trim_end).collect();
    let typed = lines.iter().position(|l| *l == "alice# show version");
    assert!(typed.is_some(), "typed line echoed once, on the prompt: {screen:?}");
    let next = typed.and_then(|i| lines.get(i + 1..i + 3));
    assert_eq!(next, Some(&[VERSION_LINE, "alice#"][..]), "{screen:?}");

    tmux.run(&["send-keys", "-t", "cli", "exit", "Enter"])?;
    assert!(wait_until(Duration::from_secs(10), || done.exists()), "ssh did not end on exit");
    assert_eq!(std::fs::read_to_string(&done)?.trim(), "rc=0");
    f.server.shutdown()
}

#[test]
fn an_operator_session_refuses_configuration() -> TestResult {
    let f = SshFixture::start()?;
    let done = f.dir.path().join("done");
    let tmux = Tmux { socket: f.dir.path().join("tmux.sock") };
    let line = ssh_line(&f, &f.bob, "bob", &done);
    tmux.run(&["new-session", "-d", "-s", "cli", "-x", "100", "-y", "30", &line])?;
    assert!(tmux.wait_for("bob>", 1), "no prompt: {:?}", tmux.screen());
    tmux.run(&["send-keys", "-t", "cli", "configure terminal", "Enter"])?;
    assert!(tmux.wait_for("% operators may not configure", 1), "{:?}", tmux.screen());
    f.server.shutdown()
}
