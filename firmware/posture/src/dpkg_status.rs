//! The dpkg status database (`/var/lib/dpkg/status`): RFC 822-style stanzas; a package
//! counts as installed when its `Status` is `install ok installed`.

use postern_tnc_wire::pa::Package;

/// Largest status file read (a full desktop system is a few MiB).
pub const MAX_STATUS_BYTES: u64 = 64 * 1024 * 1024;

/// The installed packages, in file order; names or versions over 255 bytes (which the
/// wire cannot carry) are left out.
pub fn parse_dpkg_status(text: &str) -> Vec<Package> {
    let mut packages = Vec::new();
    for stanza in text.split("\n\n") {
        let (mut name, mut version, mut installed) = (None, None, false);
        for line in stanza.lines() {
            if line.starts_with([' ', '\t']) {
                continue; // continuation of a multi-line field
            }
            let Some((key, value)) = line.split_once(':') else { continue };
            let value = value.trim();
            match key {
                "Package" => name = Some(value),
                "Version" => version = Some(value),
                "Status" => installed = value.split_whitespace().collect::<Vec<_>>() == ["install", "ok", "installed"],
                _ => {}
            }
        }
        if let (Some(name), Some(version), true) = (name, version, installed)
            && name.len() <= 255
            && version.len() <= 255
        {
            packages.push(Package { name: name.to_owned(), version: version.to_owned() });
        }
    }
    packages
}
