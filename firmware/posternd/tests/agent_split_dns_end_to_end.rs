//! Split DNS end to end (Z3), in a network namespace of this test's own (port 53 is what
//! resolv.conf can name): a real posternd announces resources with DNS names; the real
//! `postern-agent` answers them on 127.0.0.1:53 (fixed addresses from host prefixes,
//! synthetic ones for a wildcard, an empty AAAA) and forwards every other name to the
//! resolver the system had (dnsmasq), which never sees a protected name; `dig` asks,
//! over UDP and TCP. The agent rewrites resolv.conf while it runs, restores it on
//! SIGTERM, and after SIGKILL at its next start. Needs root.

mod common;

use common::posture::server_pki;
use common::proxy::{apptunnel_section, device_pki, write_config};
use common::{Daemon, agent_binary, cli, free_configured_port, text};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SYSTEM_RESOLV_CONF: &str = "search corp.example\nnameserver 127.0.0.2\noptions edns0\n";

fn run(args: &[&str]) {
    let out = Command::new(args[0]).args(&args[1..]).output().unwrap_or_else(|e| panic!("{args:?}: {e}"));
    assert!(out.status.success(), "{args:?}: {}", text(&out));
}

/// `dig` at `server` (port 53) for `name` and `kind`, short answers, one line each;
/// `None` when no answer came.
fn dig(server: &str, name: &str, kind: &str, tcp: bool) -> Option<String> {
    let mut command = Command::new("dig");
    command.args([&format!("@{server}"), name, kind, "+short", "+time=2", "+tries=1"]);
    if tcp {
        command.arg("+tcp");
    }
    let out = command.output().expect("dig runs");
    let all = text(&out);
    if !out.status.success() || all.contains("timed out") {
        println!("dig @{server} {name} {kind} (tcp {tcp}): {all}");
        return None;
    }
    Some(all.trim().to_owned())
}

/// `dig` until the answer is `wanted` (15 s at most).
fn dig_until(server: &str, name: &str, wanted: &str) {
    let start = Instant::now();
    loop {
        let got = dig(server, name, "A", false);
        if got.as_deref() == Some(wanted) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(15), "{name} at {server} never became {wanted}: last {got:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The agent of laptop-1 with split DNS on 127.0.0.1:53, `resolv.conf` in `dir` and
/// the synthetic pool `pool`.
fn start_agent(dir: &Path, port: u16, pool: &str) -> Child {
    let config = write_agent_config(dir, port, pool);
    let log = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("agent.log")).expect("log");
    Command::new(agent_binary())
        .arg("--config")
        .arg(&config)
        .arg("run")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("postern-agent starts")
}

/// Waits (15 s at most) until the agent's log has `count` lines containing `needle`.
fn wait_agent_log(dir: &Path, needle: &str, count: usize) {
    let start = Instant::now();
    loop {
        let log = std::fs::read_to_string(dir.join("agent.log")).unwrap_or_default();
        if log.matches(needle).count() >= count {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(15), "the agent never logged {needle:?} {count} time(s):\n{log}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn write_agent_config(dir: &Path, port: u16, pool: &str) -> PathBuf {
    let config = dir.join("agent.toml");
    std::fs::write(
        &config,
        format!(
            "gateway = \"127.0.0.1:{port}\"\nca_file = \"{}\"\ncertificate_file = \"{}\"\nkey_file = \"{}\"\n\
             state_dir = \"{}\"\n\n[dns]\nlisten = \"127.0.0.1:53\"\nresolv_conf = \"{}\"\npool = \"{pool}\"\n",
            dir.join("server-ca.pem").display(),
            dir.join("laptop-1.pem").display(),
            dir.join("laptop-1-key.pem").display(),
            dir.join("agent-state").display(),
            dir.join("resolv.conf").display(),
        ),
    )
    .expect("agent config");
    config
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "postern-agent did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn signal(child: &Child, signal: nix::sys::signal::Signal) {
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid"));
    nix::sys::signal::kill(pid, signal).expect("signal");
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn split_dns_answers_protected_names_forwards_the_rest_and_gives_resolv_conf_back() {
    assert!(nix::unistd::geteuid().is_root(), "this test makes a network namespace: run it as root");
    // This thread, and every process it starts, in a namespace with only a loopback.
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).expect("a network namespace");
    run(&["ip", "link", "set", "lo", "up"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();

    // The gateway: one resource with a fixed address, one with a wildcard.
    server_pki(dir);
    device_pki(dir, &["laptop-1"]);
    let port = free_configured_port();
    let agent = format!(
        "\n[agent]\nenabled = true\nport = {port}\n\n[[agent.resources]]\nname = \"intranet\"\n\
         prefixes = [\"10.1.0.5/32\", \"10.1.9.0/24\"]\nservice = \"crm\"\nnames = [\"intranet.corp.example\"]\n\n\
         [[agent.resources]]\nname = \"lab\"\nprefixes = [\"10.2.0.0/16\"]\nservice = \"crm\"\n\
         names = [\"*.lab.corp.example\"]\n"
    );
    write_config(dir, 9, &format!("{}{agent}", apptunnel_section(dir, 9)));
    let _daemon = Daemon::start(dir, &[]);

    // The system's resolver: dnsmasq on 127.0.0.2:53, with its own (wrong) answer for a
    // protected name, to show that such a query never reaches it.
    let upstream_log = dir.join("dnsmasq.log");
    let _upstream = Killed(
        Command::new("dnsmasq")
            .args(["--no-daemon", "--conf-file=/dev/null", "--user=root", "--port=53", "--bind-interfaces"])
            .args(["--listen-address=127.0.0.2", "--no-resolv", "--no-hosts", "--log-queries"])
            .args(["--address=/outside.example/192.0.2.77", "--address=/intranet.corp.example/192.0.2.99"])
            .arg(format!("--pid-file={}", dir.join("dnsmasq.pid").display()))
            .arg(format!("--log-facility={}", upstream_log.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dnsmasq starts"),
    );
    dig_until("127.0.0.2", "outside.example", "192.0.2.77");
    let resolv_conf = dir.join("resolv.conf");
    std::fs::write(&resolv_conf, SYSTEM_RESOLV_CONF).expect("resolv.conf");

    let mut child = start_agent(dir, port, "198.18.0.0/16");
    // Until the first session's resources arrive no name is protected (docs/agent.md);
    // asking earlier would send the name to dnsmasq.
    wait_agent_log(dir, "split DNS names updated resources=2 names=2", 1);
    assert_eq!(dig("127.0.0.1", "intranet.corp.example", "A", false).as_deref(), Some("10.1.0.5"));
    let rewritten = std::fs::read_to_string(&resolv_conf).expect("read");
    let servers: Vec<&str> = rewritten.lines().filter_map(|l| l.strip_prefix("nameserver ")).collect();
    assert_eq!(servers, ["127.0.0.1"], "the system asks the agent only:\n{rewritten}");
    assert!(rewritten.contains("search corp.example\n") && rewritten.contains("options edns0\n"), "{rewritten}");
    let saved = dir.join("agent-state/resolv.conf.saved");
    assert_eq!(std::fs::read_to_string(&saved).expect("saved"), SYSTEM_RESOLV_CONF);

    let ask = |name: &str, kind: &str, tcp: bool| {
        dig("127.0.0.1", name, kind, tcp).unwrap_or_else(|| panic!("no answer for {name} {kind} (tcp {tcp})"))
    };
    for tcp in [false, true] {
        assert_eq!(ask("intranet.corp.example", "A", tcp), "10.1.0.5", "the host prefix, not the wider one");
        assert_eq!(ask("Build.Lab.corp.example", "A", tcp), "198.18.0.1", "a synthetic address, stable");
        assert_eq!(ask("intranet.corp.example", "AAAA", tcp), "", "no IPv6 configured: an empty answer");
        assert_eq!(ask("outside.example", "A", tcp), "192.0.2.77", "forwarded to the system's resolver");
    }
    assert_eq!(ask("wiki.lab.corp.example", "A", false), "198.18.0.2");
    let status = Command::new("dig")
        .args(["@127.0.0.1", "intranet.corp.example", "AAAA", "+time=2", "+tries=1"])
        .output()
        .expect("dig");
    assert!(text(&status).contains("status: NOERROR"), "{}", text(&status));
    // A malformed query gets FORMERR with its id, and the responder goes on.
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("udp");
    socket.set_read_timeout(Some(Duration::from_secs(2))).expect("timeout");
    socket.send_to(&[0xAB, 0xCD, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1], "127.0.0.1:53").expect("send");
    let mut answer = [0u8; 512];
    let (len, _) = socket.recv_from(&mut answer).expect("an answer to a compression loop");
    assert_eq!((len, &answer[..2], answer[2] & 0x80, answer[3] & 0x0F), (12, &[0xAB, 0xCD][..], 0x80, 1));
    assert_eq!(ask("intranet.corp.example", "A", false), "10.1.0.5");

    // A commit that names a new resource reaches split DNS at once.
    let out = cli(
        dir,
        "configure terminal ; agent resource wiki ; prefix 10.3.0.7/32 ; service crm ; name wiki.corp.example ; \
         exit ; commit",
    );
    assert!(out.status.success(), "{}", text(&out));
    dig_until("127.0.0.1", "wiki.corp.example", "10.3.0.7");

    let asked = std::fs::read_to_string(&upstream_log).expect("dnsmasq log");
    assert!(asked.contains("query[A] outside.example"), "{asked}");
    assert!(!asked.contains("corp.example"), "no protected name reached the system's resolver:\n{asked}");

    // SIGTERM: the original file is back, and no saved copy is left.
    signal(&child, nix::sys::signal::Signal::SIGTERM);
    assert!(wait_exit(&mut child).success());
    assert_eq!(std::fs::read_to_string(&resolv_conf).expect("read"), SYSTEM_RESOLV_CONF);
    assert!(!saved.exists());
    let log = std::fs::read_to_string(dir.join("agent.log")).expect("agent log");
    assert!(log.contains("split DNS started") && log.contains("upstream=127.0.0.2:53"), "{log}");
    assert!(log.contains("split DNS stopped"), "{log}");

    // A pool that is not IPv4 is refused, clearly.
    let config = write_agent_config(dir, port, "fd00::/64");
    let out = Command::new(agent_binary()).arg("--config").arg(&config).arg("status").output().expect("status");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("dns.pool \"fd00::/64\": must be an IPv4 prefix"), "{}", text(&out));

    // SIGKILL leaves the file rewritten; the next start puts the original back first.
    // This run's pool is another one.
    let mut child = start_agent(dir, port, "198.19.7.0/24");
    wait_agent_log(dir, "split DNS names updated resources=3 names=3", 2);
    assert_eq!(ask("build.lab.corp.example", "A", false), "198.19.7.1");
    signal(&child, nix::sys::signal::Signal::SIGKILL);
    let _ = wait_exit(&mut child);
    assert!(std::fs::read_to_string(&resolv_conf).expect("read").contains("nameserver 127.0.0.1"));
    let mut child = start_agent(dir, port, "198.19.7.0/24");
    wait_agent_log(dir, "split DNS names updated resources=3 names=3", 3);
    assert_eq!(ask("outside.example", "A", false), "192.0.2.77");
    let log = std::fs::read_to_string(dir.join("agent.log")).expect("agent log");
    assert!(log.contains("restored the DNS settings an earlier run left rewritten"), "{log}");
    assert_eq!(std::fs::read_to_string(&saved).expect("saved"), SYSTEM_RESOLV_CONF, "the original, not the rewrite");
    signal(&child, nix::sys::signal::Signal::SIGTERM);
    assert!(wait_exit(&mut child).success());
    assert_eq!(std::fs::read_to_string(&resolv_conf).expect("read"), SYSTEM_RESOLV_CONF);
    let asked = std::fs::read_to_string(&upstream_log).expect("dnsmasq log");
    assert!(!asked.contains("corp.example"), "no protected name reached the system's resolver:\n{asked}");
}
