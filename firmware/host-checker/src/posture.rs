//! The posture an endpoint reported, gathered from PA-TNC attributes.

use std::collections::BTreeMap;

use postern_tnc_wire::pa::{Attribute, ForwardingEnabled};

use crate::platform::Platform;

/// What the endpoint reported; fields it did not report stay empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Posture {
    /// From Product Information.
    pub platform: Option<Platform>,
    /// OS version (String Version's version, e.g. os-release `VERSION_ID`).
    pub os_version: Option<String>,
    /// Build (String Version's build: the kernel release on Linux).
    pub build: Option<String>,
    /// Installed packages: name → version.
    pub packages: BTreeMap<String, String>,
    /// Forwarding Enabled.
    pub forwarding: Option<ForwardingEnabled>,
    /// Factory Default Password Enabled.
    pub default_password: Option<bool>,
}

impl Posture {
    /// Folds reported attributes into the posture (later attributes override earlier).
    pub fn absorb(&mut self, attributes: &[Attribute]) {
        for attribute in attributes {
            match attribute {
                Attribute::ProductInformation { name, .. } => self.platform = Some(Platform::from_product_name(name)),
                Attribute::StringVersion { version, build, config } => {
                    self.os_version = Some(os_version(version, build, config).to_owned());
                    self.build = Some(build.clone());
                }
                Attribute::NumericVersion { major, minor, .. } if self.os_version.is_none() => {
                    self.os_version = Some(format!("{major}.{minor}"));
                }
                Attribute::InstalledPackages(packages) => {
                    for p in packages {
                        self.packages.insert(p.name.clone(), p.version.clone());
                    }
                }
                Attribute::ForwardingEnabled(f) => self.forwarding = Some(*f),
                Attribute::FactoryDefaultPasswordEnabled(on) => self.default_password = Some(*on),
                _ => {}
            }
        }
    }

    /// A posture from attributes.
    pub fn from_attributes(attributes: &[Attribute]) -> Self {
        let mut posture = Self::default();
        posture.absorb(attributes);
        posture
    }
}

/// Machine architectures as `uname -m` and Debian name them.
const ARCHITECTURES: &[&str] =
    &["x86_64", "amd64", "i386", "i686", "aarch64", "arm64", "armhf", "armel", "armv7l", "ppc64le", "s390x", "riscv64"];

/// The OS version of a String Version. strongSwan's OS IMC writes `VERSION ARCH` (e.g.
/// `12 x86_64`) with build and configuration empty: the architecture is taken off then.
fn os_version<'a>(version: &'a str, build: &str, config: &str) -> &'a str {
    match version.rsplit_once(' ') {
        Some((head, arch)) if build.is_empty() && config.is_empty() && ARCHITECTURES.contains(&arch) => head,
        _ => version,
    }
}
