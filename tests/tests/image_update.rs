//! Signed A/B updates of the appliance under qemu: refusals that change nothing, a power cut
//! in the middle of writing, a good update that reboots into the new version and is marked
//! good, a rollback by hand, and a new version failing its health check that is rolled
//! back by itself after its tries.
//!
//! Needs a built image (see `image_boot.rs`); `cargo xtask test` runs it.

use postern_e2e::{UpdateServer, Vm, VmImage};
use postern_update_bundle::{BundleInfo, SigningKey, write_bundle};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const PROMPT: &str = "postern#";
const BOOT: Duration = Duration::from_secs(240);
const DAY: u64 = 86_400;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn image_dir() -> PathBuf {
    std::env::var_os("POSTERN_IMAGE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/image/qemu-x86_64"))
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn sh(script: &str, dir: &Path) {
    let status = Command::new("sh").args(["-ec", script]).current_dir(dir).status().expect("sh");
    assert!(status.success(), "{script}");
}

/// The image's rootfs with files replaced by a second cpio archive appended (the kernel
/// unpacks both; later entries win), e.g. a newer `etc/postern/release`.
fn rootfs_with(dir: &Path, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let overlay = dir.join(format!("{name}-overlay"));
    for (path, text) in files {
        let at = overlay.join(path);
        std::fs::create_dir_all(at.parent().expect("parent")).expect("overlay dir");
        std::fs::write(&at, text).expect("overlay file");
    }
    let archive = dir.join(format!("{name}-overlay.cpio.gz"));
    sh(
        &format!(
            "find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -n > {}",
            archive.display()
        ),
        &overlay,
    );
    let mut rootfs = std::fs::read(image_dir().join("rootfs.cpio.gz")).expect("rootfs");
    rootfs.extend(std::fs::read(&archive).expect("overlay"));
    let out = dir.join(format!("{name}-rootfs.cpio.gz"));
    std::fs::write(&out, rootfs).expect("rootfs");
    out
}

struct Bundles {
    dir: PathBuf,
    release: u64,
}

impl Bundles {
    fn make(&self, name: &str, version: u64, rootfs: &Path, key: &SigningKey, created: u64, expires: u64) -> Vec<u8> {
        let image = image_dir();
        let payloads = [
            ("vmlinuz", image.join("vmlinuz")),
            ("rootfs.cpio.gz", rootfs.to_owned()),
            ("cmdline", image.join("cmdline")),
        ];
        let refs: Vec<(&str, &Path)> = payloads.iter().map(|(n, p)| (*n, p.as_path())).collect();
        let info = BundleInfo {
            version,
            version_string: format!("0.1.0-r{version}"),
            board: "qemu-x86_64".into(),
            created_unix: created,
            expires_unix: expires,
        };
        let mut bytes = Vec::new();
        write_bundle(&info, &refs, key, &mut bytes).expect("bundle");
        std::fs::write(self.dir.join(format!("{name}.bundle")), &bytes).expect("write bundle");
        bytes
    }
}

fn release_of_image() -> u64 {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(image_dir().join("manifest.json")).expect("manifest"))
            .expect("json");
    manifest["release"].as_u64().expect("release number")
}

/// A TCP relay to `to` that passes `limit` bytes back to the client, then holds the
/// connection open and silent: a download that stalls in the middle. The flag turns true
/// once the limit was passed on.
fn stalling_relay(to: u16, limit: usize) -> (u16, Arc<AtomicBool>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("relay");
    let port = listener.local_addr().expect("addr").port();
    let reached = Arc::new(AtomicBool::new(false));
    let flag = reached.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(("127.0.0.1", to)) else { continue };
            let (mut c_in, mut s_out) = (client.try_clone().expect("clone"), server.try_clone().expect("clone"));
            let gone = Arc::new(AtomicBool::new(false));
            let client_gone = gone.clone();
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut c_in, &mut s_out);
                client_gone.store(true, Ordering::SeqCst);
            });
            let (mut s_in, mut c_out) = (server, client);
            let flag = flag.clone();
            std::thread::spawn(move || {
                let mut sent = 0;
                let mut buf = [0u8; 16384];
                while sent < limit {
                    let Ok(n) = s_in.read(&mut buf) else { break };
                    if n == 0 {
                        break;
                    }
                    let n = n.min(limit - sent);
                    if c_out.write_all(&buf[..n]).is_err() {
                        break;
                    }
                    sent += n;
                }
                flag.store(sent >= limit, Ordering::SeqCst);
                // Silent until the client goes away; then both sockets close, which frees
                // the (one-connection-at-a-time) server.
                while !gone.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(100));
                }
            });
        }
    });
    (port, reached)
}

struct Console {
    vm: Vm,
}

impl Console {
    fn boot(image: &VmImage, disk: &Path) -> Self {
        let vm = Vm::boot(image, disk, 256, &[], false).expect("qemu");
        let console = Self { vm };
        console.expect_after(0, "postern>", BOOT);
        console
    }

    fn expect_after(&self, mark: usize, needle: &str, timeout: Duration) -> String {
        self.vm
            .wait_for_after(mark, needle, timeout)
            .unwrap_or_else(|e| panic!("{e}\n--- serial console ---\n{}\n--- end ---", self.vm.serial_log()))
    }

    fn run(&mut self, line: &str) -> String {
        let mark = self.vm.mark();
        self.vm.send(&format!("{line}\r")).expect("console");
        self.expect_after(mark, PROMPT, Duration::from_secs(180))
    }

    /// After a reboot: the new boot's prompt, then privileged mode.
    fn next_boot(&mut self, mark: usize) -> String {
        let text = self.expect_after(mark, "postern>", BOOT);
        self.run("enable");
        text
    }
}

#[test]
#[ignore = "needs a built image and qemu: cargo xtask test runs it"]
fn updates_install_verified_boot_on_trial_and_roll_back() {
    let image = VmImage::from_dir(&image_dir()).expect("image: run `cargo xtask image --test-keys` first");
    let dir = tempfile::tempdir().expect("dir");
    let served = dir.path().join("www");
    std::fs::create_dir_all(&served).expect("www");
    let n = release_of_image();
    let bundles = Bundles { dir: served.clone(), release: n };
    let key = SigningKey::from_file(&workspace().join("keys/TEST-ONLY-update-signing.key")).expect("test key");
    let t = now();
    let newer = rootfs_with(dir.path(), "newer", &[("etc/postern/release", &format!("{} 0.1.0-r{}\n", n + 1, n + 1))]);
    let args = std::fs::read_to_string(workspace().join("rootfs/etc/postern/posternd.args")).expect("args");
    let broken = rootfs_with(
        dir.path(),
        "broken",
        &[
            ("etc/postern/release", &format!("{} 0.1.0-r{}\n", n + 2, n + 2)),
            ("etc/postern/posternd.args", &format!("{args}--no-such-option\n")),
        ],
    );
    let good = bundles.make("good", n + 1, &newer, &key, t - 60, t + DAY);
    let other = bundles.make("broken", bundles.release + 2, &broken, &key, t - 60, t + DAY);
    bundles.make("wrong-key", n + 1, &newer, &SigningKey::from_seed(&[9u8; 32]), t - 60, t + DAY);
    bundles.make("expired", n + 1, &newer, &key, t - 10 * DAY, t - DAY);
    bundles.make("downgrade", n, &newer, &key, t - 60, t + DAY);
    let mut tampered = good.clone();
    let at = tampered.len() - 100;
    tampered[at] ^= 0x40;
    std::fs::write(served.join("tampered.bundle"), &tampered).expect("tampered");
    std::fs::write(served.join("truncated.bundle"), &good[..good.len() / 2]).expect("truncated");
    // The manifest (and signature) of one version with the payloads of another.
    let header_len = 8 + 4 + u32::from_le_bytes([good[8], good[9], good[10], good[11]]) as usize + 64;
    let other_header = 8 + 4 + u32::from_le_bytes([other[8], other[9], other[10], other[11]]) as usize + 64;
    let mut mixed = good[..header_len].to_vec();
    mixed.extend_from_slice(&other[other_header..]);
    std::fs::write(served.join("mixed.bundle"), &mixed).expect("mixed");
    let server = UpdateServer::start(&served, &workspace().join("keys/TEST-ONLY-update-server-ca"));
    let url = |name: &str| format!("software install https://10.0.2.2:{}/{name}.bundle", server.port);

    // Refusals: each names its reason and changes nothing.
    let disk = dir.path().join("disk.img");
    image.fresh_disk(&disk).expect("disk");
    let mut console = Console::boot(&image, &disk);
    console.run("enable");
    let before = console.run("show software");
    assert!(before.contains("good, running, boots next"), "{before}");
    assert!(before.contains("Image: TEST"), "a test image says so: {before}");
    assert!(before.contains("Boot partition: mounted read-only, written only by the install helper"), "{before}");
    for (name, reason) in [
        ("tampered", "sha256"),
        ("wrong-key", "not a trusted key"),
        // The helper knows the staged file's length, so this is refused before any hash.
        ("mixed", "the manifest describes a bundle of"),
        ("downgrade", "not newer"),
        ("expired", "expired"),
        ("truncated", "truncated"),
    ] {
        let answer = console.run(&url(name));
        assert!(answer.contains("refused") && answer.to_lowercase().contains(reason), "{name}: {answer}");
        assert!(answer.contains("Nothing was changed"), "{name}: {answer}");
        let after = console.run("show software");
        assert!(after.contains("empty (no boot entry)"), "{name} left slot b changed: {after}");
    }

    // A power cut in the middle of writing: the old system boots, slot b stays empty.
    // (The console shows a command's output when it ends: the relay says when the
    // download is a third in, that is, well inside the root file system's payload.)
    let (relay, reached) = stalling_relay(server.port, good.len() / 3);
    console.vm.send(&format!("software install https://10.0.2.2:{relay}/good.bundle\r")).expect("console");
    let deadline = Instant::now() + Duration::from_secs(180);
    while !reached.load(Ordering::SeqCst) {
        assert!(Instant::now() < deadline, "the download never got a third in\n{}", console.vm.serial_log());
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(2));
    console.vm.kill();
    drop(console);
    let mut console = Console::boot(&image, &disk);
    console.run("enable");
    let after_cut = console.run("show software");
    assert!(
        after_cut.contains("good, running, boots next") && after_cut.contains("empty (no boot entry)"),
        "{after_cut}"
    );

    // A good update: installed, rebooted into, marked good.
    let started = Instant::now();
    let installed = console.run(&url("good"));
    assert!(installed.contains(&format!("Installed 0.1.0-r{} ({}) into slot b", n + 1, n + 1)), "{installed}");
    let pending = console.run("show software");
    assert!(pending.contains("pending: on trial, 3 boot(s) left, boots next"), "{pending}");
    let mark = console.vm.mark();
    console.vm.send("reload\r").expect("console");
    console.expect_after(mark, "slot passed its health check: marked good", BOOT);
    console.next_boot(mark);
    eprintln!("update cycle (install, reboot, health check) took {:.1} s", started.elapsed().as_secs_f64());
    let updated = console.run("show software");
    assert!(updated.contains(&format!("Running 0.1.0-r{} ({})", n + 1, n + 1)), "{updated}");
    assert!(updated.contains("good, running, boots next"), "{updated}");

    // Rollback by hand.
    let rolled = console.run("software rollback");
    assert!(rolled.contains("Slot a boots from the next"), "{rolled}");
    let mark = console.vm.mark();
    console.vm.send("reload\r").expect("console");
    console.next_boot(mark);
    let back = console.run("show software");
    assert!(back.contains(&format!("Running 0.1.0-r{n} ({n})")), "{back}");

    // A new version that fails its health check comes back to the previous one by itself.
    let installed = console.run(&url("broken"));
    assert!(installed.contains("into slot b"), "{installed}");
    let mut mark = console.vm.mark();
    console.vm.send("reload\r").expect("console");
    for _ in 0..3 {
        mark += console.expect_after(mark, "failed its health check", BOOT).len();
    }
    let after = console.next_boot(mark);
    assert!(!after.contains("failed its health check"), "a fourth failed boot: {after}");
    let recovered = console.run("show software");
    assert!(recovered.contains(&format!("Running 0.1.0-r{n} ({n})")), "{recovered}");
    assert!(recovered.contains("bad: failed its tries"), "{recovered}");
}
