//! `--user`: posternd binds its listeners as root, then runs as the given user with no
//! capability, and still serves (F5). Needs root; skipped with a reason otherwise.

mod common;

use common::Daemon;
use common::proxy::{ALLOWED_QUERY, activesync, backend, certificate, port_from, proc_status, write_config};
use std::os::unix::fs::PermissionsExt;

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
    let back = backend(dir.path());
    write_config(dir.path(), back.port, "");
    for owned in ["state", "cache"] {
        std::fs::create_dir(dir.path().join(owned)).expect("mkdir");
        nix::unistd::chown(&dir.path().join(owned), Some(nobody.uid), Some(nobody.gid)).expect("chown");
    }
    // Port 0 stands in for a privileged port: binding happens before the switch either way.
    let mut daemon = Daemon::start(dir.path(), &["--listen", "127.0.0.1:0", "--user", "nobody"]);
    let proxy = port_from(&daemon.line_with("ActiveSync proxy listening"));
    daemon.line_with("running unprivileged");
    let pid = daemon.child.id();
    let uid = nobody.uid.as_raw().to_string();
    let gid = nobody.gid.as_raw().to_string();
    assert_eq!(proc_status(pid, "Uid").split_whitespace().collect::<Vec<_>>(), [uid.as_str(); 4], "real, effective, saved and filesystem uid");
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
        assert!(status.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().skip(1).all(|u| u == uid)), "{status}");
    }
    let (status, all) = activesync(dir.path(), proxy, ALLOWED_QUERY);
    assert!(status.contains("200"), "{all}");
}
