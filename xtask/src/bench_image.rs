//! `cargo xtask bench image`: the appliance's size, its boot time to serving under qemu, and
//! its idle memory, on a fresh factory disk (so the first boot formats the data area) and
//! then on the same disk again.

use crate::image::{self, ImageArgs};
use crate::packages;
use crate::shell::{Result, StepError, say};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Runs the measurements and prints them.
pub(crate) fn run() -> Result {
    packages::ensure(&[("qemu-system-x86_64", "qemu-system-x86"), ("curl", "curl")])?;
    packages::ensure_file(Path::new(packages::OVMF), "ovmf")?;
    let built = image::build(&ImageArgs::new("qemu-x86_64", None, None))?;
    let size = |name: &str| std::fs::metadata(built.dir.join(name)).map(|m| m.len()).unwrap_or(0);
    let mib = |bytes: u64| bytes as f64 / f64::from(1u32 << 20);
    let (kernel, rootfs) = (size("vmlinuz"), size("rootfs.cpio.gz"));
    println!("kernel {:.1} MiB, root file system {:.1} MiB, total {:.1} MiB (target: under 40 MiB)", mib(kernel), mib(rootfs), mib(kernel + rootfs));
    let disk = built.dir.join("bench-disk.img");
    std::fs::copy(built.dir.join("disk.img"), &disk).map_err(|e| StepError(format!("copying the factory disk: {e}")))?;
    for boot in ["first boot (formats the data area)", "second boot"] {
        say(&format!("booting: {boot}"));
        let (serving, memory) = measure(&disk)?;
        println!("{boot}: serving after {:.1} s; idle: {memory}", serving.as_secs_f64());
    }
    let _ = std::fs::remove_file(&disk);
    println!("(target: serving within 10 s of qemu start; idle under 64 MiB; software emulation, shared cores)");
    Ok(())
}

/// Boots `disk`, times qemu start to the proxy answering a blocked device with 403, then
/// reads `show version`'s memory line from the console.
fn measure(disk: &Path) -> Result<(Duration, String)> {
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| StepError(format!("a free port: {e}")))?.port();
    let start = Instant::now();
    let mut vm = Vm(Command::new("qemu-system-x86_64")
        .args(["-nodefaults", "-display", "none", "-serial", "stdio", "-monitor", "none", "-m", "256", "-bios", packages::OVMF])
        .arg("-drive")
        .arg(format!("file={},format=raw,if=virtio", disk.display()))
        .args(["-netdev", &format!("user,id=n0,hostfwd=tcp:127.0.0.1:{port}-:443"), "-device", "virtio-net-pci,netdev=n0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| StepError(format!("starting qemu: {e}")))?);
    let console = Arc::new(Mutex::new(Vec::new()));
    if let Some(mut out) = vm.0.stdout.take() {
        let sink = console.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut c) = sink.lock() {
                    c.extend_from_slice(&buf[..n]);
                }
            }
        });
    }
    let url = format!("https://127.0.0.1:{port}/Microsoft-Server-ActiveSync?Cmd=Sync&User=bob&DeviceId=SEC1B0B0B0B0B0B0&DeviceType=Android");
    let serving = loop {
        let out = Command::new("curl").args(["-sk", "-m", "2", "-o", "/dev/null", "-w", "%{http_code}", "-d", "x", &url]).output();
        if out.is_ok_and(|o| o.stdout == b"403") {
            break start.elapsed();
        }
        if start.elapsed() > Duration::from_secs(300) {
            return Err(StepError("the appliance did not serve within 300 s".into()));
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    std::thread::sleep(Duration::from_secs(20));
    if let Some(stdin) = vm.0.stdin.as_mut() {
        let _ = stdin.write_all(b"show version\r").and_then(|()| stdin.flush());
    }
    std::thread::sleep(Duration::from_secs(3));
    let text = console.lock().map(|c| String::from_utf8_lossy(&c).into_owned()).unwrap_or_default();
    let memory = text.lines().rev().find(|l| l.starts_with("Memory")).unwrap_or("memory line not seen").trim().to_owned();
    Ok((serving, memory))
}

/// qemu, killed when dropped.
struct Vm(Child);

impl Drop for Vm {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
