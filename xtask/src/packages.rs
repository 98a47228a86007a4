//! Debian packages the tests and `cargo xtask run` need, installed when missing.

use crate::shell::{Result, StepError, exec, have, say};
use std::path::Path;
use std::process::Command;

/// (program that must be on the PATH, Debian package that provides it).
pub(crate) const TEST_TOOLS: &[(&str, &str)] = &[
    ("ssh", "openssh-client"),
    ("ssh-keygen", "openssh-client"),
    ("tmux", "tmux"),
    ("curl", "curl"),
    ("openssl", "openssl"),
    // The scale-out tests put HAProxy (TCP mode, PROXY protocol, health checks) in front.
    ("haproxy", "haproxy"),
    ("setpriv", "util-linux"),
    // AppTunnel's end-to-end test gives posternd its own /etc/hosts in a mount namespace.
    ("unshare", "util-linux"),
    ("mount", "mount"),
    // init's data-area tests make, damage and loop-mount real ext4 images.
    ("mke2fs", "e2fsprogs"),
    ("debugfs", "e2fsprogs"),
    ("losetup", "mount"),
    // The image's disk formats (qcow2, VMDK, VHDX, OVA) are converted and compared with it.
    ("qemu-img", "qemu-utils"),
    // The proxy tests' back ends and the ActiveSync client driver are Python scripts.
    ("python3", "python3"),
    // The DHCP client's test runs against a real DHCP server in a network namespace.
    ("dnsmasq", "dnsmasq-base"),
    // The agent's split-DNS test asks its responder and dnsmasq with dig.
    ("dig", "bind9-dnsutils"),
    // Offloads set through ethtool netlink are read back with ethtool.
    ("ethtool", "ethtool"),
    // The federation proxy signs and verifies XML through libxmlsec1 (samael, bindgen);
    // its tests sign the IdP's documents with the xmlsec1 command.
    ("xmlsec1", "xmlsec1"),
    ("xmlsec1-config", "libxmlsec1-dev"),
    ("xml2-config", "libxml2-dev"),
    ("pkg-config", "pkg-config"),
    ("clang", "clang"),
    // One federation sign-in runs in a real browser: headless chromium driven by its
    // chromedriver, the device certificate and test CA in an NSS database (certutil, pk12util).
    ("chromium", "chromium"),
    ("chromedriver", "chromium-driver"),
    ("certutil", "libnss3-tools"),
    ("pk12util", "libnss3-tools"),
    // Network namespaces, veth pairs and routes of the agent's data channel test.
    ("ip", "iproute2"),
    // The agent's four-namespace test: corporate servers (nginx over HTTPS, OpenSSH's sshd)
    // reached through the agent, and `ss` to see them listen.
    ("nginx", "nginx"),
    ("sshd", "openssh-server"),
    ("ss", "iproute2"),
];

/// The pinned Python packages of the end-to-end tests (a real ActiveSync client library;
/// a real SAML SP and IdP), each file relative to the workspace root with a module that is
/// importable once its packages are in.
pub(crate) const TEST_PYTHON: &[(&str, &str)] = &[
    ("firmware/posternd/tests/activesync/requirements.txt", "pyactivesync"),
    ("firmware/federation/tests/saml/requirements.txt", "saml2"),
    ("firmware/federation/tests/saml/requirements.txt", "selenium"),
];

/// What `cargo xtask bench proxy` needs besides the test tools: the load generator and
/// the peer proxy (also the back end), installed only when that benchmark runs.
pub(crate) const BENCH_PROXY_TOOLS: &[(&str, &str)] =
    &[("wrk", "wrk"), ("nginx", "nginx"), ("curl", "curl"), ("openssl", "openssl"), ("taskset", "util-linux")];

/// Installs the packages of every missing program with apt-get (through sudo when not
/// root), saying what it installs.
pub(crate) fn ensure(tools: &[(&str, &str)]) -> Result {
    let mut missing: Vec<&str> =
        tools.iter().filter(|(program, _)| !have(program)).map(|(_, package)| *package).collect();
    missing.dedup();
    if missing.is_empty() {
        return Ok(());
    }
    say(&format!("installing Debian packages: {}", missing.join(" ")));
    apt_update()?;
    exec(apt(&["install", "-y", "-q", "--no-install-recommends"]).args(&missing))?;
    match tools.iter().find(|(program, _)| !have(program)) {
        Some((program, package)) => Err(StepError(format!("{program} is still missing after installing {package}"))),
        None => Ok(()),
    }
}

/// Installs the pinned packages of `requirements` with pip unless Python already
/// imports `module`; pip itself comes from Debian's python3-pip when missing.
pub(crate) fn ensure_python((requirements, module): (&str, &str)) -> Result {
    let imports = |m: &str| {
        Command::new("python3").args(["-c", &format!("import {m}")]).output().is_ok_and(|o| o.status.success())
    };
    if imports(module) {
        return Ok(());
    }
    if !imports("pip") {
        say("installing Debian package python3-pip");
        apt_update()?;
        exec(&mut apt(&["install", "-y", "-q", "--no-install-recommends", "python3-pip"]))?;
    }
    say(&format!("installing the Python packages pinned in {requirements}"));
    // Debian's own Python refuses pip installs outside a virtual environment unless told.
    exec(Command::new("python3").args(["-m", "pip", "install", "-q", "--break-system-packages", "-r", requirements]))?;
    if imports(module) {
        Ok(())
    } else {
        Err(StepError(format!("python3 still cannot import {module} after installing {requirements}")))
    }
}

/// Debian's UEFI firmware for qemu (package ovmf).
pub(crate) const OVMF: &str = "/usr/share/ovmf/OVMF.fd";

/// Installs `package` unless `file` exists.
pub(crate) fn ensure_file(file: &Path, package: &str) -> Result {
    if file.is_file() {
        return Ok(());
    }
    say(&format!("installing Debian package {package} (for {})", file.display()));
    apt_update()?;
    exec(&mut apt(&["install", "-y", "-q", "--no-install-recommends", package]))?;
    if file.is_file() {
        Ok(())
    } else {
        Err(StepError(format!("{} is still missing after installing {package}", file.display())))
    }
}

/// Refreshes apt's package lists.
pub(crate) fn apt_update() -> Result {
    exec(&mut apt(&["update", "-q"]))
}

/// An apt-get command, through sudo when not root.
fn apt(args: &[&str]) -> Command {
    let root = Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false);
    let mut cmd = if root { Command::new("apt-get") } else { Command::new("sudo") };
    if !root {
        cmd.arg("apt-get");
    }
    cmd.env("DEBIAN_FRONTEND", "noninteractive").args(args);
    cmd
}
