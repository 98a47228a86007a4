//! `cargo xtask run`: builds the appliance image when needed and boots it under qemu, the
//! serial console on this terminal, SSH and the proxy forwarded to loopback ports.

use crate::image::{self, ImageArgs};
use crate::shell::{Result, StepError, exec, root, say};
use crate::{demo_backend, packages};
use std::path::Path;
use std::process::Command;

/// Where the demo configuration expects the ActiveSync back end (10.0.2.2 inside the VM).
const DEMO_BACKEND: &str = "127.0.0.1:8081";

/// Options of the VM run.
#[derive(clap::Args)]
pub(crate) struct VmArgs {
    /// The board to build and boot.
    #[arg(long, default_value = "qemu-x86_64")]
    board: String,
    /// Start with a blank data disk (the appliance formats it; configuration and device
    /// cache otherwise persist between runs).
    #[arg(long)]
    fresh: bool,
    /// The loopback port forwarded to the appliance's SSH CLI.
    #[arg(long, default_value_t = 2222)]
    ssh_port: u16,
    /// The loopback port forwarded to the appliance's ActiveSync proxy (TLS).
    #[arg(long, default_value_t = 8443)]
    https_port: u16,
    /// The loopback port forwarded to the appliance's metrics listener.
    #[arg(long, default_value_t = 9100)]
    metrics_port: u16,
}

/// Builds the image, then boots it with the console on this terminal until qemu exits.
pub(crate) fn run(args: &VmArgs) -> Result {
    packages::ensure(&[("qemu-system-x86_64", "qemu-system-x86"), ("mcopy", "mtools")])?;
    packages::ensure_file(Path::new(packages::OVMF), "ovmf")?;
    let built = image::build(&ImageArgs::test_image(&args.board, None, None))?;
    let vm = built
        .board
        .vm
        .clone()
        .ok_or_else(|| StepError(format!("board {} is not a virtual machine", built.board.name)))?;
    let state = root().join("var/vm").join(&built.board.name);
    std::fs::create_dir_all(&state).map_err(|e| StepError(format!("creating {}: {e}", state.display())))?;
    let disk = state.join("disk.img");
    if args.fresh || !disk.is_file() {
        say(&format!("a new appliance disk from the factory image: {}", disk.display()));
        std::fs::copy(built.dir.join("disk.img"), &disk)
            .map_err(|e| StepError(format!("copying the factory disk: {e}")))?;
    } else {
        say("keeping the appliance's disk (configuration, device cache); slot A gets this build");
        refresh_slot_a(&built.dir, &disk)?;
    }
    match demo_backend::start(DEMO_BACKEND) {
        Ok(()) => say(&format!("demo Exchange back end on {DEMO_BACKEND} (10.0.2.2:8081 from the appliance)")),
        Err(e) => say(&format!("no demo back end ({DEMO_BACKEND}: {e}); allowed requests will get 502")),
    }
    banner(args);
    let forwards = format!(
        "user,id=n0,hostfwd=tcp:127.0.0.1:{}-:22,hostfwd=tcp:127.0.0.1:{}-:443,hostfwd=tcp:127.0.0.1:{}-:9100",
        args.ssh_port, args.https_port, args.metrics_port
    );
    exec(
        Command::new("qemu-system-x86_64")
            .args(["-nodefaults", "-display", "none", "-serial", "mon:stdio"])
            .args(["-M", &vm.machine, "-m", &vm.memory_mib.to_string()])
            .args(["-bios", &vm.firmware])
            // No option ROM on the card, and the disk as the only boot device: OVMF then
            // connects only the disk and boots it without trying the network.
            .args(["-netdev", &forwards, "-device", &format!("{},netdev=n0,romfile=", vm.nic_model)])
            .arg("-drive")
            .arg(format!("file={},format=raw,if=none,id=d0", disk.display()))
            .args(["-device", "virtio-blk-pci,drive=d0,bootindex=0"]),
    )
}

/// Replaces slot A of a kept disk with the freshly built system (mtools, on the EFI system
/// partition at 1 MiB), and makes it the good, preferred entry again.
fn refresh_slot_a(image: &Path, disk: &Path) -> Result {
    let esp = format!("{}@@1M", disk.display());
    let factory = format!("{}@@1M", image.join("disk.img").display());
    let scratch = image.join("slot-a");
    let _ = std::fs::remove_dir_all(&scratch);
    exec(Command::new("mcopy").args(["-s", "-n", "-i", &factory, "::/postern/a"]).arg(&scratch))?;
    exec(
        Command::new("mcopy")
            .args(["-n", "-i", &factory, "::/loader/entries/postern-a.conf"])
            .arg(scratch.join("postern-a.conf")),
    )?;
    // Old entries of both slots go: slot A is the one system on the disk again.
    let listing = Command::new("mdir")
        .args(["-b", "-i", &esp, "::/loader/entries"])
        .output()
        .map_err(|e| StepError(format!("mdir: {e}")))?;
    for entry in String::from_utf8_lossy(&listing.stdout).lines().filter(|l| l.ends_with(".conf")) {
        exec(Command::new("mdel").args(["-i", &esp, entry]))?;
    }
    for name in ["vmlinuz", "rootfs.cpio.gz", "cmdline", "version"] {
        exec(
            Command::new("mcopy").args(["-o", "-i", &esp]).arg(scratch.join(name)).arg(format!("::/postern/a/{name}")),
        )?;
    }
    exec(
        Command::new("mcopy")
            .args(["-o", "-i", &esp])
            .arg(scratch.join("postern-a.conf"))
            .arg("::/loader/entries/postern-a.conf"),
    )?;
    std::fs::remove_dir_all(&scratch).map_err(|e| StepError(format!("removing {}: {e}", scratch.display())))
}

fn banner(args: &VmArgs) {
    let p = args.https_port;
    eprintln!();
    eprintln!("Booting the appliance (software emulation: ~10 s). The CLI appears on this console;");
    eprintln!("try `show version`, `enable`, `show device-cache`, `configure terminal`, `?` anywhere.");
    eprintln!("From another terminal, through the gateway (alice is allowed, bob is blocked):");
    eprintln!(
        "  curl -k 'https://127.0.0.1:{p}/Microsoft-Server-ActiveSync?Cmd=Sync&User=alice&DeviceId=ApplA1B2C3D4E5F6&DeviceType=iPhone' -d x"
    );
    eprintln!(
        "  curl -k 'https://127.0.0.1:{p}/Microsoft-Server-ActiveSync?Cmd=Sync&User=bob&DeviceId=SEC1B0B0B0B0B0B0&DeviceType=Android' -d x"
    );
    eprintln!("  curl http://127.0.0.1:{}/metrics", args.metrics_port);
    eprintln!("SSH (port {}) takes keys configured with `username NAME ssh-key ...`.", args.ssh_port);
    eprintln!("Ctrl-A X powers the VM off (state persists in var/vm/; --fresh starts blank).");
    eprintln!();
}
