//! What the Debian archive offers now, as apt's package lists say: the versions of a
//! package (`apt-cache madison`) and the kernels of a series (`apt-cache search`).

use super::version;
use crate::image::output;
use crate::shell::Result;
use std::process::Command;

/// A kernel package name taken apart: `linux-image-6.1.0-48-amd64` is the series
/// `6.1.0`, ABI 48, flavour `amd64`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KernelName {
    /// The upstream series, e.g. `6.1.0`.
    pub(crate) series: String,
    /// The ABI number, which grows with each new build Debian names differently.
    pub(crate) abi: u32,
    /// The flavour, e.g. `amd64` or `cloud-amd64`.
    pub(crate) flavour: String,
}

impl KernelName {
    /// Parses `linux-image-SERIES-ABI-FLAVOUR`; `None` for any other name.
    pub(crate) fn parse(package: &str) -> Option<Self> {
        let rest = package.strip_prefix("linux-image-")?;
        let (series, rest) = rest.split_once('-')?;
        let (abi, flavour) = rest.split_once('-')?;
        let plain = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        if !series.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            || !plain(flavour)
            || flavour.ends_with("-dbg")
            || flavour.ends_with("-unsigned")
        {
            return None;
        }
        Some(Self { series: series.to_owned(), abi: abi.parse().ok()?, flavour: flavour.to_owned() })
    }

    /// The package name.
    pub(crate) fn package(&self) -> String {
        format!("linux-image-{}-{}-{}", self.series, self.abi, self.flavour)
    }

    /// The `apt-cache search --names-only` pattern of every ABI of this series and flavour.
    pub(crate) fn search_pattern(&self) -> String {
        format!("^linux-image-{}-[0-9]+-{}$", self.series.replace('.', "\\."), self.flavour.replace('.', "\\."))
    }
}

/// The versions of `package` in `apt-cache madison` output, each once, in the order listed.
pub(crate) fn parse_madison(text: &str, package: &str) -> Vec<String> {
    let mut versions: Vec<String> = Vec::new();
    for line in text.lines() {
        let mut fields = line.split('|').map(str::trim);
        if fields.next() != Some(package) {
            continue;
        }
        if let Some(v) = fields.next().filter(|v| !v.is_empty())
            && !versions.iter().any(|known| known == v)
        {
            versions.push(v.to_owned());
        }
    }
    versions
}

/// The package names in `apt-cache search` output (`NAME - DESCRIPTION` lines).
pub(crate) fn parse_search(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.split(" - ").next())
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The sha256 in `apt-cache show PACKAGE=VERSION` output (its first record's).
pub(crate) fn parse_show_sha256(text: &str) -> Option<String> {
    text.lines()
        .find_map(|line| line.strip_prefix("SHA256:"))
        .map(str::trim)
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_ascii_lowercase)
}

/// The newest kernel of `current`'s series and flavour among `names` (highest ABI).
pub(crate) fn newest_kernel(names: &[String], current: &KernelName) -> Option<KernelName> {
    names
        .iter()
        .filter_map(|n| KernelName::parse(n))
        .filter(|k| k.series == current.series && k.flavour == current.flavour)
        .max_by_key(|k| k.abi)
}

/// The versions apt's lists offer for `package` (none when the name is gone).
pub(crate) fn versions(package: &str) -> Result<Vec<String>> {
    let text = output(Command::new("apt-cache").args(["madison", package]))?;
    Ok(parse_madison(&text, package))
}

/// The newest version apt's lists offer for `package`.
pub(crate) fn newest_version(package: &str) -> Result<Option<String>> {
    let all = versions(package)?;
    Ok(version::newest(all.iter().map(String::as_str)).map(str::to_owned))
}

/// The sha256 apt's lists give for `package` at `version`, if they list it.
pub(crate) fn listed_sha256(package: &str, version: &str) -> Result<Option<String>> {
    let text = output(Command::new("apt-cache").args(["show", &format!("{package}={version}")]))?;
    Ok(parse_show_sha256(&text))
}

/// The newest kernel package apt's lists offer in `current`'s series and flavour.
pub(crate) fn newest_kernel_offered(current: &KernelName) -> Result<Option<KernelName>> {
    let text = output(Command::new("apt-cache").args(["search", "--names-only", &current.search_pattern()]))?;
    Ok(newest_kernel(&parse_search(&text), current))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MADISON: &str = "\
linux-image-6.1.0-50-amd64 |  6.1.176-1 | http://deb.debian.org/debian bookworm/main amd64 Packages
linux-image-6.1.0-50-amd64 |  6.1.176-1 | http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
systemd-boot-efi | 252.39-1~deb12u2 | http://deb.debian.org/debian bookworm/main amd64 Packages
systemd-boot-efi | 252.38-1~deb12u1 | http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
";

    const SEARCH: &str = "\
linux-image-6.1.0-47-amd64 - Linux 6.1 for 64-bit PCs (signed)
linux-image-6.1.0-9-amd64 - Linux 6.1 for 64-bit PCs (signed)
linux-image-6.1.0-57-amd64 - Linux 6.1 for 64-bit PCs (signed)
linux-image-6.1.0-58-cloud-amd64 - Linux 6.1 for x86-64 cloud (signed)
linux-image-6.1.0-59-amd64-dbg - Debug symbols for linux-image-6.1.0-59-amd64
linux-image-6.1.0-60-amd64-unsigned - Linux 6.1 for 64-bit PCs
linux-image-6.12.0-61-amd64 - Linux 6.12 for 64-bit PCs (signed)
linux-image-amd64 - Linux for 64-bit PCs (meta-package)
";

    #[test]
    fn madison_gives_each_version_of_that_package_once() {
        assert_eq!(parse_madison(MADISON, "linux-image-6.1.0-50-amd64"), ["6.1.176-1"]);
        assert_eq!(parse_madison(MADISON, "systemd-boot-efi"), ["252.39-1~deb12u2", "252.38-1~deb12u1"]);
        assert!(parse_madison(MADISON, "linux-image-6.1.0-48-amd64").is_empty());
        assert!(parse_madison("", "systemd-boot-efi").is_empty());
    }

    #[test]
    fn show_gives_the_first_records_sha256() {
        let text = "Package: systemd-boot-efi\nVersion: 252.39-1~deb12u2\nMD5sum: 0123\nSHA256: 8F2B81BDCFAFC466882A0CAE460272DBF10D8D97C6A3C1C6EA33038C155A2F5E\n\n\
                    Package: systemd-boot-efi\nSHA256: 1111111111111111111111111111111111111111111111111111111111111111\n";
        assert_eq!(
            parse_show_sha256(text).as_deref(),
            Some("8f2b81bdcfafc466882a0cae460272dbf10d8d97c6a3c1c6ea33038c155a2f5e")
        );
        assert_eq!(parse_show_sha256("Package: x\nSHA256: short\n"), None);
        assert_eq!(parse_show_sha256(""), None);
    }

    #[test]
    fn a_kernel_name_is_taken_apart() {
        let k = KernelName::parse("linux-image-6.1.0-48-amd64").expect("kernel");
        assert_eq!((k.series.as_str(), k.abi, k.flavour.as_str()), ("6.1.0", 48, "amd64"));
        assert_eq!(k.package(), "linux-image-6.1.0-48-amd64");
        assert_eq!(k.search_pattern(), "^linux-image-6\\.1\\.0-[0-9]+-amd64$");
        assert!(KernelName::parse("linux-image-amd64").is_none());
        assert!(KernelName::parse("linux-image-6.1.0-59-amd64-dbg").is_none());
        assert!(KernelName::parse("linux-image-6.1.0-0-fake").is_some_and(|k| k.abi == 0 && k.flavour == "fake"));
    }

    #[test]
    fn the_newest_kernel_keeps_series_and_flavour() {
        let current = KernelName::parse("linux-image-6.1.0-48-amd64").expect("kernel");
        let names = parse_search(SEARCH);
        assert_eq!(names.len(), 8);
        // 57, not 9 (numeric order), not the cloud, debug, unsigned or 6.12 packages.
        assert_eq!(newest_kernel(&names, &current).map(|k| k.package()).as_deref(), Some("linux-image-6.1.0-57-amd64"));
        let cloud = KernelName::parse("linux-image-6.1.0-40-cloud-amd64").expect("cloud");
        assert_eq!(newest_kernel(&names, &cloud).map(|k| k.abi), Some(58));
        assert!(newest_kernel(&[], &current).is_none());
    }
}
