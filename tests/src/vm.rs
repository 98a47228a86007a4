//! An appliance image booted under qemu (software emulation) for end-to-end tests: the
//! serial console on pipes, chosen guest ports forwarded to free loopback ports, and the
//! VM killed when the handle is dropped.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The artefacts of a built image (`cargo xtask image --test-keys`).
#[derive(Debug, Clone)]
pub struct VmImage {
    /// The factory disk: EFI system partition with slot A, blank data partition.
    pub disk: PathBuf,
    /// The UEFI firmware qemu boots.
    pub firmware: PathBuf,
}

impl VmImage {
    /// The image in `dir` (its `disk.img`), booted with Debian's OVMF.
    pub fn from_dir(dir: &Path) -> std::io::Result<Self> {
        let disk = dir.join("disk.img");
        std::fs::metadata(&disk)?;
        Ok(Self { disk, firmware: PathBuf::from("/usr/share/ovmf/OVMF.fd") })
    }

    /// A fresh copy of the factory disk at `to`, as a new appliance's disk.
    pub fn fresh_disk(&self, to: &Path) -> std::io::Result<()> {
        std::fs::copy(&self.disk, to).map(drop)
    }
}

/// The machine qemu presents: its chipset, network card and disk controller, standing in
/// for the hardware and hypervisors an appliance meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hardware {
    /// qemu's `-M` machine (`pc`, `q35`).
    pub machine: &'static str,
    /// qemu's network device (`virtio-net-pci`, `e1000e`, `vmxnet3`).
    pub nic: &'static str,
    /// How the disk is attached.
    pub disk: DiskBus,
    /// Virtual CPUs.
    pub cpus: u8,
    /// A second card of the same model at PCI address [`SECOND_NIC_PCI`] with the Ethernet
    /// address [`SECOND_NIC_MAC`], on a network of its own (nothing forwarded). The first
    /// card has qemu's first address, [`FIRST_NIC_MAC`].
    pub second_nic: bool,
}

/// The Ethernet address qemu gives the first card.
pub const FIRST_NIC_MAC: &str = "52:54:00:12:34:56";
/// The Ethernet address of the second card ([`Hardware::second_nic`]).
pub const SECOND_NIC_MAC: &str = "52:54:00:12:34:57";
/// The PCI address of the second card ([`Hardware::second_nic`]).
pub const SECOND_NIC_PCI: &str = "0000:00:09.0";

/// A disk controller qemu emulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskBus {
    /// virtio-blk (KVM, most clouds).
    Virtio,
    /// SATA on the q35 chipset's AHCI controller (physical boxes).
    Ahci,
    /// An NVMe controller (physical boxes, VMware, clouds).
    Nvme,
}

impl Hardware {
    /// The development board's machine: virtio disk and network on `pc`.
    pub const VIRTIO: Hardware =
        Hardware { machine: "pc", nic: "virtio-net-pci", disk: DiskBus::Virtio, cpus: 1, second_nic: false };

    fn second_nic_args(&self) -> Vec<String> {
        if !self.second_nic {
            return Vec::new();
        }
        let slot = SECOND_NIC_PCI.rsplit(':').next().and_then(|s| s.split('.').next()).unwrap_or("09");
        let device = format!("{},netdev=n1,mac={SECOND_NIC_MAC},addr=0x{slot},romfile=", self.nic);
        vec!["-netdev".into(), "user,id=n1,restrict=on".into(), "-device".into(), device]
    }

    /// The disk is the firmware's only boot device (`bootindex=0`): with a boot order
    /// from qemu, OVMF connects only the devices in it, so it neither binds its network
    /// stack to the cards nor offers network boot.
    fn disk_args(&self, disk: &Path) -> Vec<String> {
        let drive = format!("file={},format=raw,if=none,id=d0", disk.display());
        let device = match self.disk {
            DiskBus::Virtio => "virtio-blk-pci,drive=d0,bootindex=0",
            DiskBus::Ahci => "ide-hd,drive=d0,bus=ide.0,bootindex=0",
            DiskBus::Nvme => "nvme,drive=d0,serial=postern0,bootindex=0",
        };
        vec!["-drive".into(), drive, "-device".into(), device.into()]
    }
}

/// A running VM.
#[derive(Debug)]
pub struct Vm {
    child: Child,
    serial_in: ChildStdin,
    output: Arc<Mutex<Console>>,
    forwards: Vec<(u16, u16)>,
    started: Instant,
}

impl Vm {
    /// Boots `disk` (a copy of `image`'s factory disk, on virtio) with `memory_mib` of RAM
    /// and each of `guest_ports` reachable at a free loopback port ([`Vm::host_port`]). With
    /// `stop_on_reboot`, a reboot of the guest ends qemu; otherwise the guest reboots.
    pub fn boot(
        image: &VmImage,
        disk: &Path,
        memory_mib: u32,
        guest_ports: &[u16],
        stop_on_reboot: bool,
    ) -> std::io::Result<Self> {
        Self::boot_on(Hardware::VIRTIO, image, disk, memory_mib, guest_ports, stop_on_reboot)
    }

    /// [`Vm::boot`] on other `hardware`.
    pub fn boot_on(
        hardware: Hardware,
        image: &VmImage,
        disk: &Path,
        memory_mib: u32,
        guest_ports: &[u16],
        stop_on_reboot: bool,
    ) -> std::io::Result<Self> {
        let mut forwards = Vec::new();
        for &guest in guest_ports {
            forwards.push((free_port()?, guest));
        }
        let netdev = forwards.iter().fold(String::from("user,id=n0"), |mut s, (host, guest)| {
            s.push_str(&format!(",hostfwd=tcp:127.0.0.1:{host}-:{guest}"));
            s
        });
        let started = Instant::now();
        // A virtio disk comes after the cards, so that each keeps the PCI slot it had as
        // `-drive if=virtio` (created after every `-device`).
        let (disk_first, disk_last) = match hardware.disk {
            DiskBus::Virtio => (Vec::new(), hardware.disk_args(disk)),
            _ => (hardware.disk_args(disk), Vec::new()),
        };
        let mut qemu = Command::new("qemu-system-x86_64");
        qemu.args(["-nodefaults", "-display", "none", "-serial", "stdio", "-monitor", "none"]);
        if stop_on_reboot {
            qemu.arg("-no-reboot");
        }
        let mut child = qemu
            .args(["-M", hardware.machine, "-smp", &hardware.cpus.to_string(), "-m", &memory_mib.to_string()])
            .arg("-bios")
            .arg(&image.firmware)
            .args(disk_first)
            // No option ROM on the cards: the appliance never boots from the network.
            .args(["-netdev", &netdev, "-device", &format!("{},netdev=n0,romfile=", hardware.nic)])
            .args(hardware.second_nic_args())
            .args(disk_last)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let serial_in = child.stdin.take().ok_or_else(|| std::io::Error::other("qemu has no stdin"))?;
        let output = Arc::new(Mutex::new(Console::default()));
        for stream in [
            child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
            child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let sink = output.clone();
            std::thread::spawn(move || copy_into(stream, &sink, started));
        }
        Ok(Self { child, serial_in, output, forwards, started })
    }

    /// The loopback port forwarded to `guest`.
    pub fn host_port(&self, guest: u16) -> Option<u16> {
        self.forwards.iter().find(|(_, g)| *g == guest).map(|(h, _)| *h)
    }

    /// Time since qemu started.
    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// Everything the console printed so far.
    pub fn serial_log(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().map(|o| o.bytes.clone()).unwrap_or_default()).into_owned()
    }

    /// Every complete console line so far, each with the time since qemu started at which
    /// its last byte arrived: the boot's timeline as the host saw it.
    pub fn timed_lines(&self) -> Vec<(Duration, String)> {
        let Ok(console) = self.output.lock() else { return Vec::new() };
        let mut lines = Vec::new();
        let mut start = 0;
        for (at, _) in console.bytes.iter().enumerate().filter(|(_, b)| **b == b'\n') {
            let line = String::from_utf8_lossy(&console.bytes[start..at]).trim_end_matches('\r').to_owned();
            lines.push((console.arrival(at), line));
            start = at + 1;
        }
        lines
    }

    /// The console's length so far (a mark for [`Vm::wait_for_after`]).
    pub fn mark(&self) -> usize {
        self.output.lock().map(|o| o.bytes.len()).unwrap_or(0)
    }

    /// Waits until the console prints `needle` after byte `mark`; returns what was printed
    /// from `mark` to the end of the match.
    pub fn wait_for_after(&self, mark: usize, needle: &str, timeout: Duration) -> Result<String, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let text = {
                let out = self.output.lock().map_err(|_| "console buffer poisoned".to_owned())?;
                String::from_utf8_lossy(out.bytes.get(mark..).unwrap_or_default()).into_owned()
            };
            if let Some(at) = text.find(needle) {
                return Ok(text[..at + needle.len()].to_owned());
            }
            if Instant::now() > deadline {
                return Err(format!("no {needle:?} on the console within {timeout:?}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Types `text` on the serial console, a few characters at a time as a person or a
    /// terminal server would, so that the guest's UART never has to hold a whole line.
    pub fn send(&mut self, text: &str) -> std::io::Result<()> {
        for chunk in text.as_bytes().chunks(8) {
            self.serial_in.write_all(chunk)?;
            self.serial_in.flush()?;
            std::thread::sleep(Duration::from_millis(15));
        }
        Ok(())
    }

    /// Waits up to `timeout` for qemu to exit (the guest powered off or rebooted).
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }

    /// Pulls the plug: kills qemu at once, as a power cut would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Vm {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// What the console printed, with the time each piece arrived.
#[derive(Debug, Default)]
struct Console {
    bytes: Vec<u8>,
    /// (offset just past a piece, time since qemu started when it arrived), in order.
    arrivals: Vec<(usize, Duration)>,
}

impl Console {
    /// When the byte at `offset` arrived.
    fn arrival(&self, offset: usize) -> Duration {
        let i = self.arrivals.partition_point(|(end, _)| *end <= offset);
        self.arrivals.get(i).map(|(_, t)| *t).unwrap_or_default()
    }
}

fn copy_into(mut stream: Box<dyn Read + Send>, sink: &Mutex<Console>, started: Instant) {
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        if let Ok(mut out) = sink.lock() {
            out.bytes.extend_from_slice(&buf[..n]);
            let end = out.bytes.len();
            out.arrivals.push((end, started.elapsed()));
        }
    }
}
