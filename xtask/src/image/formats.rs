//! The factory disk in the formats hypervisors take: qcow2 (KVM, Proxmox), VMDK (VMware),
//! VHDX (Hyper-V) and an OVA (OVF descriptor and a stream-optimised VMDK, for VMware's
//! import), converted from the raw disk with `qemu-img` and made reproducible: the only
//! random fields `qemu-img` writes (VMDK's content id, VHDX's write GUIDs, disk id and
//! stale log) are replaced by values derived from the raw disk's hash.

use crate::shell::{Result, StepError, exec};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A disk format `cargo xtask image --format` writes besides the raw disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum DiskFormat {
    /// The raw disk (`disk.img`): dd to a disk or USB stick.
    Raw,
    /// QEMU/KVM, Proxmox, OpenStack.
    Qcow2,
    /// VMware (monolithic sparse).
    Vmdk,
    /// Hyper-V and Azure (dynamic).
    Vhdx,
    /// VMware's appliance import: OVF descriptor and a stream-optimised VMDK in a tar.
    Ova,
}

impl DiskFormat {
    /// The file name of the converted disk.
    pub(crate) fn file_name(self) -> &'static str {
        match self {
            DiskFormat::Raw => "disk.img",
            DiskFormat::Qcow2 => "disk.qcow2",
            DiskFormat::Vmdk => "disk.vmdk",
            DiskFormat::Vhdx => "disk.vhdx",
            DiskFormat::Ova => "postern.ova",
        }
    }
}

/// Writes `format` of the raw disk `raw` into `out`; returns its path.
pub(crate) fn convert(
    raw: &Path,
    out: &Path,
    format: DiskFormat,
    board: &str,
    version: &str,
    epoch: u64,
) -> Result<PathBuf> {
    let target = out.join(format.file_name());
    let seed = super::hashing::sha256_digest(raw)?;
    match format {
        DiskFormat::Raw => return Ok(raw.to_path_buf()),
        DiskFormat::Qcow2 => qemu_img(raw, &target, "qcow2", &[])?,
        DiskFormat::Vmdk => {
            qemu_img(raw, &target, "vmdk", &["subformat=monolithicSparse"])?;
            fix_vmdk(&target, &seed)?;
        }
        DiskFormat::Vhdx => {
            qemu_img(raw, &target, "vhdx", &["subformat=dynamic"])?;
            fix_vhdx(&target, &seed)?;
        }
        DiskFormat::Ova => ova(raw, out, &target, &seed, board, version, epoch)?,
    }
    Ok(target)
}

fn qemu_img(raw: &Path, target: &Path, format: &str, options: &[&str]) -> Result {
    let _ = std::fs::remove_file(target);
    let mut cmd = Command::new("qemu-img");
    // One coroutine, in-order writes: the clusters land in the same order on every run,
    // however loaded the machine is.
    cmd.args(["convert", "-m", "1", "-f", "raw", "-O", format]);
    if !options.is_empty() {
        cmd.args(["-o", &options.join(",")]);
    }
    exec(cmd.arg(raw).arg(target))
}

/// Replaces the VMDK descriptor's random content id with eight hex digits from `seed`.
/// qemu-img writes the id without leading zeros (`CID=%x`), so it may be shorter: the
/// rest of the descriptor text then moves up into the zeros that pad it.
fn fix_vmdk(path: &Path, seed: &[u8; 32]) -> Result {
    let mut bytes = std::fs::read(path).map_err(|e| StepError(format!("reading {}: {e}", path.display())))?;
    let cid = format!("{:08x}", u32::from_be_bytes([seed[0], seed[1], seed[2], seed[3]]));
    set_vmdk_cid(&mut bytes, cid.as_bytes()).map_err(|why| StepError(format!("{}: {why}", path.display())))?;
    std::fs::write(path, bytes).map_err(|e| StepError(format!("writing {}: {e}", path.display())))
}

/// Sets the value of the descriptor's `CID=` line to `cid` (8 bytes) in place.
fn set_vmdk_cid(bytes: &mut [u8], cid: &[u8]) -> std::result::Result<(), &'static str> {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let at = find(head, b"\nCID=").ok_or("no CID in the VMDK descriptor")? + 5;
    let end = at + head[at..].iter().position(|&b| b == b'\n').ok_or("the CID line does not end")?;
    let text_end = at + head[at..].iter().position(|&b| b == 0).ok_or("the descriptor has no padding")?;
    let grow = cid.len().checked_sub(end - at).ok_or("the CID is longer than 8 hex digits")?;
    if bytes.get(text_end..text_end + grow).is_none_or(|pad| pad.iter().any(|&b| b != 0)) {
        return Err("no room in the descriptor for the CID");
    }
    bytes.copy_within(end..text_end, end + grow);
    bytes[at..at + cid.len()].copy_from_slice(cid);
    Ok(())
}

/// VHDX (MS-VHDX): the two headers' sequence numbers, FileWriteGuid and DataWriteGuid (then
/// their CRC-32C),
/// the stale log (cleared: with a zero LogGuid it is never replayed) and the Page 83 disk id.
fn fix_vhdx(path: &Path, seed: &[u8; 32]) -> Result {
    const HEADERS: [usize; 2] = [64 * 1024, 128 * 1024];
    const REGION_TABLE: usize = 192 * 1024;
    const METADATA_REGION: [u8; 16] =
        guid(0x8B7C_A206, 0x4790, 0x4B9A, [0xB8, 0xFE, 0x57, 0x5F, 0x05, 0x0F, 0x88, 0x6E]);
    const PAGE_83: [u8; 16] = guid(0xBECA_12AB, 0xB2E6, 0x4523, [0x93, 0xEF, 0xC3, 0x09, 0xE0, 0x00, 0xC7, 0x46]);
    let bad = |what: &str| StepError(format!("{}: {what}", path.display()));
    let mut bytes = std::fs::read(path).map_err(|e| StepError(format!("reading {}: {e}", path.display())))?;
    if bytes.get(..8) != Some(b"vhdxfile".as_slice()) {
        return Err(bad("not a VHDX file"));
    }
    // The sequence numbers start random; keep which header is current, renumbered 1 and 2.
    let sequence = |at: usize| bytes.get(at + 8..at + 16).and_then(|s| s.try_into().ok()).map(u64::from_le_bytes);
    let (first, second) = (
        sequence(HEADERS[0]).ok_or_else(|| bad("truncated header"))?,
        sequence(HEADERS[1]).ok_or_else(|| bad("truncated header"))?,
    );
    let numbers: [u64; 2] = if first > second { [2, 1] } else { [1, 2] };
    for (at, number) in HEADERS.into_iter().zip(numbers) {
        let header = bytes.get_mut(at..at + 4096).ok_or_else(|| bad("truncated header"))?;
        if &header[..4] != b"head" {
            return Err(bad("no header signature"));
        }
        header[8..16].copy_from_slice(&number.to_le_bytes());
        header[16..32].copy_from_slice(&seed[..16]);
        header[32..48].copy_from_slice(&seed[16..32]);
        if header[48..64].iter().any(|&b| b != 0) {
            return Err(bad("a log is in use: it cannot be cleared"));
        }
        let log_length = u32::from_le_bytes(header[68..72].try_into().unwrap_or_default()) as usize;
        let log_offset =
            usize::try_from(u64::from_le_bytes(header[72..80].try_into().unwrap_or_default())).unwrap_or(usize::MAX);
        header[4..8].fill(0);
        let crc = crc32c(header);
        header[4..8].copy_from_slice(&crc.to_le_bytes());
        let log = log_offset
            .checked_add(log_length)
            .and_then(|end| bytes.get_mut(log_offset..end))
            .ok_or_else(|| bad("log outside the file"))?;
        log.fill(0);
    }
    let table = bytes.get(REGION_TABLE..REGION_TABLE + 64 * 1024).ok_or_else(|| bad("no region table"))?;
    let count = u32::from_le_bytes(table[8..12].try_into().unwrap_or_default()) as usize;
    let metadata = (0..count.min(2047))
        .map(|i| &table[16 + i * 32..48 + i * 32])
        .find(|entry| entry[..16] == METADATA_REGION)
        .map(|entry| {
            usize::try_from(u64::from_le_bytes(entry[16..24].try_into().unwrap_or_default())).unwrap_or(usize::MAX)
        })
        .ok_or_else(|| bad("no metadata region"))?;
    let header = bytes.get(metadata..metadata + 32).ok_or_else(|| bad("metadata outside the file"))?;
    let items = u16::from_le_bytes(header[10..12].try_into().unwrap_or_default()) as usize;
    let page83 = (0..items)
        .filter_map(|i| bytes.get(metadata + 32 + i * 32..metadata + 64 + i * 32))
        .find(|entry| entry[..16] == PAGE_83)
        .map(|entry| metadata + u32::from_le_bytes(entry[16..20].try_into().unwrap_or_default()) as usize)
        .ok_or_else(|| bad("no Page 83 disk id"))?;
    let disk_id = bytes.get_mut(page83..page83 + 16).ok_or_else(|| bad("disk id outside the file"))?;
    disk_id.copy_from_slice(&seed[..16]);
    disk_id[7] = (disk_id[7] & 0x0f) | 0x40;
    std::fs::write(path, bytes).map_err(|e| StepError(format!("writing {}: {e}", path.display())))
}

/// A GUID in its on-disk (mixed-endian) byte order.
const fn guid(a: u32, b: u16, c: u16, d: [u8; 8]) -> [u8; 16] {
    let (a, b, c) = (a.to_le_bytes(), b.to_le_bytes(), c.to_le_bytes());
    [a[0], a[1], a[2], a[3], b[0], b[1], c[0], c[1], d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]]
}

/// CRC-32C (Castagnoli), as VHDX checksums use.
fn crc32c(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0x82F6_3B78 } else { crc >> 1 };
        }
    }
    !crc
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The OVA: `postern.ovf` then `postern-disk1.vmdk` (stream-optimised) in a ustar archive
/// with fixed owners and times.
fn ova(raw: &Path, out: &Path, target: &Path, seed: &[u8; 32], board: &str, version: &str, epoch: u64) -> Result {
    let parts = out.join("ova");
    let _ = std::fs::remove_dir_all(&parts);
    std::fs::create_dir_all(&parts).map_err(|e| StepError(format!("creating {}: {e}", parts.display())))?;
    let vmdk = parts.join("postern-disk1.vmdk");
    qemu_img(raw, &vmdk, "vmdk", &["subformat=streamOptimized", "adapter_type=lsilogic"])?;
    fix_vmdk(&vmdk, seed)?;
    let capacity = std::fs::metadata(raw).map_err(|e| StepError(format!("{}: {e}", raw.display())))?.len();
    let size = std::fs::metadata(&vmdk).map_err(|e| StepError(format!("{}: {e}", vmdk.display())))?.len();
    std::fs::write(parts.join("postern.ovf"), ovf(board, version.trim(), capacity, size))
        .map_err(|e| StepError(format!("writing the OVF descriptor: {e}")))?;
    let _ = std::fs::remove_file(target);
    exec(
        Command::new("tar")
            .args([
                "--format=ustar",
                "--owner=0",
                "--group=0",
                "--numeric-owner",
                "--mode=0644",
                &format!("--mtime=@{epoch}"),
                "-cf",
            ])
            .arg(target)
            .arg("-C")
            .arg(&parts)
            .args(["postern.ovf", "postern-disk1.vmdk"]),
    )
}

/// The OVF 1.0 descriptor of one VM: 2 vCPUs, 1 GiB, one SCSI disk, one VMXNET3 NIC,
/// EFI firmware.
fn ovf(board: &str, version: &str, capacity: u64, size: u64) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData" xmlns:vmw="http://www.vmware.com/schema/ovf">
  <References>
    <File ovf:href="postern-disk1.vmdk" ovf:id="file1" ovf:size="{size}"/>
  </References>
  <DiskSection>
    <Info>Virtual disks</Info>
    <Disk ovf:capacity="{capacity}" ovf:capacityAllocationUnits="byte" ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
  </DiskSection>
  <NetworkSection>
    <Info>Networks</Info>
    <Network ovf:name="VM Network"><Description>The gateway's network</Description></Network>
  </NetworkSection>
  <VirtualSystem ovf:id="postern">
    <Info>Postern gateway appliance ({board}, {version})</Info>
    <Name>postern</Name>
    <OperatingSystemSection ovf:id="101" vmw:osType="otherLinux64Guest"><Info>Linux 64-bit</Info></OperatingSystemSection>
    <VirtualHardwareSection>
      <Info>2 vCPUs, 1 GiB of memory, one disk, one network card</Info>
      <System><vssd:ElementName>Virtual Hardware Family</vssd:ElementName><vssd:InstanceID>0</vssd:InstanceID><vssd:VirtualSystemIdentifier>postern</vssd:VirtualSystemIdentifier><vssd:VirtualSystemType>vmx-13</vssd:VirtualSystemType></System>
      <Item><rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits><rasd:ElementName>2 virtual CPUs</rasd:ElementName><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>2</rasd:VirtualQuantity></Item>
      <Item><rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits><rasd:ElementName>1024 MB of memory</rasd:ElementName><rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>1024</rasd:VirtualQuantity></Item>
      <Item><rasd:ElementName>SCSI controller 0</rasd:ElementName><rasd:InstanceID>3</rasd:InstanceID><rasd:ResourceSubType>lsilogic</rasd:ResourceSubType><rasd:ResourceType>6</rasd:ResourceType></Item>
      <Item><rasd:AddressOnParent>0</rasd:AddressOnParent><rasd:ElementName>Hard disk 1</rasd:ElementName><rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource><rasd:InstanceID>4</rasd:InstanceID><rasd:Parent>3</rasd:Parent><rasd:ResourceType>17</rasd:ResourceType></Item>
      <Item><rasd:AutomaticAllocation>true</rasd:AutomaticAllocation><rasd:Connection>VM Network</rasd:Connection><rasd:ElementName>Network adapter 1</rasd:ElementName><rasd:InstanceID>5</rasd:InstanceID><rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType><rasd:ResourceType>10</rasd:ResourceType></Item>
      <vmw:Config ovf:required="false" vmw:key="firmware" vmw:value="efi"/>
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_matches_the_standard_check_value() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
    }

    #[test]
    fn guids_are_written_mixed_endian() {
        assert_eq!(
            &guid(0x8B7C_A206, 0x4790, 0x4B9A, [0xB8, 0xFE, 0x57, 0x5F, 0x05, 0x0F, 0x88, 0x6E])[..8],
            &[0x06, 0xA2, 0x7C, 0x8B, 0x90, 0x47, 0x9A, 0x4B]
        );
    }

    /// Each format, converted twice from the same raw disk, is the same bytes, and
    /// `qemu-img compare` finds the same contents as the raw disk.
    #[test]
    fn every_format_is_reproducible_and_holds_the_raw_disk() {
        if !crate::shell::have("qemu-img") {
            eprintln!("qemu-img is missing (Debian's qemu-utils): skipped");
            return;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let raw = dir.path().join("disk.img");
        let data: Vec<u8> = (0..6 * 1024 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        std::fs::write(&raw, data).expect("raw");
        for format in [DiskFormat::Qcow2, DiskFormat::Vmdk, DiskFormat::Vhdx, DiskFormat::Ova] {
            let (a, b) = (dir.path().join("a"), dir.path().join("b"));
            for out in [&a, &b] {
                std::fs::create_dir_all(out).expect("dir");
                convert(&raw, out, format, "x86_64-generic", "postern 0.1.0", 1_700_000_000).expect("convert");
            }
            let (first, second) = (a.join(format.file_name()), b.join(format.file_name()));
            let (x, y) = (std::fs::read(&first).expect("a"), std::fs::read(&second).expect("b"));
            let differ: Vec<usize> =
                x.iter().zip(&y).enumerate().filter(|(_, (p, q))| p != q).map(|(i, _)| i).take(8).collect();
            assert!(
                x.len() == y.len() && differ.is_empty(),
                "{format:?} is not reproducible: lengths {} and {}, first differing offsets {differ:?}",
                x.len(),
                y.len()
            );
            let converted = if format == DiskFormat::Ova { a.join("ova/postern-disk1.vmdk") } else { first };
            let same =
                Command::new("qemu-img").arg("compare").arg(&raw).arg(&converted).output().expect("qemu-img runs");
            assert!(same.status.success(), "{format:?}: {}", String::from_utf8_lossy(&same.stdout));
            if format == DiskFormat::Vhdx {
                let check = Command::new("qemu-img")
                    .args(["check", "-f", "vhdx"])
                    .arg(&converted)
                    .output()
                    .expect("qemu-img runs");
                assert!(
                    check.status.success(),
                    "patched VHDX fails its check: {}",
                    String::from_utf8_lossy(&check.stdout)
                );
            }
        }
    }

    #[test]
    fn a_short_cid_is_widened_and_the_descriptor_text_moves_up() {
        let descriptor = |cid: &str| {
            let mut bytes = vec![0u8; 80];
            let text = format!("# Disk DescriptorFile\nversion=1\nCID={cid}\nparentCID=ffffffff\n");
            bytes[..text.len()].copy_from_slice(text.as_bytes());
            bytes
        };
        let (mut short, mut full) = (descriptor("abc12"), descriptor("12345678"));
        assert_eq!(set_vmdk_cid(&mut short, b"0badcafe"), Ok(()));
        assert_eq!(set_vmdk_cid(&mut full, b"0badcafe"), Ok(()));
        assert_eq!(short, full, "the same bytes whatever id qemu-img drew");
        assert!(String::from_utf8_lossy(&full).contains("\nCID=0badcafe\nparentCID=ffffffff\n"));
        let mut crowded = descriptor("abc12");
        crowded[62..].fill(b'x');
        assert_eq!(set_vmdk_cid(&mut crowded, b"0badcafe"), Err("no room in the descriptor for the CID"));
    }
}
