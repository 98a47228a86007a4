//! A production image under qemu, built with a throwaway operator key and update CA (as
//! `cargo xtask test` does): it says it is a production image, each appliance makes its own
//! TLS identity, a certificate pasted on the console is served at once, and it installs a
//! bundle signed with the operator's key but refuses one signed with the public TEST key.
//!
//! Needs `POSTERN_IMAGE_DIR` (the production image) and `POSTERN_OPERATOR_DIR` (holding
//! `operator.key`, the signing seed, and `ca.pem`/`ca.key`, the update server's CA).

use postern_e2e::{UpdateServer, Vm, VmImage};
use postern_update_bundle::{BundleInfo, SigningKey, write_bundle};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const BOOT: Duration = Duration::from_secs(240);
const ACTIVESYNC: u16 = 443;

fn env_dir(name: &str) -> PathBuf {
    std::env::var_os(name).map(PathBuf::from).unwrap_or_else(|| panic!("{name} is not set: `cargo xtask test` sets it"))
}

fn sh(script: &str, dir: &Path) -> String {
    let out = Command::new("sh").args(["-ec", script]).current_dir(dir).output().expect("sh");
    assert!(out.status.success(), "{script}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct Console {
    vm: Vm,
}

impl Console {
    fn boot(image: &VmImage, disk: &Path) -> Self {
        let vm = Vm::boot(image, disk, 256, &[ACTIVESYNC], false).expect("qemu");
        let console = Self { vm };
        console.expect_after(0, "postern>", BOOT);
        console
    }

    fn expect_after(&self, mark: usize, needle: &str, timeout: Duration) -> String {
        self.vm
            .wait_for_after(mark, needle, timeout)
            .unwrap_or_else(|e| panic!("{e}\n--- serial console ---\n{}\n--- end ---", self.vm.serial_log()))
    }

    /// Types `line` (in privileged or configuration mode) and waits for the next prompt.
    fn run(&mut self, line: &str) -> String {
        let mark = self.vm.mark();
        self.vm.send(&format!("{line}\r")).expect("console");
        self.expect_after(mark, "#", Duration::from_secs(180))
    }

    /// Pastes `pem` after `command`, ending with `quit`, and waits for the next prompt.
    /// (qemu feeds the serial port only as fast as the guest takes bytes, so nothing is
    /// lost; the echo is not waited for line by line, as log lines may interleave it.)
    fn paste(&mut self, command: &str, pem: &str) -> String {
        let mark = self.vm.mark();
        let text: String = std::iter::once(command)
            .chain(pem.lines())
            .chain(std::iter::once("quit"))
            .map(|l| format!("{l}\r"))
            .collect();
        self.vm.send(&text).expect("console");
        self.expect_after(mark, "#", Duration::from_secs(180));
        self.vm.serial_log()[mark..].to_owned()
    }

    /// The SHA-256 fingerprint `show tls` prints.
    fn fingerprint(&mut self) -> String {
        let shown = self.run("show tls");
        shown
            .lines()
            .find_map(|l| l.trim().strip_prefix("SHA-256:"))
            .map(|f| f.trim().to_owned())
            .unwrap_or_else(|| panic!("{shown}"))
    }
}

/// The fingerprint of the certificate served on the forwarded ActiveSync port, once it
/// answers (else the appliance's recent log, to say why).
fn served(console: &mut Console) -> String {
    let port = console.vm.host_port(ACTIVESYNC).expect("forwarded");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let script = format!(
            "timeout 20 openssl s_client -connect 127.0.0.1:{port} </dev/null 2>/dev/null | openssl x509 -fingerprint -sha256 -noout || true"
        );
        let out = sh(&script, Path::new("."));
        if let Some((_, f)) = out.trim().split_once('=') {
            return f.to_owned();
        }
        if Instant::now() > deadline {
            let logs = console.run("show logging");
            let config = console.run("show running-config");
            panic!("nothing served on {port}\n{config}\n{logs}");
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A bundle of the image's own payloads at `version`, signed by `key`, in `dir/name.bundle`.
fn bundle(image_dir: &Path, dir: &Path, name: &str, version: u64, key: &SigningKey) {
    let payloads = ["vmlinuz", "rootfs.cpio.gz", "cmdline"].map(|p| (p, image_dir.join(p)));
    let refs: Vec<(&str, &Path)> = payloads.iter().map(|(n, p)| (*n, p.as_path())).collect();
    let t = now();
    let info = BundleInfo {
        version,
        version_string: format!("0.1.0-r{version}"),
        board: "qemu-x86_64".into(),
        created_unix: t - 60,
        expires_unix: t + 86_400,
    };
    let mut file = std::fs::File::create(dir.join(format!("{name}.bundle"))).expect("bundle file");
    write_bundle(&info, &refs, key, &mut file).expect("bundle");
}

#[test]
#[ignore = "needs a production image built with a throwaway key, and qemu: cargo xtask test runs it"]
fn a_production_image_has_its_own_identity_and_trusts_only_the_operators_key() {
    let image_dir = env_dir("POSTERN_IMAGE_DIR");
    let operator = env_dir("POSTERN_OPERATOR_DIR");
    let image = VmImage::from_dir(&image_dir).expect("production image");
    let manifest = std::fs::read_to_string(image_dir.join("manifest.json")).expect("manifest");
    assert!(
        manifest.contains("\"trust\": \"production\"") || manifest.contains("\"trust\":\"production\""),
        "{manifest}"
    );
    let dir = tempfile::tempdir().expect("dir");
    let www = dir.path().join("www");
    std::fs::create_dir_all(&www).expect("www");
    let release: u64 =
        serde_json::from_str::<serde_json::Value>(&manifest).expect("json")["release"].as_u64().expect("release");
    let operator_key = SigningKey::from_file(&operator.join("operator.key")).expect("operator key");
    let test_key =
        SigningKey::from_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../keys/TEST-ONLY-update-signing.key"))
            .expect("test key");
    bundle(&image_dir, &www, "operator", release + 1, &operator_key);
    bundle(&image_dir, &www, "test-signed", release + 1, &test_key);
    let server = UpdateServer::start(&www, &operator.join("ca"));

    // A second appliance first: its own identity, made on its first boot.
    let other_disk = dir.path().join("other.img");
    image.fresh_disk(&other_disk).expect("disk");
    let mut other = Console::boot(&image, &other_disk);
    other.run("enable");
    let other_fingerprint = other.fingerprint();
    drop(other);

    let disk = dir.path().join("disk.img");
    image.fresh_disk(&disk).expect("disk");
    let mut console = Console::boot(&image, &disk);
    console.run("enable");
    let version = console.run("show version");
    assert!(version.contains("Image: production") && !version.contains("TEST"), "{version}");
    let own = console.fingerprint();
    assert_ne!(own, other_fingerprint, "two appliances must not share a key");

    // Give it an address and a back end (both apply at commit), then reload: after the
    // reboot the proxy still serves the key this appliance made for itself.
    for line in [
        "configure terminal",
        "interface eth0",
        "ip address 10.0.2.15/24",
        "exit",
        "activesync backend http://10.0.2.2:9",
        "commit",
        "end",
    ] {
        let answer = console.run(line);
        assert!(!answer.lines().any(|l| l.starts_with('%')), "{line}: {answer}");
    }
    let mark = console.vm.mark();
    console.vm.send("reload\r").expect("console");
    console.expect_after(mark, "postern>", BOOT);
    console.run("enable");
    assert_eq!(served(&mut console), own, "the proxy serves the appliance's own identity");

    // A certificate pasted on the console is served at once.
    let pki = dir.path().join("pki");
    std::fs::create_dir_all(&pki).expect("pki");
    sh(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=gateway.example -keyout key.pem -out cert.pem 2>/dev/null",
        &pki,
    );
    let pasted_fingerprint = sh("openssl x509 -fingerprint -sha256 -noout -in cert.pem", &pki)
        .trim()
        .split_once('=')
        .expect("fp")
        .1
        .to_owned();
    console.run("configure terminal");
    let answer = console.paste("tls import certificate", &std::fs::read_to_string(pki.join("cert.pem")).expect("cert"));
    assert!(answer.contains("Certificate imported"), "{answer}");
    let answer = console.paste("tls import key", &std::fs::read_to_string(pki.join("key.pem")).expect("key"));
    assert!(answer.contains("Private key imported"), "{answer}");
    console.run("commit");
    console.run("end");
    assert_eq!(served(&mut console), pasted_fingerprint, "served without a reboot");

    // Updates: the TEST key is refused, the operator's key accepted.
    let url = |name: &str| format!("software install https://10.0.2.2:{}/{name}.bundle", server.port);
    let refused = console.run(&url("test-signed"));
    assert!(refused.contains("refused") && refused.contains("Nothing was changed"), "{refused}");
    let installed = console.run(&url("operator"));
    assert!(
        installed.contains(&format!("Installed 0.1.0-r{} ({}) into slot b", release + 1, release + 1)),
        "{installed}"
    );
}
