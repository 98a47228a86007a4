//! The appliance image under qemu (software emulation): it boots to the CLI on the serial
//! console, serves SSH and the ActiveSync proxy through forwarded ports, enforces the
//! UEM's decisions against a back end on the host, and keeps its configuration and device
//! cache across a power cut.
//!
//! Needs a built image: `cargo xtask test` builds it and runs this test with
//! `POSTERN_IMAGE_DIR` set; by hand: `cargo xtask image --test-keys`, then
//! `POSTERN_IMAGE_DIR=target/image/qemu-x86_64 cargo test -p postern-e2e --test image_boot -- --ignored`.

use postern_e2e::{Vm, VmImage};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const SSH: u16 = 22;
const ACTIVESYNC: u16 = 443;
const BOOT_LIMIT: Duration = Duration::from_secs(150);
const PROMPT: &str = "postern>";
const ALICE: &str = "Cmd=Sync&User=alice%40example.com&DeviceId=ApplA1B2C3D4E5F6&DeviceType=iPhone";
const BOB: &str = "Cmd=Sync&User=bob%40example.com&DeviceId=SEC1B0B0B0B0B0B0&DeviceType=Android";

fn image() -> VmImage {
    let dir = std::env::var_os("POSTERN_IMAGE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/image/qemu-x86_64"));
    VmImage::from_dir(&dir)
        .unwrap_or_else(|e| panic!("no image in {} ({e}): run `cargo xtask image --test-keys` first", dir.display()))
}

/// A back end on the host that answers every request with 200 and counts them.
fn backend() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("back end");
    let port = listener.local_addr().expect("address").port();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counter = counter.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                loop {
                    let mut line = String::new();
                    let mut length = 0usize;
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    loop {
                        let mut header = String::new();
                        if reader.read_line(&mut header).unwrap_or(0) == 0 {
                            return;
                        }
                        if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                        if header == "\r\n" {
                            break;
                        }
                    }
                    let mut body = vec![0u8; length];
                    if std::io::Read::read_exact(&mut reader, &mut body).is_err() {
                        return;
                    }
                    counter.fetch_add(1, Ordering::SeqCst);
                    let reply = "HTTP/1.1 200 OK\r\ncontent-length: 11\r\ncontent-type: text/plain\r\n\r\nexchange-ok";
                    if (&stream).write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, seen)
}

struct Appliance {
    vm: Vm,
}

impl Appliance {
    fn boot(image: &VmImage, disk: &Path) -> Self {
        let vm = Vm::boot(image, disk, 256, &[SSH, ACTIVESYNC], true).expect("qemu starts");
        let appliance = Self { vm };
        appliance.expect(0, PROMPT, BOOT_LIMIT);
        eprintln!("CLI prompt on the serial console {:.1} s after qemu started", appliance.vm.uptime().as_secs_f64());
        appliance
    }

    fn expect(&self, mark: usize, needle: &str, timeout: Duration) -> String {
        match self.vm.wait_for_after(mark, needle, timeout) {
            Ok(text) => text,
            Err(e) => panic!("{e}\n--- serial console ---\n{}\n--- end ---", self.vm.serial_log()),
        }
    }

    /// Types a line on the console and waits for the next prompt ending in `prompt_end`.
    fn console(&mut self, line: &str, prompt_end: &str) -> String {
        let mark = self.vm.mark();
        self.vm.send(&format!("{line}\r")).expect("console input");
        self.expect(mark, prompt_end, Duration::from_secs(20))
    }

    fn ssh(&self, key: &Path, command: &str) -> Output {
        let port = self.vm.host_port(SSH).expect("ssh forwarded");
        Command::new("ssh")
            .args([
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
                "-o",
                "BatchMode=yes",
                "-o",
                "ConnectTimeout=20",
            ])
            .arg("-i")
            .arg(key)
            .args(["-p", &port.to_string(), "admin@127.0.0.1", command])
            .output()
            .expect("ssh runs")
    }

    fn activesync(&self, query: &str) -> (String, String) {
        let port = self.vm.host_port(ACTIVESYNC).expect("proxy forwarded");
        let out = Command::new("curl")
            .args(["-sk", "-m", "30", "-o", "-", "-w", "\n%{http_code}", "-X", "POST", "--data", "<Sync/>"])
            .arg(format!("https://127.0.0.1:{port}/Microsoft-Server-ActiveSync?{query}"))
            .output()
            .expect("curl runs");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
        (code.to_owned(), body.to_owned())
    }

    /// The proxy starts serving a little after the CLI: retries until it answers.
    fn activesync_when_up(&self, query: &str) -> (String, String) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let answer = self.activesync(query);
            if answer.0 != "000" || Instant::now() > deadline {
                return answer;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
#[ignore = "needs a built image and qemu: cargo xtask test runs it"]
fn the_image_boots_serves_and_keeps_its_state_across_a_power_cut() {
    let image = image();
    let dir = tempfile::tempdir().expect("temp dir");
    let disk = dir.path().join("disk.img");
    image.fresh_disk(&disk).expect("a new appliance's disk");
    let key = dir.path().join("admin");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "image-test", "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen");
    assert!(made.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).expect("public key");
    let (backend_port, seen) = backend();

    // First boot: a blank disk is formatted; the console shows the CLI.
    let mut appliance = Appliance::boot(&image, &disk);
    let version = appliance.console("show version", PROMPT);
    assert!(version.contains("postern"), "{version}");
    // The tests boot a test image, and it says so: in show version and in the login banner.
    assert!(version.contains("Image: TEST (trusts the public test signing key"), "{version}");
    assert!(appliance.vm.serial_log().contains("Image: TEST"), "the console banner names the test image");
    appliance.console("enable", "postern#");
    appliance.console("configure terminal", "(config)#");
    appliance.console("username admin privilege administrator", "(config)#");
    appliance.console(&format!("username admin ssh-key {}", public.trim()), "(config)#");
    appliance.console(&format!("activesync backend http://10.0.2.2:{backend_port}"), "(config)#");
    let committed = appliance.console("commit", "(config)#");
    assert!(committed.to_lowercase().contains("commit"), "{committed}");
    appliance.console("end", "postern#");

    // `reload` reboots the appliance (qemu runs with -no-reboot, so it exits), and the
    // back-end change applies from the next boot.
    appliance.vm.send("reload\r").expect("console input");
    let stopped = appliance.vm.wait_exit(Duration::from_secs(60));
    assert!(stopped.is_some(), "the appliance did not reboot\n{}", appliance.vm.serial_log());
    let log = appliance.vm.serial_log();
    assert!(log.contains("data area unmounted"), "a clean reboot unmounts the data area\n{log}");
    drop(appliance);
    let mut appliance = Appliance::boot(&image, &disk);

    // SSH through the forwarded port, keys only.
    let shown = appliance.ssh(&key, "show version");
    assert!(shown.status.success() && text(&shown).contains("postern"), "{}", text(&shown));

    // The proxy: an allowed device reaches the back end, a blocked one never does.
    let (code, body) = appliance.activesync_when_up(ALICE);
    assert_eq!((code.as_str(), body.as_str()), ("200", "exchange-ok"));
    let (code, _) = appliance.activesync(BOB);
    assert_eq!(code, "403");
    assert_eq!(seen.load(Ordering::SeqCst), 1, "the back end saw only the allowed request");

    // Power cut, then boot again from the same disk.
    appliance.vm.kill();
    drop(appliance);
    let mut appliance = Appliance::boot(&image, &disk);
    let config = appliance.ssh(&key, "show running-config");
    assert!(text(&config).contains(&format!("activesync backend http://10.0.2.2:{backend_port}")), "{}", text(&config));
    let cache = appliance.ssh(&key, "show device-cache");
    let cache = text(&cache);
    assert!(cache.contains("ApplA1B2C3D4E5F6") && cache.contains("SEC1B0B0B0B0B0B0"), "{cache}");
    let (code, _) = appliance.activesync_when_up(ALICE);
    assert_eq!(code, "200");
    assert_eq!(seen.load(Ordering::SeqCst), 2);
    let shown = appliance.console("show version", PROMPT);
    assert!(shown.contains("postern"), "{shown}");
}
