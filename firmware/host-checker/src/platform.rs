//! The platforms policies name, and how a reported product name maps to one.

use std::fmt;

/// An endpoint's operating system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Platform {
    /// A Linux distribution, by its os-release `ID` (lower case, e.g. `debian`).
    Linux(String),
    /// Microsoft Windows.
    Windows,
    /// Apple macOS.
    MacOs,
    /// Google Android.
    Android,
    /// Apple iOS / iPadOS.
    Ios,
}

impl Platform {
    /// The platform for a Product Information name: `windows`, `macos` (or `mac os x`),
    /// `android`, `ios`/`ipados`, else a Linux distribution by its first word in lower
    /// case (strongSwan's collector sends e.g. `Debian`, ours the os-release `ID`).
    pub fn from_product_name(name: &str) -> Self {
        let lower = name.trim().to_ascii_lowercase();
        match lower.as_str() {
            "windows" => Self::Windows,
            "macos" | "mac os x" | "os x" => Self::MacOs,
            "android" => Self::Android,
            "ios" | "ipados" => Self::Ios,
            _ => Self::Linux(lower.split_whitespace().next().unwrap_or_default().to_owned()),
        }
    }

    /// Whether packages on this platform use Debian version ordering (dpkg).
    pub fn uses_dpkg(&self) -> bool {
        matches!(self, Self::Linux(id) if matches!(id.as_str(), "debian" | "ubuntu" | "raspbian" | "linuxmint" | "kali" | "postern"))
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Linux(id) => write!(f, "linux:{id}"),
            Self::Windows => f.write_str("windows"),
            Self::MacOs => f.write_str("macos"),
            Self::Android => f.write_str("android"),
            Self::Ios => f.write_str("ios"),
        }
    }
}

/// Which platforms a policy applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlatformMatch {
    /// One Linux distribution by os-release `ID`.
    LinuxDistribution(String),
    /// Any Linux distribution.
    AnyLinux,
    /// Windows.
    Windows,
    /// macOS.
    MacOs,
    /// Android.
    Android,
    /// iOS.
    Ios,
}

impl PlatformMatch {
    /// Whether `platform` is one this match covers.
    pub fn covers(&self, platform: &Platform) -> bool {
        match (self, platform) {
            (Self::LinuxDistribution(want), Platform::Linux(id)) => want == id,
            (Self::AnyLinux, Platform::Linux(_)) => true,
            (Self::Windows, Platform::Windows)
            | (Self::MacOs, Platform::MacOs)
            | (Self::Android, Platform::Android)
            | (Self::Ios, Platform::Ios) => true,
            _ => false,
        }
    }

    /// Parses the configuration form: `linux`, `linux:<os-release id>`, `windows`,
    /// `macos`, `android`, `ios`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "linux" => Self::AnyLinux,
            "windows" => Self::Windows,
            "macos" => Self::MacOs,
            "android" => Self::Android,
            "ios" => Self::Ios,
            _ => {
                let id = s.strip_prefix("linux:")?;
                if id.is_empty()
                    || !id.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"._-".contains(&c))
                {
                    return None;
                }
                Self::LinuxDistribution(id.to_owned())
            }
        })
    }
}
