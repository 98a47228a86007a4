//! `cargo xtask bench image`: the appliance's size, its boot time to serving under qemu, and
//! its idle memory, on a fresh factory disk (so the first boot formats the data area) and
//! then on the same disk again.

use crate::image::{self, ImageArgs};
use crate::packages;
use crate::shell::{Result, StepError, say};
use postern_e2e::{Vm, VmImage};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Runs the measurements and prints them.
pub(crate) fn run() -> Result {
    packages::ensure(&[("qemu-system-x86_64", "qemu-system-x86"), ("curl", "curl")])?;
    packages::ensure_file(Path::new(packages::OVMF), "ovmf")?;
    let built = image::build(&ImageArgs::test_image("qemu-x86_64", None, None))?;
    let size = |name: &str| std::fs::metadata(built.dir.join(name)).map(|m| m.len()).unwrap_or(0);
    let mib = |bytes: u64| bytes as f64 / f64::from(1u32 << 20);
    let (kernel, rootfs) = (size("vmlinuz"), size("rootfs.cpio.gz"));
    println!(
        "kernel {:.1} MiB, root file system {:.1} MiB, total {:.1} MiB (target: under 40 MiB)",
        mib(kernel),
        mib(rootfs),
        mib(kernel + rootfs)
    );
    let vm_image = VmImage::from_dir(&built.dir).map_err(|e| StepError(format!("the image: {e}")))?;
    let disk = built.dir.join("bench-disk.img");
    vm_image.fresh_disk(&disk).map_err(|e| StepError(format!("copying the factory disk: {e}")))?;
    for boot in ["first boot (formats the data area)", "second boot"] {
        say(&format!("booting: {boot}"));
        let (serving, memory) = measure(&vm_image, &disk)?;
        println!("{boot}: serving after {:.1} s; idle: {memory}", serving.as_secs_f64());
    }
    let _ = std::fs::remove_file(&disk);
    println!("(target: serving within 10 s of qemu start; idle under 64 MiB; software emulation, shared cores)");
    Ok(())
}

/// Boots `disk`, times qemu start to the proxy answering a blocked device with 403, then
/// reads `show version`'s memory line from the console.
fn measure(image: &VmImage, disk: &Path) -> Result<(Duration, String)> {
    let mut vm = Vm::boot(image, disk, 256, &[443], true).map_err(|e| StepError(format!("starting qemu: {e}")))?;
    let port = vm.host_port(443).ok_or_else(|| StepError("the proxy port is not forwarded".into()))?;
    let url = format!(
        "https://127.0.0.1:{port}/Microsoft-Server-ActiveSync?Cmd=Sync&User=bob&DeviceId=SEC1B0B0B0B0B0B0&DeviceType=Android"
    );
    let serving = loop {
        let out = Command::new("curl")
            .args(["-sk", "-m", "2", "-o", "/dev/null", "-w", "%{http_code}", "-d", "x", &url])
            .output();
        if out.is_ok_and(|o| o.stdout == b"403") {
            break vm.uptime();
        }
        if vm.uptime() > Duration::from_secs(300) {
            return Err(StepError("the appliance did not serve within 300 s".into()));
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    std::thread::sleep(Duration::from_secs(20));
    let mark = vm.mark();
    vm.send("show version\r").map_err(|e| StepError(format!("typing on the console: {e}")))?;
    let memory = vm
        .wait_for_after(mark, " MiB\r", Duration::from_secs(30))
        .ok()
        .and_then(|text| text.lines().find(|l| l.starts_with("Memory")).map(|l| l.trim().to_owned()))
        .unwrap_or_else(|| "memory line not seen".to_owned());
    Ok((serving, memory))
}
