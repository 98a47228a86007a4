//! Debian packages the tests and `cargo xtask run` need, installed when missing.

use crate::shell::{Result, StepError, exec, have, say};
use std::process::Command;

/// (program that must be on the PATH, Debian package that provides it).
pub(crate) const TEST_TOOLS: &[(&str, &str)] = &[
    ("ssh", "openssh-client"),
    ("ssh-keygen", "openssh-client"),
    ("tmux", "tmux"),
    ("curl", "curl"),
    ("openssl", "openssl"),
    ("setpriv", "util-linux"),
];

/// Installs the packages of every missing program with apt-get (through sudo when not
/// root), saying what it installs.
pub(crate) fn ensure(tools: &[(&str, &str)]) -> Result {
    let mut missing: Vec<&str> = tools.iter().filter(|(program, _)| !have(program)).map(|(_, package)| *package).collect();
    missing.dedup();
    if missing.is_empty() {
        return Ok(());
    }
    say(&format!("installing Debian packages: {}", missing.join(" ")));
    let root = Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false);
    let apt = |args: &[&str]| {
        let mut cmd = if root { Command::new("apt-get") } else { Command::new("sudo") };
        if !root {
            cmd.arg("apt-get");
        }
        cmd.env("DEBIAN_FRONTEND", "noninteractive").args(args);
        cmd
    };
    exec(&mut apt(&["update", "-q"]))?;
    exec(apt(&["install", "-y", "-q", "--no-install-recommends"]).args(&missing))?;
    match tools.iter().find(|(program, _)| !have(program)) {
        Some((program, package)) => Err(StepError(format!("{program} is still missing after installing {package}"))),
        None => Ok(()),
    }
}
