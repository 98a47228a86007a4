//! The factory disk image a board boots: a GPT with the EFI system partition (systemd-boot,
//! slot A holding this image, slot B empty) and the data partition, left blank for the
//! appliance to format on first boot. Built with mtools and sfdisk, without root, with
//! fixed identifiers and times so that it is as reproducible as the rest.

use super::debs::Debs;
use crate::shell::{Result, StepError, exec};
use postern_board::Board;
use postern_boot_slots::{Slot, SlotVersion, entry_text};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const MIB: u64 = 1 << 20;
/// GPT type of an EFI system partition and of Linux data.
const ESP_TYPE: &str = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
const LINUX_TYPE: &str = "0FC63DAF-8483-4772-8E79-3D69D8477DE4";
/// Fixed identifiers: a factory image is the same wherever it is built.
const DISK_GUID: &str = "5A0E1C8A-1D3B-4C5E-9F70-706F73746572";
const ESP_GUID: &str = "5A0E1C8A-1D3B-4C5E-9F70-000000000001";
const DATA_GUID: &str = "5A0E1C8A-1D3B-4C5E-9F70-000000000002";
const ESP_SERIAL: &str = "50535452";
/// Where systemd-boot's EFI program lies in its unpacked package.
pub(crate) const LOADER_EFI: &str = "usr/lib/systemd/boot/efi/systemd-bootx64.efi";

/// What goes into slot A.
pub(crate) struct SlotContents<'a> {
    /// The image directory holding `vmlinuz`, `rootfs.cpio.gz` and `cmdline`.
    pub(crate) image: &'a Path,
    /// The system's version.
    pub(crate) version: &'a SlotVersion,
}

/// Writes `out/disk.img`.
pub(crate) fn build(board: &Board, slot_a: &SlotContents<'_>, debs: &Debs, out: &Path, epoch: u64) -> Result<PathBuf> {
    let b = &board.boot;
    let loader = debs.unpacked(&b.loader_package, &b.loader_version, &b.loader_deb_sha256)?.join(LOADER_EFI);
    let esp = out.join("esp.img");
    let scratch = out.join("esp-files");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).map_err(|e| StepError(format!("creating {}: {e}", scratch.display())))?;
    let cmdline = std::fs::read_to_string(slot_a.image.join("cmdline"))
        .map_err(|e| StepError(format!("reading cmdline: {e}")))?;
    let file = |name: &str, text: &str| -> Result<PathBuf> {
        let path = scratch.join(name);
        std::fs::write(&path, text).map_err(|e| StepError(format!("writing {}: {e}", path.display())))?;
        Ok(path)
    };
    let loader_conf =
        file("loader.conf", "timeout 0\neditor no\nauto-entries no\nauto-firmware no\nconsole-mode keep\n")?;
    let entry = file("postern-a.conf", &entry_text(Slot::A, slot_a.version, &cmdline))?;
    let version = file("version", &format!("{} {}\n", slot_a.version.number, slot_a.version.string))?;
    let boot_efi = scratch.join("BOOTX64.EFI");
    std::fs::copy(&loader, &boot_efi).map_err(|e| StepError(format!("copying {}: {e}", loader.display())))?;
    // mcopy -m keeps each file's time: every file copied gets the build's time first.
    let touch: Vec<PathBuf> = vec![
        loader_conf.clone(),
        entry.clone(),
        version.clone(),
        boot_efi.clone(),
        slot_a.image.join("vmlinuz"),
        slot_a.image.join("rootfs.cpio.gz"),
        slot_a.image.join("cmdline"),
    ];
    exec(Command::new("touch").args(["-d", &format!("@{epoch}")]).args(&touch))?;

    let _ = std::fs::remove_file(&esp);
    std::fs::File::create(&esp)
        .and_then(|f| f.set_len(u64::from(b.esp_size_mib) * MIB))
        .map_err(|e| StepError(format!("creating {}: {e}", esp.display())))?;
    let mtools = |args: &[&str]| {
        let mut cmd = Command::new(args[0]);
        cmd.args(&args[1..]).env("SOURCE_DATE_EPOCH", epoch.to_string()).env("MTOOLS_SKIP_CHECK", "1");
        cmd
    };
    let esp_arg = esp.display().to_string();
    exec(&mut mtools(&["mformat", "-i", &esp_arg, "-F", "-v", "POSTERN", "-N", ESP_SERIAL, "::"]))?;
    for dir in ["::/EFI", "::/EFI/BOOT", "::/loader", "::/loader/entries", "::/postern", "::/postern/a", "::/postern/b"]
    {
        exec(&mut mtools(&["mmd", "-i", &esp_arg, dir]))?;
    }
    let copies: Vec<(PathBuf, String)> = vec![
        (boot_efi, "::/EFI/BOOT/BOOTX64.EFI".into()),
        (loader_conf, "::/loader/loader.conf".into()),
        (entry, "::/loader/entries/postern-a.conf".into()),
        (slot_a.image.join("vmlinuz"), "::/postern/a/vmlinuz".into()),
        (slot_a.image.join("rootfs.cpio.gz"), "::/postern/a/rootfs.cpio.gz".into()),
        (slot_a.image.join("cmdline"), "::/postern/a/cmdline".into()),
        (version, "::/postern/a/version".into()),
    ];
    for (from, to) in &copies {
        let from = from.display().to_string();
        exec(&mut mtools(&["mcopy", "-m", "-i", &esp_arg, &from, to]))?;
    }

    let disk = out.join("disk.img");
    let esp_start = MIB;
    let data_start = esp_start + u64::from(b.esp_size_mib) * MIB;
    let total = data_start + u64::from(board.disk.data_size_mib) * MIB + MIB;
    let _ = std::fs::remove_file(&disk);
    std::fs::File::create(&disk)
        .and_then(|f| f.set_len(total))
        .map_err(|e| StepError(format!("creating {}: {e}", disk.display())))?;
    let layout = format!(
        "label: gpt\nlabel-id: {DISK_GUID}\nunit: sectors\nfirst-lba: 2048\n\
         start={}, size={}, type={ESP_TYPE}, uuid={ESP_GUID}, name=\"postern-esp\"\n\
         start={}, size={}, type={LINUX_TYPE}, uuid={DATA_GUID}, name=\"postern-data\"\n",
        esp_start / 512,
        u64::from(b.esp_size_mib) * MIB / 512,
        data_start / 512,
        u64::from(board.disk.data_size_mib) * MIB / 512,
    );
    let mut sfdisk = Command::new("sfdisk")
        .args(["--quiet", "--no-reread", "--no-tell-kernel"])
        .arg(&disk)
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| StepError(format!("starting sfdisk: {e}")))?;
    sfdisk
        .stdin
        .take()
        .ok_or_else(|| StepError("sfdisk has no stdin".into()))?
        .write_all(layout.as_bytes())
        .map_err(|e| StepError(format!("feeding sfdisk: {e}")))?;
    let status = sfdisk.wait().map_err(|e| StepError(format!("waiting for sfdisk: {e}")))?;
    if !status.success() {
        return Err(StepError(format!("sfdisk failed: {status}")));
    }
    exec(Command::new("dd").arg(format!("if={}", esp.display())).arg(format!("of={}", disk.display())).args([
        "bs=1M",
        &format!("seek={}", esp_start / MIB),
        "conv=notrunc,sparse",
        "status=none",
    ]))?;
    std::fs::remove_file(&esp).map_err(|e| StepError(format!("removing {}: {e}", esp.display())))?;
    std::fs::remove_dir_all(&scratch).map_err(|e| StepError(format!("removing {}: {e}", scratch.display())))?;
    Ok(disk)
}
