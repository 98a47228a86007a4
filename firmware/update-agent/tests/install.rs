//! The agent against a temporary appliance layout: real bundles signed with the repository's
//! TEST key or a throwaway operator key, installed from a file into the inactive slot;
//! refusals change nothing; a production image refuses the TEST key; the anti-rollback floor
//! follows only what booted good.

use postern_boot_slots::{EntryState, Esp, Slot};
use postern_update_agent::{AgentPaths, Source, UpdateAgent, UpdateError};
use postern_update_bundle::{BundleInfo, ImageTrust, MAX_VERSION_JUMP, SigningKey, write_bundle};
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

/// A throwaway operator key pair, as `cargo xtask sign --new-key` makes (fixed seed here).
fn operator_key() -> SigningKey {
    SigningKey::from_seed(&[0x5e; 32])
}

/// A test image that trusts the TEST key, running version 10 from slot a.
fn appliance() -> Appliance {
    appliance_with(Some(ImageTrust::Test), &[&key()])
}

/// An image with this image file (none if `None`) trusting these keys' public halves,
/// running version 10 from slot a (good).
fn appliance_with(trust: Option<ImageTrust>, trusted: &[&SigningKey]) -> Appliance {
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
    for (n, signer) in trusted.iter().enumerate() {
        std::fs::write(root.join(format!("keys/key{n}.pub")), signer.public_key().to_text("trusted")).expect("pub");
    }
    if let Some(trust) = trust {
        std::fs::write(root.join("image.toml"), format!("trust = \"{trust}\"\n")).expect("image file");
    }
    let paths = AgentPaths {
        esp,
        board_file: root.join("board.toml"),
        release_file: root.join("release"),
        keys_dir: root.join("keys"),
        state_dir: root.join("update"),
        floor_dir: root.join("update"),
        cmdline_file: root.join("cmdline"),
        default_ca: root.join("no-ca.pem"),
        image_file: root.join("image.toml"),
        install_helper: None,
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
            let body = if *p == "cmdline" {
                "console=ttyS0 quiet\n".to_owned()
            } else {
                format!("{p} of version {version}\n").repeat(5000)
            };
            std::fs::write(&path, body).expect("payload");
            (*p, path)
        })
        .collect();
    let info = BundleInfo {
        version,
        version_string: format!("r{version}"),
        board: board.into(),
        created_unix: NOW - 60,
        expires_unix: NOW + 86_400,
    };
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
    assert!(
        std::fs::read_to_string(esp.join("postern/b/vmlinuz")).expect("kernel").starts_with("vmlinuz of version 11")
    );
    let entry = std::fs::read_to_string(esp.join("loader/entries/postern-b+3.conf")).expect("armed entry");
    assert!(entry.contains("options console=ttyS0 quiet postern.slot=b"), "{entry}");
    let status = UpdateAgent::open(&app.paths).expect("agent").status().expect("status");
    assert_eq!(status.slots[1].state, Some(EntryState::Pending { left: 3 }));
    assert_eq!(status.boots_next(), Some(Slot::B));
    assert_eq!(status.floor, Some(10), "the floor waits for the new system to boot good");
    assert_eq!(status.trust, ImageTrust::Test);
    assert!(status.to_string().starts_with("Image: TEST"), "{status}");
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
    assert_eq!(status.floor, Some(10));
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

/// Marks a slot's entry as the boot loader and init would: good after its health check, or
/// bad after its tries ran out.
fn assess(app: &Appliance, slot: Slot, good: bool) {
    let esp = Esp::new(&app.paths.esp);
    if good {
        esp.mark_good(slot).expect("mark good");
    } else {
        esp.mark_bad(slot).expect("mark bad");
    }
}

/// As if the appliance rebooted into `slot` running `version`.
fn boot_into(app: &Appliance, slot: Slot, version: u64) {
    std::fs::write(app.dir.path().join("cmdline"), format!("postern.slot={slot}\n")).expect("cmdline");
    std::fs::write(app.dir.path().join("release"), format!("{version} r{version}\n")).expect("release");
}

#[test]
fn a_production_image_refuses_the_test_key_even_when_it_trusts_its_public_half() {
    let app = appliance_with(Some(ImageTrust::Production), &[&key(), &operator_key()]);
    let before = snapshot(&app.paths.esp);
    let e = install(&app, &bundle(&app, "test-signed", 11, "qemu-x86_64", &key())).expect_err("refused");
    let text = e.to_string();
    assert!(text.contains("public TEST key 6a16a8e7f7557c6b") && text.contains("production image"), "{text}");
    assert_eq!(snapshot(&app.paths.esp), before, "the refusal changed the slots");
    let installed =
        install(&app, &bundle(&app, "operator", 11, "qemu-x86_64", &operator_key())).expect("operator key accepted");
    assert_eq!((installed.slot, installed.version.number), (Slot::B, 11));
    let status = UpdateAgent::open(&app.paths).expect("agent").status().expect("status");
    assert!(status.to_string().starts_with("Image: production\n"), "{status}");
}

#[test]
fn an_image_without_an_image_file_is_production() {
    let app = appliance_with(None, &[&key()]);
    assert_eq!(UpdateAgent::open(&app.paths).expect("agent").trust(), ImageTrust::Production);
    let e = install(&app, &bundle(&app, "test-signed", 11, "qemu-x86_64", &key())).expect_err("refused");
    assert!(e.to_string().contains("public TEST key"), "{e}");
}

#[test]
fn a_test_image_accepts_the_test_key() {
    let app = appliance_with(Some(ImageTrust::Test), &[&key()]);
    let installed = install(&app, &bundle(&app, "test-signed", 11, "qemu-x86_64", &key())).expect("accepted");
    assert_eq!(installed.version.number, 11);
}

#[test]
fn a_version_absurdly_far_ahead_is_refused_and_leaves_the_floor() {
    let app = appliance();
    let before = snapshot(&app.paths.esp);
    let e = install(&app, &bundle(&app, "max", u64::MAX, "qemu-x86_64", &key())).expect_err("refused");
    let text = e.to_string();
    assert!(
        text.contains(&format!(
            "bundle version {} is more than {MAX_VERSION_JUMP} ahead of the running version 10",
            u64::MAX
        )),
        "{text}"
    );
    assert_eq!(snapshot(&app.paths.esp), before);
    let status = UpdateAgent::open(&app.paths).expect("agent").status().expect("status");
    assert_eq!(status.floor, Some(10));
    install(&app, &bundle(&app, "next", 11, "qemu-x86_64", &key())).expect("the next version is accepted");
}

#[test]
fn the_floor_rises_only_to_a_version_that_booted_good() {
    let app = appliance();
    // The largest step allowed is installed, but never passes its health check: the boot
    // loader gives up on it and slot a runs again. A genuine next version still installs.
    let far = 10 + MAX_VERSION_JUMP;
    install(&app, &bundle(&app, "far", far, "qemu-x86_64", &key())).expect("within the jump");
    boot_into(&app, Slot::B, far);
    let on_trial = UpdateAgent::open(&app.paths).expect("agent");
    assert!(!on_trial.note_proven().expect("check"), "a slot on trial is not proven");
    assert_eq!(on_trial.status().expect("status").floor, Some(10));
    assess(&app, Slot::B, false);
    boot_into(&app, Slot::A, 10);
    let installed = install(&app, &bundle(&app, "genuine", 11, "qemu-x86_64", &key())).expect("genuine update");
    assert_eq!(installed.slot, Slot::B);

    // This one boots and is marked good: the floor follows it, and no more.
    boot_into(&app, Slot::B, 11);
    let agent = UpdateAgent::open(&app.paths).expect("agent");
    assert_eq!(agent.status().expect("status").floor, Some(10));
    assess(&app, Slot::B, true);
    assert!(agent.note_proven().expect("proven"));
    assert_eq!(agent.status().expect("status").floor, Some(11));

    // After a rollback by hand to slot a (version 10), version 11 is refused (anti-rollback).
    agent.rollback().expect("rollback");
    boot_into(&app, Slot::A, 10);
    let e = install(&app, &bundle(&app, "again", 11, "qemu-x86_64", &key())).expect_err("anti-rollback");
    assert!(e.to_string().contains("not newer than 11, the highest version that ever ran here"), "{e}");
    install(&app, &bundle(&app, "twelve", 12, "qemu-x86_64", &key())).expect("newer than the floor");
}
