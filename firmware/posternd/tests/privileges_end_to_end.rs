//! `--user`: posternd binds its listeners as root, then runs as the given user with no
//! capability, and only then reads its stores and accepts connections, so no client byte
//! is parsed as root; and it still serves (F5). Needs root; skipped with a reason otherwise.

mod common;

use common::Daemon;
use common::proxy::{ALLOWED_QUERY, activesync, backend, certificate, port_from, proc_status, write_config};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

#[test]
fn the_daemon_drops_root_after_binding_and_keeps_serving() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: dropping privileges needs the test to run as root");
        return;
    }
    let Some(nobody) = nix::unistd::User::from_name("nobody").ok().flatten() else {
        eprintln!("skipped: no user named nobody");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    certificate(dir.path());
    // Secret files belong to the daemon's user: it reads them only after giving up root.
    for secret in ["key.pem", "cert.pem"] {
        nix::unistd::chown(&dir.path().join(secret), Some(nobody.uid), Some(nobody.gid)).expect("chown");
    }
    let back = backend(dir.path());
    write_config(dir.path(), back.port, "");
    for owned in ["state", "cache"] {
        std::fs::create_dir(dir.path().join(owned)).expect("mkdir");
        nix::unistd::chown(&dir.path().join(owned), Some(nobody.uid), Some(nobody.gid)).expect("chown");
    }
    // A free port stands in for a privileged one: binding happens before the switch either
    // way. A client knocks on it from before the daemon starts, so the first connection is
    // there the moment the socket is bound.
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
    let knocking = Arc::new(AtomicBool::new(true));
    let knocker = {
        let knocking = knocking.clone();
        std::thread::spawn(move || {
            while knocking.load(Ordering::Relaxed) {
                if let Ok(mut early) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                    let _ = early.write_all(b"\x16\x03\x01\x00\x05hello");
                    return Some(early);
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            None
        })
    };
    let listen = format!("127.0.0.1:{port}");
    let mut daemon = Daemon::start(dir.path(), &["--listen", &listen, "--user", "nobody"]);
    daemon.line_with("running unprivileged");
    let first = daemon.line_with("first connection accepted");
    knocking.store(false, Ordering::Relaxed);
    let early = knocker.join().expect("knocker");
    assert!(early.is_some(), "the early client connected");
    let proxy = port_from(&daemon.line_with("ActiveSync proxy listening"));
    assert_eq!(proxy, port);
    let euid = first.split("euid=").nth(1).and_then(|s| s.split_whitespace().next()).expect("euid field");
    assert_eq!(euid, nobody.uid.as_raw().to_string(), "the first connection is handled unprivileged: {first}");
    let position = |needle: &str| daemon.seen_position(needle).unwrap_or_else(|| panic!("{needle} logged"));
    assert!(
        position("running unprivileged") < position("first connection accepted"),
        "root was given up before any connection was accepted"
    );
    assert!(
        position("running unprivileged") < position("configuration store open"),
        "the stores are read after root is given up"
    );
    let pid = daemon.child.id();
    let uid = nobody.uid.as_raw().to_string();
    let gid = nobody.gid.as_raw().to_string();
    assert_eq!(
        proc_status(pid, "Uid").split_whitespace().collect::<Vec<_>>(),
        [uid.as_str(); 4],
        "real, effective, saved and filesystem uid"
    );
    assert_eq!(proc_status(pid, "Gid").split_whitespace().collect::<Vec<_>>(), [gid.as_str(); 4]);
    assert_eq!(proc_status(pid, "Groups"), gid, "only the user's own group is left");
    for set in ["CapEff", "CapPrm", "CapInh", "CapAmb"] {
        assert_eq!(proc_status(pid, set), "0000000000000000", "{set}");
    }
    assert_eq!(proc_status(pid, "NoNewPrivs"), "1");
    // Every thread switched, not only the one that asked.
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).expect("tasks");
    for task in tasks.flatten() {
        let status = std::fs::read_to_string(task.path().join("status")).expect("task status");
        assert!(
            status.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().skip(1).all(|u| u == uid)),
            "{status}"
        );
    }
    let (status, all) = activesync(dir.path(), proxy, ALLOWED_QUERY);
    assert!(status.contains("200"), "{all}");
}
