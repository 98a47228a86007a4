//! `commit confirmed` applies live both ways (F4, F6): its change is in effect within a
//! second, and when it is not confirmed the appliance reverts it at the deadline and the
//! previous configuration is live again within about a second: the metrics listener is
//! back on its port (curl), `show running-config` and `show configuration history` show
//! the revert, and an SSH session opened before sees the restored hostname in its prompt.
//! A `commit confirmed` followed by a plain `commit` is confirmed and outlives its deadline.

mod common;

use common::live::within_a_second;
use common::{DEADLINE, Daemon, cli, free_configured_port, keygen, text};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long after its deadline the revert may take to be seen from outside: the appliance
/// looks four times a second and the metrics listener moves back at once; the rest is a
/// margin for a loaded machine.
const REVERTED_WITHIN: f64 = 1.5;

fn unix_now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970").as_secs_f64()
}

/// curl of the metrics on `port`; the HTTP status ("000" when nothing answers).
fn metrics(port: u16) -> String {
    let out = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-m", "5", "-w", "%{http_code}"])
        .arg(format!("http://127.0.0.1:{port}/metrics"))
        .output()
        .expect("curl runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn refused(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_err()
}

/// An interactive SSH login (`ssh -tt`) in a tmux pane, to read its prompt.
struct Pane {
    socket: std::path::PathBuf,
}

impl Pane {
    fn open(dir: &Path, port: u16) -> Self {
        let pane = Self { socket: dir.join("tmux.sock") };
        let ssh = format!(
            "ssh -tt -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -i {} -p {port} admin@127.0.0.1",
            dir.join("admin").display()
        );
        let started = pane.tmux(&["new-session", "-d", "-s", "cli", "-x", "160", "-y", "50", &ssh]);
        assert!(started.status.success(), "{}", text(&started));
        pane
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux").arg("-S").arg(&self.socket).args(args).output().expect("tmux runs")
    }

    /// The last line on the screen that is not empty.
    fn last_line(&self) -> String {
        let screen = self.tmux(&["capture-pane", "-p", "-t", "cli"]);
        String::from_utf8_lossy(&screen.stdout).lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").to_owned()
    }

    /// Presses Enter, then waits until the prompt is `prompt`; the prompt seen last.
    fn prompt_after_enter(&self, prompt: &str) -> String {
        self.tmux(&["send-keys", "-t", "cli", "Enter"]);
        self.wait_prompt(prompt)
    }

    /// Waits until the prompt is `prompt`; the prompt seen last.
    fn wait_prompt(&self, prompt: &str) -> String {
        let start = Instant::now();
        loop {
            let line = self.last_line();
            if line.trim_end() == prompt || start.elapsed() > DEADLINE {
                return line;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

/// The commit's output; it must succeed and wait for nothing.
fn commit(dir: &Path, script: &str) -> String {
    let out = cli(dir, script);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{script}: {shown}");
    assert!(!shown.contains("Applies at the next"), "{script}: a setting waits for reload: {shown}");
    shown
}

#[test]
fn an_unconfirmed_commit_reverts_live_at_its_deadline_and_a_confirmed_one_stays() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    let admin = keygen(dir, "admin");
    let (ssh_port, metrics_port) = (free_configured_port(), free_configured_port());
    let initial = format!(
        "{}\n[management]\naddress = \"127.0.0.1\"\nssh_port = {ssh_port}\nmetrics_port = {metrics_port}\nmetrics_allowed = [\"127.0.0.1/32\"]\n\n\
         [[users]]\nname = \"admin\"\nprivilege = \"administrator\"\nssh_keys = [\"{admin}\"]\n",
        postern_config::DEMO_TOML
    );
    std::fs::write(dir.join("initial.toml"), initial).expect("write config");
    let mut daemon = Daemon::start_configured(dir, &[]);
    daemon.line_with("metrics listening");
    assert_eq!(metrics(metrics_port), "200");
    let pane = Pane::open(dir, ssh_port);
    assert_eq!(pane.wait_prompt("postern-demo>").trim_end(), "postern-demo>", "the SSH session's prompt");

    // Confirmed by a plain `commit`: it stays past its deadline (checked below, once the
    // second commit's later deadline has passed).
    let shown = commit(dir, "configure terminal ; hostname trial-a ; commit confirmed 1");
    assert!(shown.contains("rolls back by itself in 60 s"), "{shown}");
    let shown = commit(dir, "configure terminal ; commit");
    assert!(shown.contains("(confirms revision 2)"), "{shown}");

    // Not confirmed: a new hostname and the metrics listener moved, live within a second.
    let moved = free_configured_port();
    let shown = commit(
        dir,
        &format!("configure terminal ; hostname trial-b ; management metrics-port {moved} ; commit confirmed 1"),
    );
    assert!(shown.contains("Committed revision 4; it rolls back by itself in 60 s"), "{shown}");
    within_a_second("metrics moved within 1 s", || metrics(moved) == "200" && refused(metrics_port));
    let prompt = pane.prompt_after_enter("trial-b>");
    assert_eq!(prompt.trim_end(), "trial-b>", "the open session's prompt follows the commit");
    let history = text(&cli(dir, "show configuration history"));
    let deadline = history
        .lines()
        .find_map(|l| l.strip_prefix("Revision 4 rolls back at "))
        .and_then(|at| at.split(" UTC").next())
        .unwrap_or_else(|| panic!("the pending confirmation is shown: {history}"))
        .to_owned();
    let now = unix_now() as u64;
    let deadline = (now..now + 62)
        .find(|secs| postern_logging::utc_time(*secs).starts_with(&deadline))
        .unwrap_or_else(|| panic!("a deadline within a minute: {deadline}"));

    // The revert: the metrics listener back on its port, the moved one closed.
    let mut seen = None;
    while unix_now() < deadline as f64 + 30.0 {
        let began = unix_now();
        let back = metrics(metrics_port) == "200" && refused(moved);
        let ended = unix_now();
        if back {
            seen = Some((began, ended));
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let (began, ended) = seen.expect("the previous metrics port is live again");
    let late = began - deadline as f64;
    eprintln!("revert seen from outside {late:.2} s after the deadline");
    assert!(ended >= deadline as f64, "reverted {:.2} s before the deadline", deadline as f64 - ended);
    assert!(late < REVERTED_WITHIN, "the revert was seen only {late:.2} s after the deadline");

    let history = text(&cli(dir, "show configuration history"));
    let newest = history.lines().nth(1).unwrap_or_default();
    assert!(
        newest.contains(" 5 ") && newest.contains("system") && newest.contains("AutomaticRollback"),
        "the revert is the newest revision: {history}"
    );
    assert!(newest.contains("commit confirmed at revision 4 was not confirmed in time"), "{history}");
    assert_eq!(history.matches("AutomaticRollback").count(), 1, "only the unconfirmed commit reverts: {history}");
    assert!(!history.contains("rolls back at"), "nothing is pending any more: {history}");
    let running = text(&cli(dir, "show running-config"));
    assert!(running.starts_with("! revision 5\n"), "{running}");
    assert!(running.contains("\nhostname trial-a\n"), "the confirmed commit outlived its deadline: {running}");
    assert!(!running.contains(&format!("metrics-port {moved}")), "{running}");
    let prompt = pane.prompt_after_enter("trial-a>");
    assert_eq!(prompt.trim_end(), "trial-a>", "the session opened before the revert follows it");
    let management = text(&cli(dir, "show management"));
    assert!(management.contains(&format!("metrics 127.0.0.1:{metrics_port}")), "{management}");
    daemon.line_with("configuration rolled back and applied");
}
