//! The error for a pinned package apt can no longer download: which board file pins what,
//! what the archive offers now under that name (and, for a kernel, in its series), and
//! the command that moves the pins.

use super::archive::{self, KernelName};
use super::version;
use std::path::Path;

/// What the archive offers in place of a pin that cannot be fetched.
#[derive(Debug, Default)]
pub(crate) struct Offers {
    /// The versions offered under the pinned package name; empty when the name is gone.
    pub(crate) same_name: Vec<String>,
    /// For a kernel: the newest package of its series and flavour, and its newest version.
    pub(crate) newest_kernel: Option<(String, Option<String>)>,
}

/// Asks apt's lists what they offer for `package` now (nothing, where apt-cache fails).
pub(crate) fn gather(package: &str) -> Offers {
    let same_name = archive::versions(package).unwrap_or_default();
    let newest_kernel = KernelName::parse(package)
        .and_then(|k| archive::newest_kernel_offered(&k).ok().flatten())
        .map(|k| (k.package(), archive::newest_version(&k.package()).ok().flatten()));
    Offers { same_name, newest_kernel }
}

/// The message: the board file, the pin, the cause, what is offered, how to move the pin.
pub(crate) fn explain(
    board_file: &Path,
    package: &str,
    pinned: &str,
    offers: &Offers,
    cause: &str,
    cache: &Path,
) -> String {
    let board = board_file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let mut text = format!(
        "{} pins {package} version {pinned}, which apt cannot download: {cause}\n    \
         (Debian's archive serves only the newest build of each package name.)\n",
        board_file.display()
    );
    let mut offered: Vec<&str> = offers.same_name.iter().map(String::as_str).collect();
    offered.sort_by(|a, b| version::compare(b, a));
    if offered.is_empty() {
        text += &format!("    The archive offers no {package} now (apt-cache madison lists none).\n");
    } else {
        text += &format!("    The archive offers {package} now in: {}.\n", offered.join(", "));
    }
    if let Some((kernel, v)) = &offers.newest_kernel {
        text += &format!(
            "    The newest kernel of that series it lists: {kernel} {}.\n",
            v.as_deref().unwrap_or("(no version listed)")
        );
    }
    text += &format!(
        "    Move the board's pins to what the archive serves: cargo xtask pins update --board {board}\n    \
         (A machine that fetched the pinned file once keeps it as <sha256>.deb in {}.)",
        cache.display()
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_the_file_the_pin_the_offers_and_the_command() {
        let offers = Offers {
            same_name: vec![],
            newest_kernel: Some(("linux-image-6.1.0-57-amd64".into(), Some("6.1.192-3".into()))),
        };
        let text = explain(
            Path::new("/w/board/qemu-x86_64.toml"),
            "linux-image-6.1.0-48-amd64",
            "6.1.172-1",
            &offers,
            "E: not found",
            Path::new("/c"),
        );
        for part in [
            "/w/board/qemu-x86_64.toml pins linux-image-6.1.0-48-amd64 version 6.1.172-1",
            "E: not found",
            "offers no linux-image-6.1.0-48-amd64 now",
            "linux-image-6.1.0-57-amd64 6.1.192-3",
            "cargo xtask pins update --board qemu-x86_64",
            "/c",
        ] {
            assert!(text.contains(part), "{part:?} missing from:\n{text}");
        }
    }

    #[test]
    fn versions_still_offered_under_the_name_are_listed_newest_first() {
        let offers =
            Offers { same_name: vec!["252.38-1~deb12u1".into(), "252.39-1~deb12u2".into()], newest_kernel: None };
        let text = explain(Path::new("board/b.toml"), "systemd-boot-efi", "252.30-1", &offers, "gone", Path::new("/c"));
        assert!(text.contains("offers systemd-boot-efi now in: 252.39-1~deb12u2, 252.38-1~deb12u1."), "{text}");
        assert!(!text.contains("newest kernel"), "{text}");
        assert!(text.contains("--board b"), "{text}");
    }
}
