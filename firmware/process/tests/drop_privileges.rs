//! Dropping root: exercised in a child process so this test process keeps its identity.

use postern_process::{ProcessError, drop_privileges};
use std::process::Command;

const CHILD_ENV: &str = "POSTERN_DROP_PRIVILEGES_CHILD";

/// Runs only in the child spawned below: drops to `nobody` and reports the result.
#[test]
#[ignore = "run by drops_root_in_a_child_process"]
fn child_drops_to_nobody() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    match drop_privileges("nobody") {
        Ok(d) => println!("DROPPED uid={} gid={}", d.uid, d.gid),
        Err(e) => println!("FAILED {e}"),
    }
    // /proc/self is the main thread (the test runs on another one): ids and
    // capabilities must have changed there too; no_new_privs is per thread.
    for (tag, file) in [("STATUS", "/proc/self/status"), ("THREAD", "/proc/thread-self/status")] {
        let status = std::fs::read_to_string(file).unwrap_or_default();
        for line in status.lines() {
            if ["Uid:", "Gid:", "Groups:", "CapPrm:", "CapEff:", "NoNewPrivs:"].iter().any(|p| line.starts_with(p)) {
                println!("{tag} {line}");
            }
        }
    }
    println!("SETUID0 {}", nix::unistd::setuid(nix::unistd::Uid::from_raw(0)).is_ok());
}

fn field<'a>(out: &'a str, name: &str) -> Vec<&'a str> {
    field_of(out, "STATUS ", name)
}

fn field_of<'a>(out: &'a str, tag: &str, name: &str) -> Vec<&'a str> {
    out.lines()
        .find_map(|l| l.strip_prefix(tag).and_then(|l| l.strip_prefix(name)))
        .map(|v| v.split_whitespace().collect())
        .unwrap_or_default()
}

#[test]
fn drops_root_in_a_child_process() -> Result<(), Box<dyn std::error::Error>> {
    let nobody = nix::unistd::User::from_name("nobody")?.ok_or("no user nobody on this machine")?;
    if !nix::unistd::geteuid().is_root() {
        // Unprivileged: switching to another user must fail, not pretend.
        assert!(matches!(drop_privileges("nobody"), Err(ProcessError::System { call: "setuid", .. })));
        return Ok(());
    }
    let out = Command::new(std::env::current_exe()?)
        .args(["--ignored", "--exact", "child_drops_to_nobody", "--nocapture", "--test-threads", "1"])
        .env(CHILD_ENV, "1")
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let uid = nobody.uid.as_raw().to_string();
    let gid = nobody.gid.as_raw().to_string();
    assert!(text.contains(&format!("DROPPED uid={uid} gid={gid}")), "{text}");
    assert_eq!(field(&text, "Uid:"), vec![uid.as_str(); 4], "real, effective, saved, fs: {text}");
    assert_eq!(field(&text, "Gid:"), vec![gid.as_str(); 4], "{text}");
    assert_eq!(field(&text, "Groups:"), vec![gid.as_str()], "{text}");
    assert_eq!(field(&text, "CapPrm:"), vec!["0000000000000000"], "no capability kept: {text}");
    assert_eq!(field(&text, "CapEff:"), vec!["0000000000000000"], "{text}");
    assert_eq!(field_of(&text, "THREAD ", "NoNewPrivs:"), vec!["1"], "{text}");
    assert_eq!(field_of(&text, "THREAD ", "CapEff:"), vec!["0000000000000000"], "{text}");
    assert_eq!(field_of(&text, "THREAD ", "Uid:"), vec![uid.as_str(); 4], "{text}");
    assert!(text.contains("SETUID0 false"), "root cannot be regained: {text}");
    Ok(())
}

#[test]
fn refuses_root_and_unknown_targets_without_changing_anything() {
    let before = (nix::unistd::getuid(), nix::unistd::getgid());
    assert!(matches!(drop_privileges("root"), Err(ProcessError::StillRoot(_))));
    assert!(matches!(
        drop_privileges("no-such-user-postern-test"),
        Err(ProcessError::UnknownUser(name)) if name == "no-such-user-postern-test"
    ));
    assert_eq!((nix::unistd::getuid(), nix::unistd::getgid()), before);
}
