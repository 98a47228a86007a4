//! The real helper binary, as root, over a real read-only mount: the daemon's side of the
//! update agent installs through it; the mount is writable only during the write; tampered
//! bundles, strangers and malformed requests are refused and change nothing.

use nix::mount::{MsFlags, mount, umount};
use postern_boot_slots::{Esp, Slot, SlotVersion};
use postern_update_agent::{AgentPaths, Source, UpdateAgent};
use postern_update_bundle::{BundleInfo, SigningKey, write_bundle};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

const BOARD: &str = include_str!("../../../board/qemu-x86_64.toml");

/// A temporary appliance: a tmpfs "boot partition" mounted read-only, the image's files,
/// and the helper serving them.
struct Appliance {
    dir: tempfile::TempDir,
    helper: Child,
}

impl Appliance {
    fn start() -> Self {
        assert!(nix::unistd::Uid::effective().is_root(), "these tests mount a file system: run them as root");
        let dir = tempfile::tempdir().expect("dir");
        let root = dir.path();
        let esp = root.join("esp");
        std::fs::create_dir_all(&esp).expect("esp dir");
        mount(
            Some("tmpfs"),
            &esp,
            Some("tmpfs"),
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
            Some("size=16m"),
        )
        .expect("mount tmpfs");
        for sub in ["loader/entries", "postern/a", "postern/b"] {
            std::fs::create_dir_all(esp.join(sub)).expect("esp dirs");
        }
        let handle = Esp::new(&esp);
        let factory = SlotVersion { number: 10, string: "r10".into() };
        handle.write_entry(Slot::A, &factory, "console=ttyS0", None).expect("slot a entry");
        handle.write_version(Slot::A, &factory).expect("slot a version");
        let flags =
            MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
        mount(None::<&str>, &esp, None::<&str>, flags, None::<&str>).expect("read-only");
        let image = root.join("image");
        for (path, text) in [
            ("etc/postern/board.toml", BOARD.to_owned()),
            ("etc/postern/release", "10 r10\n".to_owned()),
            ("etc/postern/update-keys/operator.pub", key().public_key().to_text("operator")),
            ("etc/postern/image.toml", "trust = \"production\"\n".to_owned()),
            ("proc/cmdline", "console=ttyS0 postern.slot=a\n".to_owned()),
        ] {
            let path = image.join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
            std::fs::write(path, text).expect("image file");
        }
        let helper = Command::new(env!("CARGO_BIN_EXE_postern-install-helper"))
            .args(["--socket", &root.join("run/install.sock").display().to_string()])
            .args(["--esp", &esp.display().to_string()])
            .args(["--state-dir", &root.join("state").display().to_string()])
            .args(["--floor-dir", &root.join("floor").display().to_string()])
            .args(["--user", "nobody", "--image-root", &image.display().to_string()])
            .args(["--lock", &root.join("esp.lock").display().to_string()])
            .spawn()
            .expect("start the helper");
        let app = Self { dir, helper };
        let socket = app.socket();
        assert!(runtime().block_on(postern_test_wait::eventually(|| socket.exists())), "the helper listens");
        app
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn esp(&self) -> PathBuf {
        self.root().join("esp")
    }

    fn socket(&self) -> PathBuf {
        self.root().join("run/install.sock")
    }

    /// The daemon's view: the image's files, the helper to write through.
    fn agent(&self) -> UpdateAgent {
        let image = self.root().join("image");
        let paths = AgentPaths {
            esp: self.esp(),
            board_file: image.join("etc/postern/board.toml"),
            release_file: image.join("etc/postern/release"),
            keys_dir: image.join("etc/postern/update-keys"),
            state_dir: self.root().join("state"),
            floor_dir: self.root().join("floor"),
            cmdline_file: image.join("proc/cmdline"),
            default_ca: image.join("none.pem"),
            image_file: image.join("etc/postern/image.toml"),
            install_helper: Some(self.socket()),
        };
        UpdateAgent::open(&paths).expect("agent")
    }

    fn install(&self, bundle: &Path) -> Result<postern_update_agent::Installed, postern_update_agent::UpdateError> {
        let source = Source::parse(&bundle.display().to_string()).expect("source");
        runtime().block_on(self.agent().install(&source, None, now()))
    }

    /// Whether the partition is mounted read-only now (from the kernel's mount table).
    fn esp_read_only(&self) -> bool {
        let esp = self.esp().display().to_string();
        let table = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
        let line = table.lines().find(|l| l.split(' ').nth(4) == Some(esp.as_str())).expect("the esp is mounted");
        line.split(' ').nth(5).is_some_and(|options| options.split(',').any(|o| o == "ro"))
    }
}

impl Drop for Appliance {
    fn drop(&mut self) {
        let _ = self.helper.kill();
        let _ = self.helper.wait();
        let _ = umount(&self.esp());
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs()
}

fn key() -> SigningKey {
    SigningKey::from_seed(&[0x5e; 32])
}

fn bundle(app: &Appliance, name: &str, version: u64, signer: &SigningKey) -> PathBuf {
    let dir = app.root().join("bundles");
    std::fs::create_dir_all(&dir).expect("dir");
    let payloads: Vec<(&str, PathBuf)> = ["vmlinuz", "rootfs.cpio.gz", "cmdline"]
        .iter()
        .map(|p| {
            let path = dir.join(format!("{name}-{p}"));
            let body =
                if *p == "cmdline" { "console=ttyS0\n".to_owned() } else { format!("{p} {version}\n").repeat(2000) };
            std::fs::write(&path, body).expect("payload");
            (*p, path)
        })
        .collect();
    let now = now();
    let info = BundleInfo {
        version,
        version_string: format!("r{version}"),
        board: "qemu-x86_64".into(),
        created_unix: now - 60,
        expires_unix: now + 86_400,
    };
    let out = dir.join(format!("{name}.bundle"));
    let refs: Vec<(&str, &Path)> = payloads.iter().map(|(n, p)| (*n, p.as_path())).collect();
    write_bundle(&info, &refs, signer, &mut std::fs::File::create(&out).expect("bundle")).expect("write bundle");
    out
}

/// Sends `line` as uid/gid `ids` (a separate process) and returns the answer, or the error
/// of connecting.
fn ask_as(socket: &Path, ids: (u32, u32), line: &str) -> String {
    let script = format!(
        "import os,socket\nos.setgroups([])\nos.setgid({gid})\nos.setuid({uid})\ns=socket.socket(socket.AF_UNIX)\ntry:\n  s.connect({path:?})\nexcept OSError as e:\n  print('connect:', e.strerror); raise SystemExit\ns.sendall({line:?}.encode())\nprint(s.recv(4096).decode())",
        uid = ids.0,
        gid = ids.1,
        path = socket.display().to_string(),
    );
    let out = Command::new("python3").args(["-c", &script]).output().expect("python3");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

fn nobody() -> (u32, u32) {
    let user = nix::unistd::User::from_name("nobody").expect("lookup").expect("nobody");
    (user.uid.as_raw(), user.gid.as_raw())
}

#[test]
fn the_daemon_installs_through_the_helper_and_the_partition_is_read_only_around_it() {
    let app = Appliance::start();
    assert!(app.esp_read_only(), "read-only before");
    let err = std::fs::write(app.esp().join("postern-b-planted"), "x")
        .expect_err("even root cannot write it outside the window");
    assert_eq!(err.raw_os_error(), Some(nix::libc::EROFS), "{err}");

    let installed = app.install(&bundle(&app, "good", 11, &key())).expect("installed through the helper");
    assert_eq!((installed.slot, installed.version.number, installed.tries), (Slot::B, 11, 3));
    let entry = std::fs::read_to_string(app.esp().join("loader/entries/postern-b+3.conf")).expect("armed entry");
    assert!(entry.contains("postern.slot=b"), "{entry}");
    assert!(app.esp_read_only(), "read-only again after the write");
    let status = app.agent().status().expect("status").to_string();
    assert!(status.contains("Boot partition: mounted read-only, written only by the install helper"), "{status}");

    let slot = app.agent().rollback().expect("rollback through the helper");
    assert_eq!(slot, Slot::B);
    assert!(app.esp_read_only(), "read-only after the rollback");
}

#[test]
fn the_helper_verifies_again_and_a_refusal_changes_nothing() {
    let app = Appliance::start();
    let test_key =
        SigningKey::from_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../keys/TEST-ONLY-update-signing.key"))
            .expect("test key");
    let good = bundle(&app, "good", 11, &key());
    let mut tampered = std::fs::read(&good).expect("read");
    let at = tampered.len() - 10;
    tampered[at] ^= 1;
    let tampered_path = app.root().join("bundles/tampered.bundle");
    std::fs::write(&tampered_path, tampered).expect("write");
    let test_signed = bundle(&app, "test-signed", 11, &test_key);
    let below_floor = bundle(&app, "below-floor", 15, &key());
    for (path, reason) in [(tampered_path, "sha256"), (test_signed, "key"), (below_floor, "anti-rollback")] {
        if reason == "anti-rollback" {
            // The floor init keeps (in root's directory) is what the helper checks against.
            postern_boot_slots::RollbackFloor::new(app.root().join("floor")).raise(20).expect("floor");
        }
        let err = app.install(&path).expect_err("refused");
        assert!(err.to_string().contains("refused") && err.to_string().to_lowercase().contains(reason), "{err}");
        assert!(!app.esp().join("loader/entries/postern-b+3.conf").exists(), "no entry armed");
        assert!(
            !app.esp().join("postern/b").exists()
                || std::fs::read_dir(app.esp().join("postern/b")).expect("dir").next().is_none(),
            "slot b stays empty"
        );
        assert!(app.esp_read_only(), "read-only after a refusal");
    }
}

#[test]
fn strangers_and_malformed_requests_are_refused() {
    let app = Appliance::start();
    let (_, nogroup) = nobody();
    let outsider = ask_as(&app.socket(), (65533, 65533), "rollback\n");
    assert!(
        outsider.contains("connect: Permission denied"),
        "a user outside the daemon's group cannot reach it: {outsider}"
    );
    let in_group = ask_as(&app.socket(), (65533, nogroup), "rollback\n");
    assert!(in_group.starts_with("error refused: uid 65533"), "only the daemon's user may ask: {in_group}");
    let daemon = ask_as(&app.socket(), nobody(), "install\n");
    assert!(daemon.starts_with("error refused: an install carries exactly one open bundle"), "{daemon}");

    let mut stream = UnixStream::connect(app.socket()).expect("connect as root");
    stream.write_all(b"format /boot\n").expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    assert!(answer.starts_with("error refused: unknown request"), "{answer}");
    assert!(app.esp_read_only());
    assert!(!app.esp().join("loader/entries/postern-b+3.conf").exists());
}
