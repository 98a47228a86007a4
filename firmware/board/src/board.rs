//! The board file (`board/<name>.toml`) and its checks.

use crate::BoardError;
use crate::userland::{self, UserlandPackage};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One board: everything the image build, the init and the VM runner need to know that
/// differs between boards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Board {
    /// The board's name; also the file's stem.
    pub name: String,
    /// The kernel and its modules.
    pub kernel: Kernel,
    /// The boot loader and the A/B slots.
    pub boot: Boot,
    /// Where the CLI's serial console is.
    pub console: Console,
    /// The persistent data area.
    pub disk: Disk,
    /// The network devices.
    pub network: Network,
    /// How a virtual machine of this board is started; absent for hardware boards.
    #[serde(default)]
    pub vm: Option<Vm>,
    /// The Debian packages the image's programs and shared libraries come from.
    #[serde(default)]
    pub userland: Vec<UserlandPackage>,
}

/// The kernel: a Debian package pinned by version and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kernel {
    /// The Debian package, e.g. `linux-image-6.1.0-48-amd64`.
    pub package: String,
    /// The package's exact version.
    pub version: String,
    /// The sha256 of the `.deb`, lower-case hex.
    pub deb_sha256: String,
    /// The kernel command line.
    pub command_line: String,
    /// Modules init loads, in order.
    #[serde(default)]
    pub modules: Vec<String>,
    /// Driver modules the image carries (with their dependencies) and init loads only
    /// when a device asks for one (its `modalias` matches the driver's aliases).
    #[serde(default)]
    pub drivers: Vec<String>,
}

/// The boot loader (systemd-boot, a Debian package pinned by version and hash) on the EFI
/// system partition that holds both system slots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Boot {
    /// The Debian package holding `systemd-bootx64.efi`.
    pub loader_package: String,
    /// The package's exact version.
    pub loader_version: String,
    /// The sha256 of the `.deb`, lower-case hex.
    pub loader_deb_sha256: String,
    /// Boots a newly installed slot gets to pass its health check.
    pub tries: u32,
    /// The EFI system partition's device, e.g. `/dev/vda1`.
    pub esp_device: String,
    /// Its size in MiB: room for two systems and one being written.
    pub esp_size_mib: u32,
}

/// The serial console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Console {
    /// Its device, e.g. `/dev/ttyS0`.
    pub device: String,
}

/// The disk layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disk {
    /// The block device of the data area, e.g. `/dev/vda`.
    pub data_device: String,
    /// The size of a new data disk made for a VM, in MiB.
    pub data_size_mib: u32,
}

/// The network devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// The interfaces the board has, by kernel name.
    pub interfaces: Vec<String>,
}

/// How to start a virtual machine of this board with qemu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vm {
    /// qemu's `-M` machine type.
    pub machine: String,
    /// Memory, in MiB.
    pub memory_mib: u32,
    /// qemu's network device model.
    pub nic_model: String,
    /// The UEFI firmware image qemu boots.
    pub firmware: String,
}

impl Board {
    /// Reads and checks a board file.
    pub fn load(path: &Path) -> Result<Self, BoardError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| BoardError::Read { path: path.to_owned(), source })?;
        Self::parse(&text).map_err(|e| match e {
            BoardError::Parse { reason, .. } => BoardError::Parse { path: path.to_owned(), reason },
            other => other,
        })
    }

    /// Parses and checks the text of a board file.
    pub fn parse(text: &str) -> Result<Self, BoardError> {
        let board: Board =
            toml::from_str(text).map_err(|e| BoardError::Parse { path: "<text>".into(), reason: e.to_string() })?;
        board.check()?;
        Ok(board)
    }

    fn check(&self) -> Result<(), BoardError> {
        let invalid = |setting, reason: &str| BoardError::Invalid {
            board: self.name.clone(),
            setting,
            reason: reason.to_owned(),
        };
        if self.name.is_empty() || !self.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(invalid("name", "letters, digits, '-' and '_' only"));
        }
        for (setting, sha) in
            [("kernel.deb_sha256", &self.kernel.deb_sha256), ("boot.loader_deb_sha256", &self.boot.loader_deb_sha256)]
        {
            if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
                return Err(invalid(setting, "64 lower-case hex digits"));
            }
        }
        if !(1..=10).contains(&self.boot.tries) {
            return Err(invalid("boot.tries", "1 to 10"));
        }
        if self.boot.esp_size_mib < 64 {
            return Err(invalid("boot.esp_size_mib", "at least 64 MiB"));
        }
        if !self.kernel.package.starts_with("linux-image-") {
            return Err(invalid("kernel.package", "a Debian linux-image-* package"));
        }
        for (setting, list) in [("kernel.modules", &self.kernel.modules), ("kernel.drivers", &self.kernel.drivers)] {
            for module in list {
                if module.is_empty() || !module.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
                    return Err(invalid(setting, &format!("{module:?} is not a module name")));
                }
            }
        }
        if !self.console.device.starts_with("/dev/") || self.console.device.contains("..") {
            return Err(invalid("console.device", "a device under /dev/"));
        }
        for (setting, device) in
            [("disk.data_device", &self.disk.data_device), ("boot.esp_device", &self.boot.esp_device)]
        {
            let by_label = device.strip_prefix("PARTLABEL=").is_some_and(|l| {
                !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
            if !by_label && (!device.starts_with("/dev/") || device.contains("..")) {
                return Err(invalid(setting, "a device under /dev/ or PARTLABEL=<GPT partition name>"));
            }
        }
        if self.disk.data_size_mib < 64 {
            return Err(invalid("disk.data_size_mib", "at least 64 MiB"));
        }
        userland::check(&self.userland).map_err(|(setting, reason)| invalid(setting, &reason))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QEMU: &str = include_str!("../../../board/qemu-x86_64.toml");

    #[test]
    fn the_qemu_board_loads() {
        let board = Board::parse(QEMU).expect("qemu board");
        assert_eq!(board.name, "qemu-x86_64");
        assert!(board.kernel.modules.iter().any(|m| m == "virtio_net"));
        assert_eq!(board.vm.as_ref().map(|vm| vm.memory_mib), Some(256));
    }

    #[test]
    fn the_generic_board_loads_with_drivers_and_disks_by_partition_name() {
        let board = Board::parse(include_str!("../../../board/x86_64-generic.toml")).expect("generic board");
        assert_eq!(board.name, "x86_64-generic");
        for driver in [
            "e1000e",
            "igb",
            "ixgbe",
            "i40e",
            "r8169",
            "mlx5_core",
            "virtio_net",
            "vmxnet3",
            "hv_netvsc",
            "ena",
            "nvme",
            "ahci",
            "virtio_blk",
            "vmw_pvscsi",
            "hv_storvsc",
        ] {
            assert!(board.kernel.drivers.iter().any(|d| d == driver), "{driver} missing");
        }
        assert_eq!(board.disk.data_device, "PARTLABEL=postern-data");
        let bad =
            include_str!("../../../board/x86_64-generic.toml").replace("PARTLABEL=postern-data", "PARTLABEL=../x");
        assert!(Board::parse(&bad).expect_err("bad label").to_string().contains("disk.data_device"));
    }

    #[test]
    fn a_bad_hash_names_the_setting() {
        let text = QEMU.replace("22007ac2", "XX07ac2");
        let e = Board::parse(&text).expect_err("bad hash");
        assert!(e.to_string().contains("kernel.deb_sha256"), "{e}");
    }

    #[test]
    fn a_device_outside_dev_is_refused() {
        let text = QEMU.replace("\"/dev/vda2\"", "\"/etc/passwd\"");
        let e = Board::parse(&text).expect_err("bad device");
        assert!(e.to_string().contains("disk.data_device"), "{e}");
    }

    #[test]
    fn the_userland_packages_are_read_in_order() {
        let board = Board::parse(QEMU).expect("qemu board");
        let e2fsprogs = board.userland.iter().find(|p| p.package == "e2fsprogs").expect("e2fsprogs pinned");
        assert_eq!(e2fsprogs.files, ["/sbin/mke2fs"]);
        assert!(board.userland.iter().any(|p| p.package == "libc6" && p.files.is_empty()));
    }

    #[test]
    fn a_bad_userland_entry_names_the_setting_and_the_package() {
        let entry = |name: &str, sha: &str, file: &str| {
            format!(
                "{QEMU}\n[[userland]]\npackage = \"{name}\"\nversion = \"1.0-1\"\ndeb_sha256 = \"{sha}\"\nfiles = [\"{file}\"]\n"
            )
        };
        let good = "0".repeat(64);
        assert!(Board::parse(&entry("zlib1g", &good, "/bin/x")).is_ok());
        let e = Board::parse(&entry("zlib1g", "AB", "/bin/x")).expect_err("bad hash");
        assert!(e.to_string().contains("userland.deb_sha256") && e.to_string().contains("zlib1g"), "{e}");
        let e = Board::parse(&entry("libc6", &good, "/bin/x")).expect_err("twice");
        assert!(e.to_string().contains("libc6 is pinned twice"), "{e}");
        let e = Board::parse(&entry("zlib1g", &good, "bin/../x")).expect_err("relative");
        assert!(e.to_string().contains("userland.files"), "{e}");
        let e = Board::parse(&entry("Zlib", &good, "/bin/x")).expect_err("name");
        assert!(e.to_string().contains("userland.package"), "{e}");
    }

    #[test]
    fn unknown_settings_are_refused() {
        let text = format!("{QEMU}\n[extra]\nx = 1\n");
        assert!(matches!(Board::parse(&text), Err(BoardError::Parse { .. })));
    }
}
