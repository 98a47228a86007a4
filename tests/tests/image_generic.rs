//! The generic x86_64 image under qemu on the machines that stand in for real gateways and
//! hypervisors: an Intel e1000e NIC with a SATA (AHCI) disk, a VMware vmxnet3 NIC with an
//! NVMe disk, and virtio. On each it finds its disk by GPT name, loads the drivers the
//! hardware asks for, reaches serving, passes traffic through the proxy,
//! `show interfaces` names the driver, and a single-queue card's receive work is spread
//! over both cores (read back from the kernel's `rps_cpus`). On virtio, with two cards,
//! the configuration then names them (`wan` by its MAC, `lan` by its PCI address), puts
//! `wan` on DHCP with no static address, and the appliance reboots: the cards carry the
//! configured names, qemu's DHCP server gives `wan` 10.0.2.15, the default route and a
//! DNS server, SLAAC an IPv6 address, `show interfaces` shows the lease, and it serves;
//! the MTU, offload and ring settings are read back from the kernel.
//!
//! Needs a built image: `cargo xtask test` builds it; by hand:
//! `cargo xtask image --test-keys --board x86_64-generic`, then
//! `POSTERN_GENERIC_IMAGE_DIR=$PWD/target/image/x86_64-generic cargo test -p postern-e2e --test image_generic -- --ignored`.

use postern_e2e::{DiskBus, FIRST_NIC_MAC, Hardware, SECOND_NIC_MAC, SECOND_NIC_PCI, Vm, VmImage};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const ACTIVESYNC: u16 = 443;
const BOOT_LIMIT: Duration = Duration::from_secs(180);
const PROMPT: &str = "postern>";
const ALICE: &str = "Cmd=Sync&User=alice%40example.com&DeviceId=ApplA1B2C3D4E5F6&DeviceType=iPhone";

fn image() -> VmImage {
    let dir = std::env::var_os("POSTERN_GENERIC_IMAGE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/image/x86_64-generic"));
    VmImage::from_dir(&dir).unwrap_or_else(|e| {
        panic!("no image in {} ({e}): run `cargo xtask image --test-keys --board x86_64-generic` first", dir.display())
    })
}

fn expect(vm: &Vm, mark: usize, needle: &str, timeout: Duration) -> String {
    vm.wait_for_after(mark, needle, timeout)
        .unwrap_or_else(|e| panic!("{e}\n--- serial console ---\n{}\n--- end ---", vm.serial_log()))
}

/// The HTTP status of an ActiveSync request through the forwarded proxy port, retried
/// until the proxy answers (it starts a little after the CLI).
fn proxy_answers(vm: &Vm) -> String {
    let port = vm.host_port(ACTIVESYNC).expect("proxy forwarded");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = Command::new("curl")
            .args(["-sk", "-m", "20", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "--data", "<Sync/>"])
            .arg(format!("https://127.0.0.1:{port}/Microsoft-Server-ActiveSync?{ALICE}"))
            .output()
            .expect("curl runs");
        let code = String::from_utf8_lossy(&out.stdout).into_owned();
        if code != "000" || Instant::now() > deadline {
            return code;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Sends `line` on the console and waits for a prompt ending in `prompt_end`.
fn console(vm: &mut Vm, line: &str, prompt_end: &str) -> String {
    let mark = vm.mark();
    vm.send(&format!("{line}\r")).expect("console");
    expect(vm, mark, prompt_end, Duration::from_secs(30))
}

/// Boots on `hardware`; `steered`: whether the card has fewer receive queues than the two
/// cores, so that init must spread its receive work in software. Returns the running VM
/// (which reboots in place when the appliance does) and the directory of its disk.
fn boots_and_serves_on(hardware: Hardware, driver: &str, steered: bool) -> (Vm, tempfile::TempDir) {
    let image = image();
    let scratch = tempfile::tempdir().expect("temp dir");
    let disk = scratch.path().join("disk.img");
    image.fresh_disk(&disk).expect("disk copy");
    let mut vm = Vm::boot_on(hardware, &image, &disk, 384, &[ACTIVESYNC], false).expect("qemu starts");
    expect(&vm, 0, PROMPT, BOOT_LIMIT);
    eprintln!("{hardware:?}: CLI prompt {:.1} s after qemu started", vm.uptime().as_secs_f64());
    let log = vm.serial_log();
    assert!(
        log.contains(&format!("module={driver}")) || log.contains(&format!("module=\"{driver}\"")),
        "{driver} was not loaded for the hardware:\n{log}"
    );
    let code = proxy_answers(&vm);
    assert_ne!(code, "000", "no answer through the proxy on {hardware:?}:\n{}", vm.serial_log());
    let mark = vm.mark();
    vm.send("enable\r").expect("console");
    expect(&vm, mark, "postern#", Duration::from_secs(20));
    let mark = vm.mark();
    vm.send("show interfaces | include ^eth\r").expect("console");
    let shown = expect(&vm, mark, "postern#", Duration::from_secs(20));
    assert!(shown.contains(&format!("driver {driver}")), "show interfaces does not name {driver}:\n{shown}");
    // Two cores: a card with one receive queue has its receive work spread over both by
    // init; a card with a queue per core spreads it itself.
    let mark = vm.mark();
    vm.send("show interfaces | include queues\r").expect("console");
    let shown = expect(&vm, mark, "postern#", Duration::from_secs(20));
    if steered {
        assert!(
            shown.contains("queues rx 1 ") && shown.contains("receive steering over CPUs 3"),
            "receive steering not set:\n{shown}"
        );
    } else {
        assert!(
            shown.contains("queues rx 2 ") && !shown.contains("steering"),
            "a multi-queue card needs no steering:\n{shown}"
        );
    }
    (vm, scratch)
}

#[test]
#[ignore = "needs the generic image; run by cargo xtask test"]
fn an_intel_nic_with_a_sata_disk() {
    boots_and_serves_on(
        Hardware { machine: "q35", nic: "e1000e", disk: DiskBus::Ahci, cpus: 2, second_nic: false },
        "e1000e",
        true,
    );
}

#[test]
#[ignore = "needs the generic image; run by cargo xtask test"]
fn a_vmware_nic_with_an_nvme_disk() {
    boots_and_serves_on(
        Hardware { machine: "q35", nic: "vmxnet3", disk: DiskBus::Nvme, cpus: 2, second_nic: false },
        "vmxnet3",
        false,
    );
}

#[test]
#[ignore = "needs the generic image; run by cargo xtask test"]
fn virtio_then_named_cards_and_dhcp() {
    let hardware = Hardware { cpus: 2, second_nic: true, ..Hardware::VIRTIO };
    let (mut vm, _disk) = boots_and_serves_on(hardware, "virtio_net", true);
    console(&mut vm, "configure terminal", "(config)#");
    console(&mut vm, "no interface eth0", "(config)#");
    console(&mut vm, "interface wan", "(config-if)#");
    for line in [&format!("match mac {FIRST_NIC_MAC}"), "ip address dhcp", "offload gro off", "rx-ring 128"] {
        console(&mut vm, line, "(config-if)#");
    }
    console(&mut vm, "exit", "(config)#");
    console(&mut vm, "interface lan", "(config-if)#");
    for line in [
        &format!("match pci {SECOND_NIC_PCI}"),
        "ip address 192.168.77.1/24",
        "mtu 1400",
        "rx-ring 4096",
        "no steering",
    ] {
        console(&mut vm, line, "(config-if)#");
    }
    console(&mut vm, "exit", "(config)#");
    let committed = console(&mut vm, "commit", "(config)#");
    assert!(committed.contains("Committed"), "{committed}");
    console(&mut vm, "end", "postern#");
    let mark = vm.mark();
    vm.send("reload\r").expect("console");
    // The same qemu boots the appliance again, now with no static address on `wan`.
    expect(&vm, mark, "data area unmounted", Duration::from_secs(60));
    let mark = vm.mark();
    expect(&vm, mark, "DHCP lease bound", BOOT_LIMIT);
    expect(&vm, mark, PROMPT, BOOT_LIMIT);
    let log = vm.serial_log();
    assert!(
        log.lines().any(|l| l.contains("DHCP lease bound") && l.contains("10.0.2.15")),
        "qemu's DHCP server gives 10.0.2.15:\n{log}"
    );
    let code = proxy_answers(&vm);
    assert_ne!(code, "000", "no answer through the proxy on a DHCP address:\n{}", vm.serial_log());
    console(&mut vm, "enable", "postern#");
    let shown = console(&mut vm, "show interfaces", "postern#");
    assert!(!shown.contains("eth0") && !shown.contains("eth1"), "the kernel's names are gone:\n{shown}");
    // Sorted by name: lan, lo, wan.
    let wan = shown.split("\nwan is ").nth(1).unwrap_or_default();
    assert!(wan.contains(&format!("MAC {FIRST_NIC_MAC}")) && wan.contains("addresses 10.0.2.15/24"), "{shown}");
    assert!(wan.contains(&format!("match mac {FIRST_NIC_MAC}")) && wan.contains("ip address dhcp"), "{shown}");
    let lan = shown.split("\nlan is ").nth(1).and_then(|t| t.split("\nlo is ").next()).unwrap_or_default();
    assert!(lan.contains(&format!("MAC {SECOND_NIC_MAC}")) && lan.contains("addresses 192.168.77.1/24"), "{shown}");
    assert!(lan.contains(&format!("match pci {SECOND_NIC_PCI}")), "{shown}");
    // MTU, offloads and rings as configured, read back from the kernel; a ring size above
    // the driver's maximum is shown as refused, never dropped silently.
    assert!(lan.contains("MTU 1400") && wan.contains("MTU 1500"), "{shown}");
    assert!(wan.contains("offloads gro off") && lan.contains("offloads gro on"), "{shown}");
    assert!(wan.contains("rings rx 128 (max 256) tx 256 (max 256)"), "{shown}");
    assert!(lan.contains("rings rx 256 (max 256)"), "{shown}");
    // Software steering is off where configured so, on where not.
    assert!(wan.contains("receive steering over CPUs 3") && !lan.contains("receive steering"), "{shown}");
    assert!(lan.contains("refused by the driver: rx-ring 4096: above the driver's maximum 256"), "{shown}");
    let log = vm.serial_log();
    assert!(log.contains("the driver refused a configured setting"), "the refusal is logged too:\n{log}");
    eprintln!("show interfaces after the reboot:\n{shown}");
    assert!(
        shown.contains("dhcp lease 10.0.2.15/24 from 10.0.2.2, router 10.0.2.2, dns 10.0.2.3"),
        "show interfaces shows the lease:\n{shown}"
    );
    assert!(shown.contains(" expires 20"), "{shown}");
    // qemu's user network also advertises fec0::/64: SLAAC gives an address in it once
    // the kernel's router solicitation is answered and the address has passed duplicate
    // detection, which can be after the proxy first answers.
    let shown = slaac_address_shown(&mut vm);
    let wan = shown.split("\nwan is ").nth(1).unwrap_or_default();
    let lan = shown.split("\nlan is ").nth(1).and_then(|t| t.split("\nlo is ").next()).unwrap_or_default();
    assert!(wan.contains("fec0::"), "an IPv6 address by SLAAC:\n{shown}");
    assert!(!lan.contains("fec0::"), "a static interface takes no advertised address:\n{shown}");
}

/// `show interfaces` once `wan` has an address from qemu's advertised `fec0::/64`, or
/// after 60 s without one.
fn slaac_address_shown(vm: &mut Vm) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let shown = console(vm, "show interfaces", "postern#");
        let has = shown.split("\nwan is ").nth(1).is_some_and(|wan| wan.contains("fec0::"));
        if has || Instant::now() > deadline {
            return shown;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}
