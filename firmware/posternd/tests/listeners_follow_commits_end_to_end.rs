//! Listeners that follow a commit (F4, F5, F6): `host-checker enabled|port` and `agent
//! enabled|port` start, move and stop their listener within a second of the commit, while
//! an ActiveSync connection opened before keeps working, and `show configuration
//! pending-reload` no longer names them. Run as root with `--user nobody`, the verifier
//! moves to ports below 1024 through the privileged helper, which runs as nobody with
//! exactly CAP_NET_BIND_SERVICE and CAP_NET_ADMIN, answers malformed requests and exits
//! with posternd. Started without the device CA, the settings are named as waiting for
//! `reload` instead.

mod common;

use common::proxy::{
    ALLOWED_QUERY, apptunnel_section, backend, certificate, device_pki, port_from, proc_status, write_config,
};
use common::{Daemon, cli, free_configured_port, text};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// CAP_NET_BIND_SERVICE (10) and CAP_NET_ADMIN (12), as /proc shows a capability set.
const HELPER_CAPS: &str = "0000000000001400";

/// Sends requests over one TLS connection to the ActiveSync listener, one per line
/// written to stdin, printing each status line, or "closed" once the server closed it.
const HELD: &str = r#"
import socket, ssl, sys
port, cafile, query = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)
ctx.check_hostname = False
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
f = s.makefile("rb")
for _ in sys.stdin:
    s.sendall(("POST /Microsoft-Server-ActiveSync?" + query + " HTTP/1.1\r\nHost: localhost\r\n"
               "Content-Length: 4\r\n\r\nsync").encode())
    status = f.readline().decode().strip()
    length = 0
    while True:
        h = f.readline().decode()
        if h in ("\r\n", ""):
            break
        if h.lower().startswith("content-length:"):
            length = int(h.split(":")[1])
    f.read(length)
    print(status or "closed", flush=True)
"#;

/// One ActiveSync connection held open across commits.
struct Held {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Held {
    fn open(dir: &Path, port: u16) -> Self {
        let mut child = Command::new("python3")
            .args(["-c", HELD, &port.to_string()])
            .arg(dir.join("cert.pem"))
            .arg(ALLOWED_QUERY)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Self { child, stdin, stdout }
    }

    /// The status of one more request on the same connection.
    fn request(&mut self) -> String {
        self.stdin.write_all(b"go\n").expect("write");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read");
        line.trim().to_owned()
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Commits `commands` in CONFIG mode; returns when the commit is done.
fn commit(dir: &Path, commands: &str) {
    let out = cli(dir, &format!("configure terminal ; {commands} ; commit"));
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("Applies at the next"), "the commit says it waits for a reload: {}", text(&out));
}

/// Whether `port` accepts a TCP connection, tried until it does (`true`) or `within`
/// passed (`false`); prints how long it took.
fn accepts_within(port: u16, within: Duration) -> bool {
    connects_within(port, within, true)
}

/// Whether `port` refuses connections, tried until it does or `within` passed.
fn refuses_within(port: u16, within: Duration) -> bool {
    connects_within(port, within, false)
}

fn connects_within(port: u16, within: Duration, wanted: bool) -> bool {
    let start = Instant::now();
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() == wanted {
            let what = if wanted { "accepted" } else { "refused" };
            println!("port {port} {what} {:?} after the commit returned", start.elapsed());
            return true;
        }
        if start.elapsed() > within {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// A full mutual-TLS handshake on `port` with the device certificate `laptop-1`, checked
/// against the gateway's certificate, by `openssl s_client`.
fn handshake(dir: &Path, port: u16) -> String {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}"), "-servername", "localhost"])
        .args(["-cert", "laptop-1.pem", "-key", "laptop-1-key.pem", "-CAfile", "cert.pem", "-verify_return_error"])
        .stdin(Stdio::null())
        .output()
        .expect("openssl runs");
    let all = text(&out);
    assert!(out.status.success() && all.contains("Verify return code: 0 (ok)"), "no TLS handshake on {port}: {all}");
    all
}

/// Ports free now on every address, below 1024 (so only a privileged bind gets them),
/// other than `taken`.
fn free_privileged_port(taken: &[u16]) -> u16 {
    let seed = std::process::id().wrapping_mul(7919);
    (0..400u32)
        .filter_map(|i| u16::try_from(600 + (seed.wrapping_add(i.wrapping_mul(37))) % 400).ok())
        .find(|p| !taken.contains(p) && std::net::TcpListener::bind(("0.0.0.0", *p)).is_ok())
        .expect("a free port below 1024")
}

/// The certificates and a configuration with the device CA, the Host Checker and the agent
/// channel both off, and an ActiveSync back end; returns the back end (kept alive).
fn world(dir: &Path) -> common::proxy::Backend {
    certificate(dir);
    device_pki(dir, &["laptop-1"]);
    let back = backend(dir);
    write_config(dir, back.port, &apptunnel_section(dir, back.port));
    back
}

fn nothing_pending(dir: &Path) {
    let pending = text(&cli(dir, "show configuration pending-reload"));
    assert!(pending.contains("Every committed setting is in effect"), "{pending}");
}

/// Starts, moves and stops a listener through commits, checking each step from outside
/// within a second and the held ActiveSync connection after each.
fn start_move_stop(dir: &Path, held: &mut Held, setting: &str, first: u16, second: u16) {
    commit(dir, &format!("{setting} port {first} ; {setting} enabled"));
    assert!(accepts_within(first, Duration::from_secs(1)), "{setting} not listening on {first} within 1 s");
    handshake(dir, first);
    assert!(held.request().contains("200"), "the ActiveSync connection opened before the commit still works");
    nothing_pending(dir);

    commit(dir, &format!("{setting} port {second}"));
    assert!(accepts_within(second, Duration::from_secs(1)), "{setting} not listening on {second} within 1 s");
    assert!(refuses_within(first, Duration::from_secs(1)), "{setting} still listening on the old port {first}");
    handshake(dir, second);
    assert!(held.request().contains("200"), "the ActiveSync connection still works after the move");
    nothing_pending(dir);

    commit(dir, &format!("no {setting} enabled"));
    assert!(refuses_within(second, Duration::from_secs(1)), "{setting} still listening after being disabled");
    assert!(held.request().contains("200"), "the ActiveSync connection still works after the stop");
    nothing_pending(dir);
}

#[test]
fn the_host_checker_listener_follows_commits_to_privileged_ports_through_the_helper() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: the privileged helper and ports below 1024 need the test to run as root");
        return;
    }
    let Some(nobody) = nix::unistd::User::from_name("nobody").ok().flatten() else {
        eprintln!("skipped: no user named nobody");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let _back = world(dir);
    for owned in ["key.pem", "cert.pem"] {
        nix::unistd::chown(&dir.join(owned), Some(nobody.uid), Some(nobody.gid)).expect("chown");
    }
    for owned in ["state", "cache"] {
        std::fs::create_dir(dir.join(owned)).expect("mkdir");
        nix::unistd::chown(&dir.join(owned), Some(nobody.uid), Some(nobody.gid)).expect("chown");
    }
    let activesync = free_configured_port();
    let listen = format!("127.0.0.1:{activesync}");
    let mut daemon = Daemon::start(dir, &["--listen", &listen, "--user", "nobody"]);
    assert_eq!(port_from(&daemon.line_with("ActiveSync proxy listening")), activesync);

    // The helper: nobody, exactly the two capabilities in every set that matters.
    let started = daemon.line_with("privileged helper started");
    let helper: u32 = started
        .split("pid=")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .expect("pid field");
    let uid = nobody.uid.as_raw().to_string();
    assert_eq!(proc_status(helper, "Uid").split_whitespace().collect::<Vec<_>>(), [uid.as_str(); 4]);
    for set in ["CapEff", "CapPrm", "CapBnd"] {
        assert_eq!(proc_status(helper, set), HELPER_CAPS, "{set} of the helper");
    }
    for set in ["CapInh", "CapAmb"] {
        assert_eq!(proc_status(helper, set), "0000000000000000", "{set} of the helper");
    }
    assert_eq!(proc_status(helper, "NoNewPrivs"), "1");
    // posternd itself keeps none.
    assert_eq!(proc_status(daemon.child.id(), "CapEff"), "0000000000000000");
    assert_eq!(proc_status(daemon.child.id(), "CapPrm"), "0000000000000000");

    let mut held = Held::open(dir, activesync);
    assert!(held.request().contains("200"), "the held ActiveSync connection works before any commit");
    let first = free_privileged_port(&[]);
    let second = free_privileged_port(&[first]);
    start_move_stop(dir, &mut held, "host-checker", first, second);

    // The helper exits with posternd.
    drop(daemon);
    let start = Instant::now();
    while Path::new(&format!("/proc/{helper}/status")).exists()
        && !proc_status(helper, "State").starts_with('Z')
        && start.elapsed() < Duration::from_secs(5)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !Path::new(&format!("/proc/{helper}/status")).exists() || proc_status(helper, "State").starts_with('Z'),
        "the helper exits when posternd is gone"
    );
}

#[test]
fn the_agent_listener_and_the_host_checker_follow_commits_without_the_helper() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    let _back = world(dir);
    let activesync = free_configured_port();
    let listen = format!("127.0.0.1:{activesync}");
    let mut daemon = Daemon::start(dir, &["--listen", &listen]);
    assert!(!daemon.logged("privileged helper started"), "no helper when posternd keeps its privileges");
    let mut held = Held::open(dir, activesync);
    assert!(held.request().contains("200"));
    let first = free_configured_port();
    let second = loop {
        let port = free_configured_port();
        if port != first {
            break port;
        }
    };
    start_move_stop(dir, &mut held, "agent", first, second);
    let third = loop {
        let port = free_configured_port();
        if port != first && port != second {
            break port;
        }
    };
    start_move_stop(dir, &mut held, "host-checker", third, first);
}

#[test]
fn the_helper_process_keeps_two_capabilities_binds_below_1024_and_answers_malformed_requests() {
    use postern_privileged_helper::{Answer, Helper};
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: the privileged helper needs the test to run as root");
        return;
    }
    let Some(nobody) = nix::unistd::User::from_name("nobody").ok().flatten() else {
        eprintln!("skipped: no user named nobody");
        return;
    };
    let helper = Helper::spawn(Path::new(env!("CARGO_BIN_EXE_posternd")), "nobody").expect("the helper starts");
    let pid = helper.pid();
    // Its first answer comes after it changed identity: the status is final by then.
    let (answer, fd) = helper.ask_raw(&[0xff; 200]).expect("an oversized request is answered");
    assert!(matches!(answer, Answer::Malformed { .. }) && fd.is_none(), "{answer:?}");
    let (answer, fd) = helper.ask_raw(b"\x07not a request").expect("garbage is answered");
    assert!(matches!(answer, Answer::Malformed { .. }) && fd.is_none(), "{answer:?}");
    let uid = nobody.uid.as_raw().to_string();
    assert_eq!(proc_status(pid, "Uid").split_whitespace().collect::<Vec<_>>(), [uid.as_str(); 4]);
    for set in ["CapEff", "CapPrm", "CapBnd"] {
        assert_eq!(proc_status(pid, set), HELPER_CAPS, "{set} of the helper");
    }
    for set in ["CapInh", "CapAmb"] {
        assert_eq!(proc_status(pid, set), "0000000000000000", "{set} of the helper");
    }
    assert_eq!(proc_status(pid, "NoNewPrivs"), "1");
    println!("helper resident memory: {}, threads: {}", proc_status(pid, "VmRSS"), proc_status(pid, "Threads"));
    // Running as nobody, it still binds a port below 1024, and the socket listens here.
    let port = free_privileged_port(&[]);
    let asked = Instant::now();
    let listener = helper.bind_tcp(format!("127.0.0.1:{port}").parse().expect("address")).expect("bound");
    println!("a bind through the helper took {:?}", asked.elapsed());
    assert_eq!(listener.local_addr().expect("address").port(), port);
    assert!(TcpStream::connect(("127.0.0.1", port)).is_ok());
    let refused = helper.bind_tcp(format!("127.0.0.1:{port}").parse().expect("address")).expect_err("in use");
    assert!(refused.to_string().contains("in use"), "{refused}");
    // Gone with its socket.
    drop(helper);
    let start = Instant::now();
    while !proc_status(pid, "State").starts_with('Z') && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(proc_status(pid, "State").starts_with('Z'), "the helper exits when its socket closes");
}

#[test]
fn without_the_device_ca_at_start_the_listener_settings_are_named_as_waiting_for_reload() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    std::fs::write(dir.join("initial.toml"), postern_config::DEMO_TOML).expect("config");
    let _daemon = Daemon::start(dir, &[]);
    let port = free_configured_port();
    let out = cli(dir, &format!("configure terminal ; agent port {port} ; host-checker port {port} ; commit"));
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Applies at the next `reload`"), "{}", text(&out));
    let pending = text(&cli(dir, "show configuration pending-reload"));
    assert!(pending.contains("agent port") && pending.contains("host-checker port"), "{pending}");
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err(), "nothing listens: neither is enabled");
}
