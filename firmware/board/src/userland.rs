//! The Debian packages the image takes its programs and shared libraries from, each
//! pinned by version and hash (the board file's `[[userland]]` entries).

use serde::{Deserialize, Serialize};

/// One pinned Debian package of the image's userland.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserlandPackage {
    /// The Debian package, e.g. `e2fsprogs`.
    pub package: String,
    /// The package's exact version.
    pub version: String,
    /// The sha256 of the `.deb`, lower-case hex.
    pub deb_sha256: String,
    /// Programs the image takes from it, at the path the package ships them
    /// (e.g. `/sbin/mke2fs`); the shared libraries any program needs are found by name in
    /// every pinned package and need not be listed.
    #[serde(default)]
    pub files: Vec<String>,
}

/// Why a `[[userland]]` entry cannot be used: (setting, reason).
pub(crate) fn check(packages: &[UserlandPackage]) -> Result<(), (&'static str, String)> {
    for (i, p) in packages.iter().enumerate() {
        let plain = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.".contains(&b);
        if p.package.len() < 2 || !p.package.bytes().all(plain) {
            return Err(("userland.package", format!("{:?} is not a Debian package name", p.package)));
        }
        if packages[..i].iter().any(|q| q.package == p.package) {
            return Err(("userland.package", format!("{} is pinned twice", p.package)));
        }
        if p.version.is_empty() || p.version.contains(char::is_whitespace) {
            return Err(("userland.version", format!("{}: {:?} is not a version", p.package, p.version)));
        }
        if p.deb_sha256.len() != 64 || !p.deb_sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(("userland.deb_sha256", format!("{}: 64 lower-case hex digits", p.package)));
        }
        for file in &p.files {
            if !file.starts_with('/') || file.ends_with('/') || file.split('/').any(|part| part == ".." || part == ".")
            {
                return Err(("userland.files", format!("{}: {file:?} is not an absolute path of a file", p.package)));
            }
        }
    }
    Ok(())
}
