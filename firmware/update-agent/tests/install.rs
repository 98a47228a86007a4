//! The agent against a temporary appliance layout: a real bundle signed with the repository's
//! TEST key, installed from a file into the inactive slot; refusals change nothing.

use postern_boot_slots::{EntryState, Slot};
use postern_update_agent::{AgentPaths, Source, UpdateAgent, UpdateError};
use postern_update_bundle::{BundleInfo, SigningKey, write_bundle};
use std::path::{Path, PathBuf};

const BOARD: &str = include_str!("../../../board/qemu-x86_64.toml");
const NOW: u64 = 1_800_000_000;

struct Appliance {
    dir: tempfile::TempDir,
    paths: AgentPaths,
}

fn key() -> SigningKey {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../keys/TEST-ONLY-update-signing.key");
    SigningKey::from_file(&path).expect("test key")
}

fn appliance() -> Appliance {
    let dir = tempfile::tempdir().expect("dir");
    let root = dir.path();
    let esp = root.join("esp");
    for sub in ["loader/entries", "postern/a", "postern/b"] {
        std::fs::create_dir_all(esp.join(sub)).expect("esp dirs");
    }
    let esp_handle = postern_boot_slots::Esp::new(&esp);
    let factory = postern_boot_slots::SlotVersion { number: 10, string: "r10".into() };
    esp_handle.write_entry(Slot::A, &factory, "console=ttyS0", None).expect("slot a entry");
    esp_handle.write_version(Slot::A, &factory).expect("slot a version");
    std::fs::write(root.join("board.toml"), BOARD).expect("board");
    std::fs::write(root.join("release"), "10 r10\n").expect("release");
    std::fs::write(root.join("cmdline"), "console=ttyS0 postern.slot=a\n").expect("cmdline");
    std::fs::create_dir_all(root.join("keys")).expect("keys");
    std::fs::write(root.join("keys/test.pub"), key().public_key().to_text("test")).expect("pub");
    let paths = AgentPaths {
        esp,
        board_file: root.join("board.toml"),
        release_file: root.join("release"),
        keys_dir: root.join("keys"),
        state_dir: root.join("update"),
        cmdline_file: root.join("cmdline"),
        default_ca: root.join("no-ca.pem"),
    };
    Appliance { dir, paths }
}

/// Writes a bundle of `version` with small payloads; returns its path.
fn bundle(app: &Appliance, name: &str, version: u64, board: &str, key: &SigningKey) -> PathBuf {
    let root = app.dir.path();
    let payloads: Vec<(&str, PathBuf)> = ["vmlinuz", "rootfs.cpio.gz", "cmdline"]
        .iter()
        .map(|p| {
            let path = root.join(format!("{name}-{p}"));
            let body = if *p == "cmdline" { "console=ttyS0 quiet\n".to_owned() } else { format!("{p} of version {version}\n").repeat(5000) };
            std::fs::write(&path, body).expect("payload");
            (*p, path)
        })
        .collect();
    let info = BundleInfo { version, version_string: format!("r{version}"), board: board.into(), created_unix: NOW - 60, expires_unix: NOW + 86_400 };
    let out = root.join(format!("{name}.bundle"));
    let mut file = std::fs::File::create(&out).expect("bundle file");
    let refs: Vec<(&str, &Path)> = payloads.iter().map(|(n, p)| (*n, p.as_path())).collect();
    write_bundle(&info, &refs, key, &mut file).expect("write bundle");
    out
}

fn install(app: &Appliance, path: &Path) -> Result<postern_update_agent::Installed, UpdateError> {
    let agent = UpdateAgent::open(&app.paths).expect("agent");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let source = Source::parse(&path.display().to_string()).expect("source");
    runtime.block_on(agent.install(&source, None, NOW))
}

/// Everything under the ESP, names and contents, to prove a refusal changed nothing.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("list").flatten() {
            let p = e.path();
            if p.is_dir() { stack.push(p) } else { out.push((p.clone(), std::fs::read(&p).expect("read"))) }
        }
    }
    out.sort();
    out
}

#[test]
fn a_good_bundle_lands_in_the_inactive_slot_on_trial() {
    let app = appliance();
    let path = bundle(&app, "good", 11, "qemu-x86_64", &key());
    let installed = install(&app, &path).expect("install");
    assert_eq!((installed.slot, installed.version.number, installed.tries), (Slot::B, 11, 3));
    let esp = &app.paths.esp;
    assert_eq!(std::fs::read_to_string(esp.join("postern/b/cmdline")).expect("cmdline"), "console=ttyS0 quiet\n");
    assert!(std::fs::read_to_string(esp.join("postern/b/vmlinuz")).expect("kernel").starts_with("vmlinuz of version 11"));
    let entry = std::fs::read_to_string(esp.join("loader/entries/postern-b+3.conf")).expect("armed entry");
    assert!(entry.contains("options console=ttyS0 quiet postern.slot=b"), "{entry}");
    let status = UpdateAgent::open(&app.paths).expect("agent").status().expect("status");
    assert_eq!(status.slots[1].state, Some(EntryState::Pending { left: 3 }));
    assert_eq!(status.boots_next(), Some(Slot::B));
    assert_eq!(status.highest, 11);
    // The same version again is not newer than the highest ever installed.
    let again = install(&app, &path).expect_err("reinstall");
    assert!(again.to_string().contains("not newer"), "{again}");
}

#[test]
fn refusals_name_the_reason_and_change_nothing() {
    let app = appliance();
    let other = SigningKey::from_seed(&[7u8; 32]);
    let good = bundle(&app, "good", 11, "qemu-x86_64", &key());
    let mut tampered = std::fs::read(&good).expect("bundle");
    let last = tampered.len() - 10;
    tampered[last] ^= 1;
    let tampered_path = app.dir.path().join("tampered.bundle");
    std::fs::write(&tampered_path, &tampered).expect("write");
    let truncated_path = app.dir.path().join("truncated.bundle");
    std::fs::write(&truncated_path, &tampered[..tampered.len() / 2]).expect("write");
    let cases = [
        (tampered_path, "sha256"),
        (truncated_path, ""),
        (bundle(&app, "wrongkey", 11, "qemu-x86_64", &other), "key"),
        (bundle(&app, "board", 11, "arm-box", &key()), "board"),
        (bundle(&app, "old", 9, "qemu-x86_64", &key()), "not newer"),
    ];
    let before = snapshot(&app.paths.esp);
    for (path, reason) in &cases {
        let e = install(&app, path).expect_err("refused");
        assert!(e.to_string().to_lowercase().contains(reason), "{}: {e}", path.display());
        assert_eq!(snapshot(&app.paths.esp), before, "{} changed the slots", path.display());
    }
    let status = UpdateAgent::open(&app.paths).expect("agent").status().expect("status");
    assert!(status.last_install.as_deref().is_some_and(|l| l.starts_with("refused")), "{:?}", status.last_install);
    assert_eq!(status.highest, 10);
}

#[test]
fn rollback_makes_the_other_slot_boot_next() {
    let app = appliance();
    install(&app, &bundle(&app, "good", 11, "qemu-x86_64", &key())).expect("install");
    // As if booted into b and found good, then rolled back by hand.
    std::fs::write(app.dir.path().join("cmdline"), "postern.slot=b\n").expect("cmdline");
    std::fs::write(app.dir.path().join("release"), "11 r11\n").expect("release");
    let agent = UpdateAgent::open(&app.paths).expect("agent");
    assert_eq!(agent.rollback().expect("rollback"), Slot::A);
    let status = agent.status().expect("status");
    assert_eq!(status.boots_next(), Some(Slot::A));
    assert_eq!(status.slots[1].state, Some(EntryState::Bad));
}
