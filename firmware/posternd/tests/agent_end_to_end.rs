//! The endpoint agent's control channel end to end (Z1): a real posternd serves it on the
//! configured port with mutual TLS; the real `postern-agent` connects with a device
//! certificate of the AppTunnel client CA, gets the protected resources, follows a commit
//! that changes them, resumes its session with its cookie after posternd restarts (same
//! session id), starts afresh when the gateway no longer knows the cookie, and is revoked
//! at once when the device is blocked from the CLI or made non-compliant at the UEM; a
//! blocked device is refused. A commit that moves `agent port` keeps a connected agent on
//! its session and connection, while new agents connect on the new port.

mod common;

use common::posture::server_pki;
use common::proxy::{apptunnel_section, common_name_only_device, device_pki, port_from, write_config};
use common::uem::setup;
use common::{Daemon, agent_binary, cli, free_configured_port, text};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The gateway: server and device PKI, `[agent]` on a port of its own with one resource.
fn gateway(dir: &Path) -> (Daemon, u16) {
    server_pki(dir);
    device_pki(dir, &["laptop-1"]);
    let port = free_configured_port();
    let agent = format!(
        "\n[agent]\nenabled = true\nport = {port}\n\n[[agent.resources]]\nname = \"intranet\"\n\
         prefixes = [\"10.1.0.0/16\"]\nports = [443]\nservice = \"crm\"\n"
    );
    write_config(dir, 9, &format!("{}{agent}", apptunnel_section(dir, 9)));
    let mut daemon = Daemon::start(dir, &[]);
    let listening = daemon.line_with("agent control channel listening");
    assert_eq!(port_from(&listening), port, "agent.port is where it listens: {listening}");
    (daemon, port)
}

/// An agent of `device` with its own state directory `name`, logging to `name.log`.
struct Agent {
    child: Child,
    config: PathBuf,
    state: PathBuf,
    log: PathBuf,
}

impl Agent {
    fn start(dir: &Path, port: u16, name: &str) -> Self {
        Self::of_device(dir, port, name, "laptop-1")
    }

    fn of_device(dir: &Path, port: u16, name: &str, device: &str) -> Self {
        let state = dir.join(name);
        let config = dir.join(format!("{name}.toml"));
        std::fs::write(
            &config,
            format!(
                "gateway = \"127.0.0.1:{port}\"\nca_file = \"{}\"\ncertificate_file = \"{}\"\nkey_file = \"{}\"\nstate_dir = \"{}\"\n",
                dir.join("server-ca.pem").display(),
                dir.join(format!("{device}.pem")).display(),
                dir.join(format!("{device}-key.pem")).display(),
                state.display()
            ),
        )
        .expect("agent config");
        let log = dir.join(format!("{name}.log"));
        let child = Command::new(agent_binary())
            .arg("--config")
            .arg(&config)
            .arg("run")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("postern-agent starts");
        Self { child, config, state, log }
    }

    fn status(&self) -> (Option<i32>, String) {
        let out = Command::new(agent_binary())
            .arg("--config")
            .arg(&self.config)
            .arg("status")
            .output()
            .expect("postern-agent status runs");
        (out.status.code(), text(&out))
    }

    /// Waits (up to 15 s) for a status with exit `code` whose text satisfies `wanted`.
    fn wait_status(&self, code: i32, wanted: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let (got, status) = self.status();
            if got == Some(code) && wanted(&status) {
                return status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "status never reached exit {code} as wanted; last (exit {got:?}):\n{status}\nagent log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Stops posternd as a service manager does (SIGTERM) and waits for it to exit.
fn stop(mut daemon: Daemon) {
    let pid = nix::unistd::Pid::from_raw(i32::try_from(daemon.child.id()).expect("pid"));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("SIGTERM");
    let start = Instant::now();
    while daemon.child.try_wait().expect("wait").is_none() {
        assert!(start.elapsed() < Duration::from_secs(15), "posternd did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn session_of(status: &str) -> String {
    status.lines().find_map(|l| l.strip_prefix("Session: ")).expect("a session line").to_owned()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("file exists").permissions().mode() & 0o777
}

#[test]
fn the_agent_gets_resources_follows_commits_and_resumes_its_session_after_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    let (daemon, port) = gateway(dir);
    let agent = Agent::start(dir, port, "agent");
    let status = agent.wait_status(0, |s| s.contains("State: connected"));
    assert!(status.contains("intranet -> service crm: 10.1.0.0/16 ports 443"), "{status}");
    let session = session_of(&status);
    assert_eq!(std::fs::metadata(agent.state.join("cookie")).expect("cookie").len(), 32);
    assert_eq!(mode(&agent.state.join("cookie")), 0o600, "the cookie is the agent's alone");
    let shown = text(&cli(dir, "show agent sessions"));
    assert!(shown.contains("1 agent session(s), 1 connected"), "{shown}");
    let row = shown.lines().find(|l| l.contains("laptop-1")).unwrap_or_else(|| panic!("no laptop-1 row:\n{shown}"));
    assert!(row.trim_start().starts_with(&session) && row.contains("127.0.0.1:"), "{row}");

    // Without a device certificate there is no TLS session (openssl s_client, a Hello
    // frame as input); a certificate naming no device gets a refusal.
    let out = Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}"), "-servername", "localhost", "-ign_eof", "-CAfile"])
        .arg(dir.join("server-ca.pem"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().expect("stdin").write_all(&[0, 0, 0, 4, 1, 1, b'x', 0])?;
            child.wait_with_output()
        })
        .expect("openssl runs");
    let all = text(&out);
    assert!(all.contains("certificate required"), "a client without a certificate is refused:\n{all}");
    common_name_only_device(dir, "laptop-9");
    let nameless = Agent::of_device(dir, port, "nameless", "cn-laptop-9");
    let status = nameless.wait_status(3, |s| s.contains("refused: device-unidentified"));
    assert!(status.contains("urn:postern:uem-device"), "the refusal says what is missing: {status}");
    drop(nameless);

    // A commit that adds a resource reaches the connected agent.
    let out = cli(dir, "configure terminal ; agent resource wiki ; prefix 10.2.0.0/24 ; service crm ; exit ; commit");
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("reload"), "resources apply at once: {}", text(&out));
    let status = agent.wait_status(0, |s| s.contains("wiki -> service crm: 10.2.0.0/24 all ports"));
    assert!(status.contains("Resources: 2"), "{status}");

    // posternd restarts: the agent comes back with its cookie, to the same session.
    stop(daemon);
    assert_eq!(mode(&dir.join("state/agent/sessions")), 0o600, "the gateway's sessions are its alone");
    agent.wait_status(2, |s| s.contains("State: reconnecting"));
    let mut daemon = Daemon::start(dir, &[]);
    let ready = Instant::now();
    let status = agent.wait_status(0, |s| s.contains("State: connected"));
    println!("agent resumed its session {:?} after posternd was ready again", ready.elapsed());
    assert_eq!(session_of(&status), session, "the session survived the restart:\n{status}");
    assert!(status.contains("wiki"), "the committed resources are served after the restart: {status}");
    let resumed = daemon.wait_for("agent session open");
    assert!(resumed.contains("resumed=true"), "{resumed}");
    assert!(!agent.log().contains("re-authenticated"), "a resumed session is silent:\n{}", agent.log());
}

#[test]
fn an_unknown_cookie_leads_to_a_new_session_and_a_blocked_device_is_revoked_and_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    let (daemon, port) = gateway(dir);
    let agent = Agent::start(dir, port, "agent");
    let first = session_of(&agent.wait_status(0, |s| s.contains("State: connected")));

    // The gateway forgets its sessions: the cookie is refused, the agent re-authenticates
    // and says so.
    stop(daemon);
    std::fs::remove_file(dir.join("state/agent/sessions")).expect("sessions file");
    let mut daemon = Daemon::start(dir, &[]);
    let status =
        agent.wait_status(0, |s| s.contains("State: connected") && !s.contains(&format!("Session: {first}\n")));
    assert_ne!(session_of(&status), first);
    assert!(daemon.wait_for("agent cookie unknown").contains("laptop-1"));
    let start = Instant::now();
    while !agent.log().contains("re-authenticated") {
        assert!(start.elapsed() < Duration::from_secs(5), "no re-authentication notice:\n{}", agent.log());
        std::thread::sleep(Duration::from_millis(50));
    }

    // Blocked from the CLI: the session is revoked at once and the agent says why.
    let out = cli(dir, "device-cache block laptop-1");
    assert!(out.status.success(), "{}", text(&out));
    let blocked_at = Instant::now();
    let status = agent.wait_status(4, |s| s.contains("State: revoked: operator-blocked"));
    let revoked = blocked_at.elapsed();
    println!("agent revoked {revoked:?} after the block returned (status polled every 100 ms)");
    assert!(revoked < Duration::from_secs(2), "revoked {revoked:?} after the block");
    assert!(status.contains("Resources: 0"), "{status}");
    daemon.wait_for("agent session revoked");
    let shown = text(&cli(dir, "show agent sessions"));
    assert!(shown.contains("0 agent session(s)"), "{shown}");

    // The blocked device is refused a new session.
    let second = Agent::start(dir, port, "second");
    let status = second.wait_status(3, |s| s.contains("refused: device-blocked (operator-blocked)"));
    assert!(!status.contains("Session:"), "{status}");
    assert!(!second.state.join("cookie").exists());
}

#[test]
fn a_device_made_non_compliant_at_the_uem_loses_its_session_at_the_check_in() {
    let (dir, uem) = setup();
    let dir = dir.path();
    server_pki(dir);
    device_pki(dir, &["uem-0001"]);
    let port = free_configured_port();
    let extra = format!(
        "\n[tls]\ncertificate_file = \"{}\"\nkey_file = \"{}\"\n{}\n[agent]\nenabled = true\nport = {port}\n",
        dir.join("cert.pem").display(),
        dir.join("key.pem").display(),
        apptunnel_section(dir, 9)
    );
    let mut config = std::fs::read_to_string(dir.join("initial.toml")).expect("config");
    config.push_str(&extra);
    std::fs::write(dir.join("initial.toml"), config).expect("config");
    let mut daemon = Daemon::start(dir, &[]);
    daemon.wait_for("compliance check-in");
    // The gateway knows the device: its ActiveSync access and an app's tunnel.
    assert!(common::uem::activesync(dir, "ALICE0001", "alice%40example.com").contains("allow"));
    assert!(text(&cli(dir, "test apptunnel uem-0001 com.example.crm crm")).contains("allow"));
    let agent = Agent::of_device(dir, port, "agent", "uem-0001");
    agent.wait_status(0, |s| s.contains("State: connected"));
    let shown = text(&cli(dir, "show agent sessions"));
    assert!(shown.lines().any(|l| l.contains("uem-0001") && l.contains("alice@example.com")), "user column: {shown}");

    uem.admin(&["status", "uem-0001", "noncompliant", "--action", "block"]);
    let changed = Instant::now();
    agent.wait_status(4, |s| s.contains("State: revoked: uem-noncompliant"));
    println!("agent revoked {:?} after the UEM's change", changed.elapsed());
    assert!(daemon.wait_for("agent session revoked").contains("uem-0001"));
    let second = Agent::of_device(dir, port, "second", "uem-0001");
    second.wait_status(3, |s| s.contains("refused: device-blocked (blocked)"));
}

#[test]
fn a_connected_agent_stays_connected_when_a_commit_moves_the_port_and_new_agents_use_the_new_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    let (mut daemon, port) = gateway(dir);
    let agent = Agent::start(dir, port, "agent");
    let session = session_of(&agent.wait_status(0, |s| s.contains("State: connected")));
    let moved = loop {
        let candidate = free_configured_port();
        if candidate != port {
            break candidate;
        }
    };
    let out = cli(dir, &format!("configure terminal ; agent port {moved} ; commit"));
    assert!(out.status.success() && !text(&out).contains("reload"), "{}", text(&out));
    daemon.wait_for("listener moved by a commit");
    let newcomer = Agent::of_device(dir, moved, "newcomer", "laptop-1");
    newcomer.wait_status(0, |s| s.contains("State: connected"));
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "the old port no longer accepts");
    // The agent on the old port is still served on its connection: a commit reaches it.
    let out = cli(dir, "configure terminal ; agent resource wiki ; prefix 10.2.0.0/24 ; service crm ; exit ; commit");
    assert!(out.status.success(), "{}", text(&out));
    let status = agent.wait_status(0, |s| s.contains("wiki -> service crm"));
    assert_eq!(session_of(&status), session, "the same session, never dropped:\n{status}");
    assert!(!daemon.logged("agent disconnected"), "no agent was disconnected by the move");
    assert!(!agent.log().contains("reconnect"), "the agent never reconnected:\n{}", agent.log());
}
