//! `cargo xtask bench image`: the appliance's size, its boot time to serving under qemu, and
//! its idle memory, on a fresh factory disk (so the first boot formats the data area) and
//! then on the same disk again; with `--boot-rounds N`, N fresh disks, and with
//! `--baseline DIR`, another built image booted in turn with this one, so that two images
//! are compared on the same machine at the same time.

use crate::image::{self, ImageArgs};
use crate::packages;
use crate::shell::{Result, StepError, say};
use postern_e2e::{Vm, VmImage};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Options of `cargo xtask bench image`.
#[derive(clap::Args)]
pub(crate) struct BootArgs {
    /// `image`: how many fresh factory disks to boot twice each (medians are printed).
    #[arg(long, default_value_t = 1)]
    boot_rounds: u32,
    /// `image`: a directory holding another built image (its `disk.img`), booted in turn
    /// with the new build in every round.
    #[arg(long)]
    baseline: Option<PathBuf>,
}

/// The first boot's target (it formats the data area) and the later boots'.
const TARGETS: [Duration; 2] = [Duration::from_secs(10), Duration::from_secs(8)];
/// The boots of one round.
const BOOTS: [&str; 2] = ["first boot (formats the data area)", "second boot"];

/// Runs the measurements and prints them.
pub(crate) fn run(args: &BootArgs) -> Result {
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
    let image =
        |dir: &Path| VmImage::from_dir(dir).map_err(|e| StepError(format!("the image in {}: {e}", dir.display())));
    let mut images = vec![("new", image(&built.dir)?)];
    if let Some(dir) = &args.baseline {
        images.push(("baseline", image(dir)?));
    }
    // times[image][boot]: every round's figure.
    let mut times = vec![[Vec::new(), Vec::new()]; images.len()];
    for round in 1..=args.boot_rounds.max(1) {
        for (i, (name, vm_image)) in images.iter().enumerate() {
            let disk = built.dir.join(format!("bench-disk-{name}.img"));
            vm_image.fresh_disk(&disk).map_err(|e| StepError(format!("copying the factory disk: {e}")))?;
            for (boot, label) in BOOTS.iter().enumerate() {
                say(&format!("round {round}, {name} image: {label}"));
                let (serving, memory, timeline) = measure(vm_image, &disk)?;
                println!("{label}: serving after {:.1} s; idle: {memory}", serving.as_secs_f64());
                print!("{timeline}");
                times[i][boot].push(serving);
            }
            let _ = std::fs::remove_file(&disk);
        }
    }
    summary(&images.iter().map(|(name, _)| *name).collect::<Vec<_>>(), &times);
    println!("(software emulation, shared cores: note the machine's load, `uptime`, beside the figures)");
    Ok(())
}

/// Prints each image's median per boot against its target, and the new image's ratio to
/// the baseline's.
fn summary(names: &[&str], times: &[[Vec<Duration>; 2]]) {
    let mut medians = Vec::new();
    for (name, boots) in names.iter().zip(times) {
        let mut row = Vec::new();
        for ((label, figures), target) in BOOTS.iter().zip(boots).zip(TARGETS) {
            let m = median(figures);
            let all: Vec<String> = figures.iter().map(|d| format!("{:.1}", d.as_secs_f64())).collect();
            let verdict = if m <= target { "PASS" } else { "MISS" };
            println!(
                "{name} image, {label}: median {:.1} s of [{}] (target {} s): {verdict}",
                m.as_secs_f64(),
                all.join(", "),
                target.as_secs()
            );
            row.push(m);
        }
        medians.push(row);
    }
    if let [new, baseline] = medians.as_slice() {
        for ((label, n), b) in BOOTS.iter().zip(new).zip(baseline) {
            println!("{label}: new / baseline = {:.2}", n.as_secs_f64() / b.as_secs_f64().max(1e-9));
        }
    }
}

fn median(figures: &[Duration]) -> Duration {
    let mut sorted = figures.to_vec();
    sorted.sort();
    match sorted.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
    }
}

/// Boots `disk`, times qemu start to the proxy answering a blocked device with 403, then
/// reads `show version`'s memory line from the console; also returns the boot's timeline.
fn measure(image: &VmImage, disk: &Path) -> Result<(Duration, String, String)> {
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
        std::thread::sleep(Duration::from_millis(50));
    };
    let timeline = timeline(&vm, serving);
    std::thread::sleep(Duration::from_secs(20));
    let mark = vm.mark();
    vm.send("show version\r").map_err(|e| StepError(format!("typing on the console: {e}")))?;
    let memory = vm
        .wait_for_after(mark, " MiB\r", Duration::from_secs(30))
        .ok()
        .and_then(|text| text.lines().find(|l| l.starts_with("Memory")).map(|l| l.trim().to_owned()))
        .unwrap_or_else(|| "memory line not seen".to_owned());
    Ok((serving, memory, timeline))
}

/// The console lines that mark the boot's stages, each with the time since qemu started
/// at which the host received it, up to the proxy's first answer.
fn timeline(vm: &Vm, serving: Duration) -> String {
    const MARKS: &[&str] = &[
        "BdsDxe",
        "Linux version",
        "init started",
        "boot step done",
        "listeners bound",
        "stores opened",
        "TLS identity ready",
        "posternd ready",
    ];
    let mut out = String::new();
    for (at, line) in vm.timed_lines() {
        if at <= serving && MARKS.iter().any(|m| line.contains(m)) {
            // Postern's log lines start with a timestamp and a level: keep the rest.
            let text =
                line.split_once(": ").filter(|(head, _)| head.contains("INFO")).map_or(line.as_str(), |(_, t)| t);
            out.push_str(&format!("  {:>6.2} s  {}\n", at.as_secs_f64(), text.trim()));
        }
    }
    out.push_str(&format!("  {:>6.2} s  the proxy answers\n", serving.as_secs_f64()));
    out
}
