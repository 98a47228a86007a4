//! `cargo xtask bench nic`: what software receive and transmit steering (RPS/XPS) buys the
//! proxy on qemu's single-queue NICs. For virtio-net and e1000e (q35, two vCPUs), the
//! generic image boots with steering on (init's default), `wrk` drives keep-alive
//! ActiveSync requests through the proxy to a back end on the host, then the appliance is
//! configured with `no steering`, reboots in the same qemu, and the load runs again. The
//! ratio of the two, in one run, is the result (docs/performance.md).

use crate::image::{self, ImageArgs};
use crate::shell::{Result, StepError, say};
use crate::{demo_backend, packages};
use postern_e2e::{DiskBus, Hardware, Vm, VmImage};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The demo configuration's back end, `10.0.2.2:8081` from inside qemu.
const BACKEND: &str = "127.0.0.1:8081";
/// An allowed demo device's request.
const ALICE: &str = "Cmd=Sync&User=alice%40example.com&DeviceId=ApplA1B2C3D4E5F6&DeviceType=iPhone";
const LOAD: &str = "20s";

/// Runs the benchmark and prints requests per second with and without steering.
pub(crate) fn run() -> Result {
    packages::ensure(&[("qemu-system-x86_64", "qemu-system-x86"), ("curl", "curl"), ("wrk", "wrk")])?;
    packages::ensure_file(Path::new(packages::OVMF), "ovmf")?;
    let built = image::build(&ImageArgs::test_image("x86_64-generic", None, None))?;
    demo_backend::start(BACKEND).map_err(|e| StepError(format!("the back end on {BACKEND}: {e}")))?;
    let vm_image = VmImage::from_dir(&built.dir).map_err(|e| StepError(format!("the image: {e}")))?;
    let script = built.dir.join("bench-post.lua");
    std::fs::write(&script, "wrk.method = \"POST\"\nwrk.body = \"<Sync/>\"\n")
        .map_err(|e| StepError(format!("writing {}: {e}", script.display())))?;
    let mut rows = Vec::new();
    for nic in ["virtio-net-pci", "e1000e"] {
        let hardware = Hardware { machine: "q35", nic, disk: DiskBus::Virtio, cpus: 2, second_nic: false };
        let disk = built.dir.join("bench-nic-disk.img");
        vm_image.fresh_disk(&disk).map_err(|e| StepError(format!("copying the factory disk: {e}")))?;
        let mut vm = Vm::boot_on(hardware, &vm_image, &disk, 384, &[443], false)
            .map_err(|e| StepError(format!("starting qemu: {e}")))?;
        let port = vm.host_port(443).ok_or_else(|| StepError("the proxy port is not forwarded".into()))?;
        let url = format!("https://127.0.0.1:{port}/Microsoft-Server-ActiveSync?{ALICE}");
        wait(&vm, 0, "postern>", Duration::from_secs(240))?;
        serving(&url)?;
        console(&mut vm, "enable")?;
        let steered = shown_steering(&mut vm)?;
        say(&format!("{nic}: steering {steered}; load for {LOAD}"));
        let tuned = load(&url, &script)?;
        for line in ["configure terminal", "interface eth0", "no steering", "exit", "commit", "end"] {
            console(&mut vm, line)?;
        }
        let mark = vm.mark();
        vm.send("reload\r").map_err(|e| StepError(format!("console: {e}")))?;
        wait(&vm, mark, "data area unmounted", Duration::from_secs(60))?;
        wait(&vm, mark, "postern>", Duration::from_secs(240))?;
        serving(&url)?;
        console(&mut vm, "enable")?;
        let unsteered = shown_steering(&mut vm)?;
        say(&format!("{nic}: steering {unsteered}; load for {LOAD}"));
        let untuned = load(&url, &script)?;
        rows.push((nic, tuned, untuned));
        vm.kill();
        let _ = std::fs::remove_file(&disk);
    }
    println!("NIC             steered req/s  unsteered req/s  steered/unsteered");
    for (nic, tuned, untuned) in rows {
        println!("{nic:<15} {tuned:>13.0}  {untuned:>15.0}  {:>17.2}", tuned / untuned);
    }
    println!("(qemu software emulation on a shared 2-core host; see docs/performance.md)");
    Ok(())
}

fn wait(vm: &Vm, mark: usize, needle: &str, limit: Duration) -> Result<String> {
    vm.wait_for_after(mark, needle, limit).map_err(|e| StepError(format!("{e}\n{}", vm.serial_log())))
}

fn console(vm: &mut Vm, line: &str) -> Result<String> {
    let mark = vm.mark();
    vm.send(&format!("{line}\r")).map_err(|e| StepError(format!("console: {e}")))?;
    wait(vm, mark, "#", Duration::from_secs(30))
}

/// The receive steering mask `show interfaces` gives eth0, or "off".
fn shown_steering(vm: &mut Vm) -> Result<String> {
    let shown = console(vm, "show interfaces | include queues")?;
    Ok(shown
        .lines()
        .find_map(|l| l.split("receive steering over CPUs ").nth(1))
        .map_or_else(|| "off".to_owned(), |mask| format!("over CPUs {}", mask.trim())))
}

fn serving(url: &str) -> Result {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        let out = Command::new("curl")
            .args(["-sk", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}", "-d", "x", url])
            .output();
        if out.is_ok_and(|o| o.stdout == b"200") {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    Err(StepError(format!("the proxy did not answer 200 at {url}")))
}

/// Requests per second `wrk` gets over 4 keep-alive connections for [`LOAD`].
fn load(url: &str, script: &Path) -> Result<f64> {
    let out = Command::new("wrk")
        .args(["-t", "2", "-c", "4", "-d", LOAD, "--timeout", "10s", "-s"])
        .arg(script)
        .arg(url)
        .output()
        .map_err(|e| StepError(format!("running wrk: {e}")))?;
    let text = String::from_utf8_lossy(&out.stdout);
    print!("{text}");
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| StepError(format!("no Requests/sec in wrk's output:\n{text}")))
}
